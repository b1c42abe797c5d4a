"""Detection quality against ground truth (the generated corpus labels each finding `attack` or
`benign`), so a change to ingest, engine or threshold shows up as a number, not an impression.

A finding is as unusual as its most unusual IP (a port probe has several). Findings the model
cannot judge on any of its IPs (unseen principal, not scored) and findings absent from the truth
are left out and counted, never guessed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from secml.core.errors import InputError
from secml.ipinsights.metrics import roc_auc
from secml.report.join import UNUSUAL, USUAL, ScoredFinding

TRUTH_HEADER = ("finding_id", "label", "reason")
ATTACK = "attack"
BENIGN = "benign"


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


@dataclass(frozen=True)
class Quality:
    """None where a measure is undefined (precision with nothing flagged, recall without attacks,
    ROC AUC without both labels): reporting 0.0 would read as "the model failed"."""

    roc_auc: float | None
    precision: float | None
    recall: float | None
    attacks: int
    benign: int
    left_out: int

    def describe(self) -> str:
        auc = "n/a (needs both labels)" if self.roc_auc is None else f"{self.roc_auc:.3f}"
        return (
            f"ROC AUC {auc}; at the threshold precision {_shown(self.precision)}, recall "
            f"{_shown(self.recall)} ({self.attacks} attack and {self.benign} benign findings judged, "
            f"{self.left_out} left out: unseen principal, not scored or not in the truth)"
        )


def parse_truth(text: str, name: str = "truth") -> dict[str, str]:
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != TRUTH_HEADER:
        raise InputError(f"{name}: header must be {','.join(TRUTH_HEADER)}")
    truth = {}
    for line_number, row in enumerate(reader, start=2):
        if row["label"] not in (ATTACK, BENIGN):
            raise InputError(f"{name} line {line_number}: label must be attack or benign")
        truth[row["finding_id"]] = row["label"]
    return truth


def evaluate(findings: Iterable[ScoredFinding], truth: dict[str, str], threshold: float) -> Quality:
    """ROC AUC and precision/recall of the findings' ranking at `threshold`: "lower score = attack",
    flagged below the threshold; or, where the history gave an unusualness, "higher unusualness =
    attack", flagged above it."""
    findings = list(findings)
    with_history = any(f.unusualness is not None for f in findings)
    worst: dict[str, float] = {}
    seen_ids: set[str] = set()
    for finding in findings:
        seen_ids.add(finding.finding_id)
        if finding.verdict in (USUAL, UNUSUAL) and finding.score is not None:
            anomaly = finding.unusualness if finding.unusualness is not None else -finding.score
            worst[finding.finding_id] = max(anomaly, worst.get(finding.finding_id, anomaly))
    judged = [fid for fid in worst if fid in truth]
    left_out = len(seen_ids) - len(judged)
    if not judged:
        raise InputError("no finding in the report has both a model score and a truth label")
    is_attack = np.array([truth[fid] == ATTACK for fid in judged])
    anomalies = np.array([worst[fid] for fid in judged])
    flagged = anomalies > threshold if with_history else anomalies > -threshold
    attacks = int(is_attack.sum())
    true_positives = int((flagged & is_attack).sum())
    return Quality(
        roc_auc=roc_auc(anomalies, is_attack) if 0 < attacks < is_attack.size else None,
        precision=true_positives / int(flagged.sum()) if flagged.any() else None,
        recall=true_positives / attacks if attacks else None,
        attacks=attacks,
        benign=int(is_attack.size) - attacks,
        left_out=left_out,
    )
