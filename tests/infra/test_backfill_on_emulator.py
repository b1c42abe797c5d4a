"""`make up && make backfill` on the emulator, on a small corpus: the root stack applied as
`secml stack up` applies it, the backfill run through the CLI (the deployed Distributed Map over
the deployed parts function, both run by the patched emulator), then:
- the parts' tuples, concatenated, equal `secml tuples cloudtrail` over the same input (as
  multisets, IPv6 included);
- a second backfill leaves every part byte-identical;
- a poisoned object fails its batch beyond the (zero) tolerance: exit status 1, key named;
- with the findings export on (as this stack has it), an object GuardDuty exports becomes its
  scoring part and finding-index part through the stack's own notification and function.
The stack is destroyed at the end, so the session emulator is left as found."""

from __future__ import annotations

import csv
import io
import os
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from ingest_fixtures import export_jsonl_gz, findings

from secml.cli import main
from secml.core.target import Target
from secml.data.seed import upload_corpus
from secml.data.size import CorpusSize
from secml.infra.artefacts import build_all
from secml.infra.terraform import TerraformRunner

pytestmark = [pytest.mark.emulator, pytest.mark.terraform]

# The smallest corpus the generator makes (its objects, ~380, set the test's time, not its records).
SMALL = CorpusSize(records=1000, days=1, people=4, findings=10)


@pytest.fixture(scope="module")
def applied_stack(emulator: Target, terraform_cli_env: dict[str, str]) -> Iterator[dict[str, Any]]:
    """The root stack on the session emulator, as `make up` applies it, with a small corpus."""
    patch = pytest.MonkeyPatch()
    for key, value in {**emulator.environment(), **terraform_cli_env}.items():
        patch.setenv(key, value)
    patch.setenv("SECML_EMULATOR_PORT", str(emulator.emulator_port))  # for the CLI's own target
    patch.setenv("TF_VAR_guardduty_export_findings", "true")
    for leak in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SECURITY_TOKEN"):
        patch.delenv(leak, raising=False)
    runner = TerraformRunner(emulator)
    try:
        build_all()
        runner.init()
        runner.apply()
        values = runner.outputs()
        cloudtrail, guardduty = values["cloudtrail_input"], values["guardduty_input"]
        upload_corpus(
            emulator, (cloudtrail["bucket"], cloudtrail["prefix"]), (guardduty["bucket"], guardduty["prefix"]),
            emulator.state_dir / "truth.csv", size=SMALL,
        )  # fmt: skip
        yield values
    finally:
        runner.destroy()
        patch.undo()


def _cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = main(["--target", "local", *argv])
    return status, capsys.readouterr().out


def _parts(s3: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    keys = [item["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for item in page.get("Contents", [])]  # fmt: skip
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def _lines(blobs: list[bytes]) -> Counter[str]:
    return Counter(line for blob in blobs for line in io.StringIO(blob.decode()).read().splitlines())


def test_backfill_equals_the_tuples_command_and_is_idempotent(
    applied_stack: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = boto3.client("s3", region_name=os.environ["AWS_DEFAULT_REGION"])
    tuples_bucket, source = applied_stack["tuples_bucket_name"], applied_stack["cloudtrail_input"]

    status, first = _cli("ingest", "backfill", capsys=capsys)
    assert status == 0, first
    assert "batches failed: 0" in first
    parts, ipv6_parts = _parts(s3, tuples_bucket, "train/parts/"), _parts(s3, tuples_bucket, "train/parts-ipv6/")
    assert parts and all(key.endswith(".csv") for key in parts)

    expected, expected_ipv6 = tmp_path / "all.csv", tmp_path / "all-ipv6.csv"
    status, _ = _cli("tuples", "cloudtrail", f"s3://{source['bucket']}/{source['prefix']}",
                     "--out", str(expected), "--ipv6-out", str(expected_ipv6), capsys=capsys)  # fmt: skip
    assert status == 0
    assert _lines(list(parts.values())) == _lines([expected.read_bytes()])
    assert _lines(list(ipv6_parts.values())) == _lines([expected_ipv6.read_bytes()])
    assert f"tuples written: {sum(_lines([expected.read_bytes()]).values())}" in first

    status, second = _cli("ingest", "backfill", capsys=capsys)
    assert status == 0, second
    assert _parts(s3, tuples_bucket, "train/parts/") == parts
    assert _parts(s3, tuples_bucket, "train/parts-ipv6/") == ipv6_parts

    poisoned = f"{source['prefix']}AWSLogs/123456789012/CloudTrail/us-west-2/2025/03/04/poisoned.json.gz"
    s3.put_object(Bucket=source["bucket"], Key=poisoned, Body=b"not gzip")
    try:
        status, third = _cli("ingest", "backfill", capsys=capsys)
    finally:
        s3.delete_object(Bucket=source["bucket"], Key=poisoned)
    assert status == 1
    assert "batches failed: 1" in third and f"  {poisoned}" in third


def test_an_exported_findings_object_becomes_a_scoring_part_with_its_index(applied_stack: dict[str, Any]) -> None:
    s3 = boto3.client("s3", region_name=os.environ["AWS_DEFAULT_REGION"])
    bucket = applied_stack["tuples_bucket_name"]
    key = "guardduty-export/AWSLogs/123456789012/GuardDuty/us-west-2/2026/03/09/0b7e6f2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b.jsonl.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=export_jsonl_gz(findings()))
    deadline = time.monotonic() + 120
    while not (index := _parts(s3, bucket, "infer/parts-index/2026/03/09/")) and time.monotonic() < deadline:
        time.sleep(1)
    tuples = _parts(s3, bucket, "infer/parts/2026/03/09/")
    assert len(index) == len(tuples) == 1, (index, tuples)
    (tuples_body,), (index_body,) = tuples.values(), index.values()
    rows = list(csv.DictReader(io.StringIO(index_body.decode())))
    assert [f"{row['principal']},{row['ip']}" for row in rows] == tuples_body.decode().splitlines()
    assert {row["finding_id"] for row in rows} <= {finding["id"] for finding in findings()} and rows
