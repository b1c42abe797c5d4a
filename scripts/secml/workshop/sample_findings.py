"""Workshop exercise 1.1 without the console: GuardDuty CreateSampleFindings on the stack's
detector, then the sample findings read back (ListFindings, all pages; GetFindings, 50 at a time)
and printed short (`[updatedAt] region  ip  type  id`) or in full. The same three API calls run on
AWS and on the emulator (which secml patches to support them).

Only sample findings are listed: the stack may reuse an organisation's detector
(create_guardduty_detector=false), which can hold thousands of real findings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3

from secml.core.target import Target
from secml.infra import stack
from secml_ingest.guardduty import camel_keys, remote_address, remote_ip_details
from secml_ingest.outcomes import Skip

GET_FINDINGS_BATCH = 50
SAMPLE_CRITERIA = {"Criterion": {"service.additionalInfo.sample": {"Eq": ["true"]}}}


def remote_ips(finding: dict[str, Any]) -> list[str]:
    """The remote addresses a finding's action names (several for a port probe), by the ingest
    function's rule; GetFindings answers in PascalCase, which the ingest also turns to camelCase."""
    action = camel_keys((finding.get("Service") or {}).get("Action") or {})
    details = remote_ip_details(action)
    if isinstance(details, Skip):
        return []
    return [address for address in map(remote_address, details) if address]


def short_line(finding: dict[str, Any]) -> str:
    ips = remote_ips(finding)
    ip = ips[0] + (f" (+{len(ips) - 1})" if len(ips) > 1 else "") if ips else "-"
    return f"[{finding['UpdatedAt']}] {finding['Region']}  {ip}  {finding['Type']}  {finding['Id']}"


def sample_finding_ids(guardduty: Any, detector_id: str) -> Iterator[str]:
    paginator = guardduty.get_paginator("list_findings")
    for page in paginator.paginate(DetectorId=detector_id, FindingCriteria=SAMPLE_CRITERIA):
        yield from page["FindingIds"]


def read_sample_findings(guardduty: Any, detector_id: str) -> list[dict[str, Any]]:
    ids = list(sample_finding_ids(guardduty, detector_id))
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), GET_FINDINGS_BATCH):
        batch = ids[start : start + GET_FINDINGS_BATCH]
        found.extend(guardduty.get_findings(DetectorId=detector_id, FindingIds=batch)["Findings"])
    return sorted(found, key=lambda f: (f["UpdatedAt"], f["Type"], f["Id"]))


def create_and_read(guardduty: Any, detector_id: str) -> list[dict[str, Any]]:
    guardduty.create_sample_findings(DetectorId=detector_id)
    return read_sample_findings(guardduty, detector_id)


def run(target: Target, full: bool = False) -> list[dict[str, Any]]:
    """Generate sample findings on the stack's detector and print the sample findings it holds."""
    detector_id = stack.outputs(target)["guardduty_detector_id"]
    guardduty = boto3.client("guardduty", region_name=target.region)
    found = create_and_read(guardduty, detector_id)
    print(f"{len(found)} sample findings on detector {detector_id} in {target.region}")
    for finding in found:
        print(json.dumps(finding, indent=2, default=str) if full else short_line(finding))
    return found
