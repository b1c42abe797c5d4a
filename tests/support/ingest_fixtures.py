"""Builders over the fixture files in tests/fixtures/ingest: logs as CloudTrail delivers them
(compact gzip JSON), findings in GuardDuty's three shapes, and S3 keys in both trail layouts."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
ACCOUNT = "111122223333"


def records() -> list[dict[str, Any]]:
    return list(json.loads((FIXTURES / "cloudtrail_records.json").read_text())["Records"])


def findings() -> list[dict[str, Any]]:
    return list(json.loads((FIXTURES / "guardduty_findings.json").read_text()))


def delivered_log(log_records: list[dict[str, Any]]) -> bytes:
    """A log object as CloudTrail writes it: compact JSON, gzip."""
    return gzip.compress(json.dumps({"Records": log_records}, separators=(",", ":")).encode())


def account_key(name: str, account: str = ACCOUNT) -> str:
    return f"cloudtrail/AWSLogs/{account}/CloudTrail/us-west-2/2024/03/01/{account}_CloudTrail_us-west-2_20240301T1000Z_{name}.json.gz"


def org_key(name: str, org: str = "o-exampleorg1", account: str = ACCOUNT) -> str:
    return f"cloudtrail/AWSLogs/{org}/{account}/CloudTrail/us-west-2/2024/03/01/{account}_CloudTrail_us-west-2_20240301T1000Z_{name}.json.gz"


def digest_key(account: str = ACCOUNT) -> str:
    return f"cloudtrail/AWSLogs/{account}/CloudTrail-Digest/us-west-2/2024/03/01/{account}_CloudTrail-Digest_us-west-2_trail_us-west-2_20240301T100000Z.json.gz"


def pascal_keys(value: Any) -> Any:
    """The GetFindings API's key style (what boto3 returns)."""
    if isinstance(value, dict):
        return {key[:1].upper() + key[1:]: pascal_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [pascal_keys(item) for item in value]
    return value


def event_bridge(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "version": "0", "id": "c8c4daa7-a20c-2f03-0070-b7393dd542ad", "detail-type": "GuardDuty Finding",
        "source": "aws.guardduty", "account": ACCOUNT, "time": "2024-03-01T10:06:00Z", "region": "us-west-2",
        "resources": [], "detail": copy.deepcopy(finding),
    }  # fmt: skip


def export_jsonl_gz(items: list[dict[str, Any]]) -> bytes:
    return gzip.compress("".join(json.dumps(item) + "\n" for item in items).encode())
