"""One input object read to the end: its tuples as CSV text and its counts. Shared by the Lambdas
and the backfill CLI, so an object gives the same output whichever runs it. An object that
cannot be read contributes no tuples at all, only a bad-object entry."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from secml_ingest import cloudtrail, guardduty
from secml_ingest.errors import BadObjectError
from secml_ingest.outcomes import IPV6_NOT_SCORED, NO_SCORABLE_IP, PrincipalIp, Skip
from secml_ingest.summary import FINDINGS, RECORDS, BadObject, IngestSummary
from secml_ingest.tuples_csv import csv_text

RecordObserver = Callable[[cloudtrail.CloudTrailRecord, PrincipalIp | Skip], None]
FindingObserver = Callable[[dict[str, Any], list[PrincipalIp | Skip]], None]


@dataclass
class ObjectTuples:
    tuples_csv: str
    ipv6_csv: str
    index_csv: str
    summary: IngestSummary


def unreadable(unit: str, key: str, reason: str) -> ObjectTuples:
    """What an object that cannot be read (or fetched) contributes: no tuples, one bad object."""
    return ObjectTuples("", "", "", IngestSummary(unit=unit, bad_objects=[BadObject(key, reason)]))


def _observed_outcomes(data: bytes, observe: RecordObserver) -> Iterator[PrincipalIp | Skip]:
    for record in cloudtrail.records_from_log_bytes(data):
        outcome = cloudtrail.tuple_from_record(record)
        if not isinstance(record, Skip):
            observe(record, outcome)
        yield outcome


def read_cloudtrail_object(key: str, data: bytes, observe: RecordObserver | None = None) -> ObjectTuples:
    """IPv4 tuples, IPv6 tuples (SageMaker trains on IPv4 only) and counts of one log object."""
    summary = IngestSummary(unit=RECORDS, objects_read=1)
    ipv4: list[tuple[str, str]] = []
    ipv6: list[tuple[str, str]] = []
    skipped = summary.items_skipped
    outcomes = cloudtrail.tuples_from_log_bytes(data) if observe is None else _observed_outcomes(data, observe)
    try:
        for outcome in outcomes:
            if isinstance(outcome, Skip):
                skipped[outcome.reason] += 1
            else:
                (ipv4 if outcome.ip_version == 4 else ipv6).append((outcome.principal, outcome.ip))
    except BadObjectError as error:
        return unreadable(RECORDS, key, str(error))
    summary.items_seen = len(ipv4) + len(ipv6) + sum(skipped.values())
    summary.tuples_written = len(ipv4)
    summary.ipv6_tuples_written = len(ipv6)
    return ObjectTuples(csv_text(ipv4), csv_text(ipv6), "", summary)


def _finding_skip_reason(ip_skips: list[str]) -> str:
    """Why a finding whose every remote IP was left out gives no tuple: the reason they share
    (all IPv6, all without an address), else that none of them could be scored."""
    reasons = set(ip_skips)
    return reasons.pop() if len(reasons) == 1 else NO_SCORABLE_IP


def read_guardduty_object(key: str, data: bytes, observe: FindingObserver | None = None) -> ObjectTuples:
    """IPv4 scoring tuples and their finding-index rows (row i describes tuple i) of one object.
    A finding that gives no tuple counts as a skipped finding (by the reason its remote IPs gave
    none, when that is why); a remote IP left out of a finding that did give tuples (IPv6, which
    IP Insights cannot score, or no address) counts as a skipped IP."""
    summary = IngestSummary(unit=FINDINGS, objects_read=1)
    pairs: list[tuple[str, str]] = []
    index: list[tuple[str, ...]] = []
    try:
        for finding in guardduty.findings_from_bytes(key, data):
            summary.items_seen += 1
            if isinstance(finding, Skip):
                summary.items_skipped[finding.reason] += 1
                continue
            outcomes = guardduty.tuples_from_finding(finding)
            if observe is not None:
                observe(finding, [outcomes] if isinstance(outcomes, Skip) else outcomes)
            if isinstance(outcomes, Skip):
                summary.items_skipped[outcomes.reason] += 1
                continue
            ip_skips: list[str] = []
            for outcome in outcomes:
                if isinstance(outcome, Skip):
                    ip_skips.append(outcome.reason)
                elif outcome.ip_version != 4:
                    ip_skips.append(IPV6_NOT_SCORED)
                else:
                    pairs.append((outcome.principal, outcome.ip))
                    index.append(guardduty.index_row(finding, outcome))
            if len(ip_skips) == len(outcomes):  # not one scoring tuple: a skipped finding
                summary.items_skipped[_finding_skip_reason(ip_skips)] += 1
            else:
                summary.ips_skipped.update(ip_skips)
    except BadObjectError as error:
        return unreadable(FINDINGS, key, str(error))
    summary.tuples_written = len(pairs)
    return ObjectTuples(csv_text(pairs), "", csv_text(index), summary)
