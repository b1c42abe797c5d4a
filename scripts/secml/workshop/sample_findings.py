"""Workshop exercise 1.1 without the console: GuardDuty CreateSampleFindings on the stack's
detector, then the sample findings read back (ListFindings, all pages; GetFindings, 50 at a time)
and printed short (`[updatedAt] region  ip  type  id`) or in full. The same API calls run on AWS
and on the emulator (which secml patches to support them).

GuardDuty generates sample findings asynchronously: CreateSampleFindings answers before they are
listable, so the count of samples updated since the request is polled until it settles (bounded).

Only sample findings are listed: the stack may reuse an organisation's detector
(create_guardduty_detector=false), which can hold thousands of real findings. Sample findings on
such a detector are findings like any other for the account's pipelines (EventBridge rules,
Security Hub, the S3 export, a SIEM fed from them): the user confirms first, and they are archived
once listed (ArchiveFindings; a GuardDuty member account may not archive, and is told so)."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError

from secml.core.errors import InputError, ServiceError
from secml.core.target import Target
from secml.infra import stack
from secml_ingest.guardduty import camel_keys, remote_address, remote_ip_details
from secml_ingest.outcomes import Skip

GET_FINDINGS_BATCH = 50
ARCHIVE_BATCH = 50
SAMPLE_CRITERION = {"service.additionalInfo.sample": {"Eq": ["true"]}}
SAMPLE_CRITERIA = {"Criterion": SAMPLE_CRITERION}
# The server's Date header has whole seconds and a finding may be stamped just before it is sent.
CLOCK_MARGIN_MS = 2_000
POLL_INTERVAL_S = 2.0
SETTLE_POLLS = 3  # the same count this many polls in a row
SETTLE_TIMEOUT_S = 120.0

# Asked before sample findings go to a detector the stack did not create; True to go on.
Confirm = Callable[[str], bool]


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


def samples_updated_since(epoch_ms: int) -> dict[str, Any]:
    """Sample findings GuardDuty created or updated at or after `epoch_ms` (its server clock)."""
    return {"Criterion": {**SAMPLE_CRITERION, "updatedAt": {"Gte": epoch_ms}}}


def sample_finding_ids(guardduty: Any, detector_id: str, criteria: dict[str, Any] = SAMPLE_CRITERIA) -> Iterator[str]:
    paginator = guardduty.get_paginator("list_findings")
    for page in paginator.paginate(DetectorId=detector_id, FindingCriteria=criteria):
        yield from page["FindingIds"]


def read_findings(guardduty: Any, detector_id: str, ids: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(ids), GET_FINDINGS_BATCH):
        batch = ids[start : start + GET_FINDINGS_BATCH]
        found.extend(guardduty.get_findings(DetectorId=detector_id, FindingIds=batch)["Findings"])
    return sorted(found, key=lambda f: (f["UpdatedAt"], f["Type"], f["Id"]))


def read_sample_findings(guardduty: Any, detector_id: str) -> list[dict[str, Any]]:
    return read_findings(guardduty, detector_id, list(sample_finding_ids(guardduty, detector_id)))


@dataclass(frozen=True)
class Settled:
    """The sample finding ids listed last, and whether their count had stopped changing."""

    ids: list[str]
    settled: bool
    waited_s: float


def wait_until_settled(
    list_ids: Callable[[], list[str]],
    timeout_s: float = SETTLE_TIMEOUT_S,
    interval_s: float = POLL_INTERVAL_S,
    settle_polls: int = SETTLE_POLLS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Settled:
    """Poll `list_ids` until it answers the same non-zero count `settle_polls` times in a row, or
    until `timeout_s` has passed (then `settled` is False)."""
    started = clock()
    ids = list_ids()
    same = 1
    while not (ids and same >= settle_polls):
        if clock() - started + interval_s > timeout_s:
            return Settled(ids, False, clock() - started)
        sleep(interval_s)
        latest = list_ids()
        same = same + 1 if len(latest) == len(ids) else 1
        ids = latest
    return Settled(ids, True, clock() - started)


def server_time_ms(response: dict[str, Any]) -> int:
    """The service's clock from an answer's Date header (the local clock if there is none), so
    a skewed local clock cannot hide the findings just generated."""
    date = response.get("ResponseMetadata", {}).get("HTTPHeaders", {}).get("date")
    try:
        return int(parsedate_to_datetime(date).timestamp() * 1000) if date else int(time.time() * 1000)
    except (TypeError, ValueError):
        return int(time.time() * 1000)


def create_and_read(
    guardduty: Any, detector_id: str, timeout_s: float = SETTLE_TIMEOUT_S, interval_s: float = POLL_INTERVAL_S
) -> list[dict[str, Any]]:
    """CreateSampleFindings, then the samples it created or updated once their count settles."""
    answer = guardduty.create_sample_findings(DetectorId=detector_id)
    criteria = samples_updated_since(server_time_ms(answer) - CLOCK_MARGIN_MS)
    settled = wait_until_settled(
        lambda: list(sample_finding_ids(guardduty, detector_id, criteria)), timeout_s=timeout_s, interval_s=interval_s
    )
    if not settled.ids:
        raise ServiceError(
            f"no sample findings appeared on detector {detector_id} within {timeout_s:.0f} s of CreateSampleFindings "
            "(GuardDuty generates them asynchronously): run the step again in a minute"
        )
    if not settled.settled:
        print(
            f"note: sample findings were still arriving after {settled.waited_s:.0f} s; "
            f"showing the {len(settled.ids)} listed so far",
            file=sys.stderr,
        )
    return read_findings(guardduty, detector_id, settled.ids)


def administrator_of(guardduty: Any, detector_id: str) -> str | None:
    """The GuardDuty administrator account when this account is a member (None otherwise)."""
    answer = guardduty.get_administrator_account(DetectorId=detector_id)
    return (answer.get("Administrator") or {}).get("AccountId")


def reuse_warning(detector_id: str, region: str, administrator: str | None) -> str:
    text = (
        f"GuardDuty detector {detector_id} in {region} was not created by this stack (it is reused). "
        "Sample findings are findings like any other for this account's live pipelines: EventBridge rules, "
        "Security Hub, the S3 export and any SIEM or ticketing fed from them will receive about a hundred "
        "[SAMPLE] findings. "
    )
    if administrator:
        return text + (
            f"This account is a GuardDuty member of administrator account {administrator}, which sees them too; "
            "a member cannot archive findings, so they stay active until the administrator archives them "
            "(filter service.additionalInfo.sample = true)."
        )
    return text + "secml archives them (ArchiveFindings) once they are listed."


def archive(guardduty: Any, detector_id: str, ids: list[str]) -> int:
    """Archive `ids` 50 at a time; returns how many were archived. A refusal (a member account
    may not archive) is reported on standard error: the exercise itself has succeeded."""
    archived = 0
    try:
        for start in range(0, len(ids), ARCHIVE_BATCH):
            batch = ids[start : start + ARCHIVE_BATCH]
            guardduty.archive_findings(DetectorId=detector_id, FindingIds=batch)
            archived += len(batch)
    except ClientError as error:
        print(
            f"warning: archived {archived} of {len(ids)} sample findings on detector {detector_id}; GuardDuty "
            f"refused the rest ({error.response['Error'].get('Message') or error}): archive them from the "
            "GuardDuty administrator account (filter service.additionalInfo.sample = true)",
            file=sys.stderr,
        )
    return archived


def run(target: Target, full: bool = False, confirm: Confirm | None = None) -> list[dict[str, Any]]:
    """Generate sample findings on the stack's detector and print the sample findings it made.
    On a reused detector `confirm` is asked first (None: nobody can be asked, so refuse), and the
    samples are archived afterwards."""
    outputs = stack.outputs(target)
    detector_id = outputs["guardduty_detector_id"]
    reused = outputs.get("guardduty_detector_created") is not True
    guardduty = boto3.client("guardduty", region_name=target.region)
    if reused:
        warning = reuse_warning(detector_id, target.region, administrator_of(guardduty, detector_id))
        if confirm is None or not confirm(warning):
            raise InputError(
                f"sample findings not generated on the reused detector {detector_id}: not confirmed "
                "(add --yes, or SAMPLE_FINDINGS=yes with make, to go on)"
            )
    found = create_and_read(guardduty, detector_id)
    try:
        print(f"{len(found)} sample findings on detector {detector_id} in {target.region}")
        for finding in found:
            print(json.dumps(finding, indent=2, default=str) if full else short_line(finding))
    finally:
        if reused:
            archived = archive(guardduty, detector_id, [finding["Id"] for finding in found])
            if archived:
                print(f"archived the {archived} sample findings on the reused detector {detector_id}")
    return found
