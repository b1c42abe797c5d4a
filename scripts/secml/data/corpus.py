"""`secml data generate`: one simulated AWS account's CloudTrail logs and GuardDuty findings,
with the ground truth the pipeline never reads.

The account's normal activity comes from `population`; on top of it the corpus plants the
activity behind each finding, which appears in CloudTrail as in the workshop:

- attacks: an attacker uses a principal's credentials from a range that principal never uses,
  for a few calls (about 1% of that principal's records, 3 to 25), and GuardDuty reports it;
- benign findings: the principal itself, from one of its usual addresses, does something
  GuardDuty flags (root use, a console login, an internal pen test, a policy change);
- EC2 findings (port probes, brute force): scanners on the internet; no principal, no label.

Truth (`finding_id,label,reason`) labels exactly the findings that carry a principal and an IPv4
address, i.e. the findings IP Insights can score; EC2 findings have no principal tuple, so
they are left out of the truth file (the summary counts them as unlabelled).

This module ties the steps together: `events` (everyday activity), `planner` (findings and the
activity behind them, scenarios in `plans`), `writers` (CloudTrail files, findings, truth).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from secml.core import storage
from secml.data import cloudtrail_records
from secml.data.destinations import Destination
from secml.data.events import START, CallIndex, normal_events
from secml.data.ids import stable_hex
from secml.data.networks import build_table
from secml.data.planner import FindingPlanner, plan_findings
from secml.data.population import build_population
from secml.data.size import DEFAULT_SIZE, CorpusSize
from secml.data.writers import write_cloudtrail, write_guardduty, write_truth

CORPUS_RANGES = 200_000


@dataclass(frozen=True)
class CorpusSummary:
    """What was generated and where; `lines()` is how every command prints it."""

    account_id: str
    records: int
    cloudtrail_files: int
    findings: int
    attack_findings: int
    benign_findings: int
    unlabelled_findings: int
    start: str
    end: str
    seconds: float
    cloudtrail_url: str
    guardduty_url: str
    truth_path: Path

    def lines(self) -> list[str]:
        return [
            f"account {self.account_id}, {self.start} .. {self.end}",
            f"cloudtrail: {self.records} records in {self.cloudtrail_files} files -> {self.cloudtrail_url}",
            f"guardduty: {self.findings} findings ({self.attack_findings} attack, {self.benign_findings} benign, "
            f"{self.unlabelled_findings} without a principal) -> {self.guardduty_url}",
            f"truth: {self.truth_path}",
            f"generated in {self.seconds:.1f} s",
        ]


def generate_into(
    cloudtrail_url: str,
    guardduty_url: str,
    truth_path: Path,
    seed: int = 0,
    size: CorpusSize = DEFAULT_SIZE,
    s3_client: Any = None,
) -> CorpusSummary:
    """The corpus for `seed` and `size`, CloudTrail under `cloudtrail_url` and findings under
    `guardduty_url` (local folders or s3:// prefixes); byte-identical for the same arguments."""
    began = time.perf_counter()
    rng = np.random.default_rng([seed, 0xC0])
    table = build_table(CORPUS_RANGES, seed)
    pop = build_population(table, rng, size.people)
    index = CallIndex()
    events = normal_events(pop, size.records, size.days, rng, index)
    normal_principals = np.concatenate(events.principal)
    counts = np.bincount(normal_principals[normal_principals >= 0], minlength=len(pop.principals))
    detector_id = stable_hex("detector", seed)
    planner = FindingPlanner(pop, table, size.days, rng, index, events, detector_id, counts, seed)
    plan_findings(planner, size.findings)
    with Destination(cloudtrail_url, s3_client) as out:
        records, files = write_cloudtrail(pop, index, events, rng, out)
    with Destination(guardduty_url, s3_client) as out:
        write_guardduty(pop, planner.planned, out)
    write_truth(truth_path, planner.planned)
    labels = [p.label for p in planner.planned]
    return CorpusSummary(
        account_id=pop.account_id,
        records=records,
        cloudtrail_files=files,
        findings=len(planner.planned),
        attack_findings=labels.count("attack"),
        benign_findings=labels.count("benign"),
        unlabelled_findings=labels.count(None),
        start=cloudtrail_records.iso_time(START),
        end=cloudtrail_records.iso_time(START + size.days * 86_400),
        seconds=time.perf_counter() - began,
        cloudtrail_url=cloudtrail_url,
        guardduty_url=guardduty_url,
        truth_path=truth_path,
    )


def generate(dest: str, truth_path: Path, seed: int = 0, size: CorpusSize = DEFAULT_SIZE) -> CorpusSummary:
    """The workshop bucket's layout under `dest`: `cloudtrail/AWSLogs/...`, `guardduty/...`."""
    return generate_into(storage.child(dest, "cloudtrail"), storage.child(dest, "guardduty"), truth_path, seed, size)
