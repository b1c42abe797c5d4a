"""The workshop's print views, chosen per invocation (``{"print": "none"|"short"|"full"}``)
instead of by editing the function's code."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from secml_ingest.cloudtrail import CloudTrailRecord
from secml_ingest.outcomes import PrincipalIp, Skip

PRINT_MODES = ("none", "short", "full")


def print_mode(event: Any) -> str:
    """The print view an invocation event asks for; "none" when it says nothing."""
    mode = event.get("print", "none") if isinstance(event, Mapping) else "none"
    if mode not in PRINT_MODES:
        raise ValueError(f"event 'print' must be one of {', '.join(PRINT_MODES)}, not {mode!r}")
    return str(mode)


def _outcome_text(outcome: PrincipalIp | Skip) -> str:
    return f"{outcome.principal} {outcome.ip}" if isinstance(outcome, PrincipalIp) else f"skipped: {outcome.reason}"


def short_record(record: CloudTrailRecord, outcome: PrincipalIp | Skip) -> str:
    return f"{record.event_time} {record.region} {record.event_source} {record.event_name} {_outcome_text(outcome)}"


def full_record(record: CloudTrailRecord) -> str:
    return json.dumps(record.as_dict(), indent=2, sort_keys=True)


def short_finding(finding: Mapping[str, Any], outcomes: list[PrincipalIp | Skip]) -> str:
    tuples = "; ".join(_outcome_text(outcome) for outcome in outcomes)
    return (
        f"{finding.get('updatedAt')} severity={finding.get('severity')} {finding.get('type')} "
        f"{finding.get('id')} {tuples}"
    )


def full_finding(finding: Mapping[str, Any]) -> str:
    return json.dumps(finding, indent=2, sort_keys=True)
