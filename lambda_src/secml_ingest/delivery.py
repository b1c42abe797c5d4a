"""What the scorer delivers for one scored finding, built as plain data (the handler sends it):
the live-scores record, the SNS message for an unusual finding and the Security Hub update of
the finding's Security Hub twin.

Security Hub: the GuardDuty finding already has a twin there (GuardDuty's integration imports
every finding), and analysts triage that one; BatchUpdateFindings puts the verdict on it (user
defined fields and a note) instead of importing a second, secml-owned ASFF finding that would
need its own lifecycle (workflow status, archiving) and double every alert.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from secml_ingest.model_registry import ServedModel
from secml_ingest.verdicts import UNUSUAL, IpVerdict, finding_verdict, lowest_scored

NOTE_LIMIT = 512  # Security Hub's note text limit
NOTE_AUTHOR = "secml-finding-scorer"
_KEY_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True)
class ScoredFinding:
    """One finding scored by one model: what every delivery is built from."""

    event_id: str
    event_time: str
    finding: Mapping[str, Any]
    verdicts: list[IpVerdict]
    model: ServedModel
    scored_at: float

    @property
    def verdict(self) -> str:
        return finding_verdict(self.verdicts)

    @property
    def finding_id(self) -> str:
        return str(self.finding.get("id", ""))

    @property
    def region(self) -> str:
        return str(self.finding.get("region", ""))

    def console_link(self) -> str:
        return (
            f"https://console.aws.amazon.com/guardduty/home?region={self.region}"
            f"#/findings?macros=current&fId={self.finding_id}"
        )

    def summary(self) -> dict[str, Any]:
        """The compact description of the finding and its verdict (the SNS message)."""
        lowest = lowest_scored(self.verdicts)
        unusual_ips = [v.ip for v in self.verdicts if v.verdict == UNUSUAL]
        return {
            "finding_id": self.finding_id,
            "type": self.finding.get("type"),
            "severity": self.finding.get("severity"),
            "principal": next((v.principal for v in self.verdicts if v.principal), None),
            "ip": lowest.ip if lowest else next((v.ip for v in self.verdicts if v.ip), None),
            "score": lowest.score if lowest else None,
            "threshold": self.model.threshold,
            "verdict": self.verdict,
            "unusual_ips": unusual_ips,
            "model_id": self.model.model_id,
            "event_time": self.event_time,
            "scored_at": iso_time(self.scored_at),
            "console": self.console_link(),
        }


def iso_time(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch % 1 * 1000):03d}Z"


def live_key(prefix: str, scored: ScoredFinding) -> str:
    """Deterministic: the same event (a retry) overwrites its own record, never adds a second."""
    day = time.strftime("%Y/%m/%d", time.gmtime(scored.scored_at))
    name = "".join(ch if ch in _KEY_SAFE else "_" for ch in f"{scored.finding_id}.{scored.event_id}")
    return f"{prefix.rstrip('/')}/{day}/{name}.jsonl"


def live_lines(scored: ScoredFinding) -> bytes:
    """One JSON object a line, one line per finding IP (or one for a finding with no tuple)."""
    common = {
        "finding_id": scored.finding_id,
        "event_id": scored.event_id,
        "type": scored.finding.get("type"),
        "severity": scored.finding.get("severity"),
        "finding_verdict": scored.verdict,
        "threshold": scored.model.threshold,
        "model_id": scored.model.model_id,
        "event_time": scored.event_time,
        "scored_at": iso_time(scored.scored_at),
    }
    return "".join(json.dumps(common | v.as_dict(), sort_keys=True) + "\n" for v in scored.verdicts).encode()


def sns_message(scored: ScoredFinding) -> dict[str, Any]:
    """Keyword arguments of SNS Publish: the compact message, and attributes to filter on."""
    summary = scored.summary()
    return {
        "Subject": f"secml: unusual IP for {summary['principal']} ({summary['type']})"[:100],
        "Message": json.dumps(summary, sort_keys=True),
        "MessageAttributes": {
            "verdict": {"DataType": "String", "StringValue": scored.verdict},
            "finding_type": {"DataType": "String", "StringValue": str(summary["type"])},
            "severity": {"DataType": "Number", "StringValue": str(summary["severity"] or 0)},
        },
    }


def security_hub_update(scored: ScoredFinding) -> dict[str, Any] | None:
    """Keyword arguments of BatchUpdateFindings for the finding's Security Hub twin, or None when
    the finding has no ARN to identify it by."""
    arn = scored.finding.get("arn")
    if not arn:
        return None
    summary = scored.summary()
    fields = {
        "secml_verdict": scored.verdict,
        "secml_threshold": f"{scored.model.threshold:.6g}",
        "secml_model": scored.model.model_id,
    }
    if summary["score"] is not None:
        fields["secml_score"] = f"{summary['score']:.6g}"
        fields["secml_ip"] = str(summary["ip"])
    note = (
        f"secml IP Insights: {scored.verdict}"
        + (
            f", score {summary['score']:.4g} vs threshold {scored.model.threshold:.4g}"
            if summary["score"] is not None
            else ""
        )
        + f" (model {scored.model.model_id})"
    )
    partition = scored.finding.get("partition") or "aws"
    return {
        "FindingIdentifiers": [
            {"Id": arn, "ProductArn": f"arn:{partition}:securityhub:{scored.region}::product/aws/guardduty"}
        ],
        "Note": {"Text": note[:NOTE_LIMIT], "UpdatedBy": NOTE_AUTHOR},
        "UserDefinedFields": fields,
    }
