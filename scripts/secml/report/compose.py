"""From input files to a Report: read scores, finding index and training scores, choose the
threshold, join, and measure quality when ground truth is given. Writing is writer.py's job."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from secml.core.errors import InputError
from secml.core.storage import read_bytes
from secml.history import index as history_index
from secml.ipinsights.tuples_io import DateWindow, tuples_files
from secml.report import explain, join, quality, threshold
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE
from secml.report.join import ScoredFinding
from secml.report.quality import Quality
from secml.report.threshold import Threshold


@dataclass(frozen=True)
class ReportInputs:
    """Local paths or s3:// URIs. `threshold_value`, when given, overrides calibration. `index` may
    be a folder or prefix of finding-index parts (infer/parts-index/), `index_window` choosing
    the days among them."""

    scores: str | Path
    index: str | Path
    train_scores: str | Path
    index_window: DateWindow | None = None
    truth: str | Path | None = None
    # The training tuples: adds the history evidence and the verdict on unusualness.
    history: str | Path | None = None
    # Scores of the contrast pairs (secml.history.contrast): weighs model and history by their worth.
    contrast_scores: str | Path | None = None
    threshold_value: float | None = None
    false_positive_rate: float = DEFAULT_FALSE_POSITIVE_RATE


@dataclass(frozen=True)
class Report:
    run: str
    findings: list[ScoredFinding]
    threshold: Threshold
    quality: Quality | None
    training_scores: np.ndarray
    guardduty_scores: np.ndarray
    # How IP Insights and the history were weighed into unusualness (None without --history).
    combination: str | None = None

    def most_unusual(self, count: int) -> list[ScoredFinding]:
        return [f for f in self.findings if f.verdict == join.UNUSUAL][:count]

    def verdict_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(join.VERDICT_ORDER, 0)
        for finding in self.findings:
            counts[finding.verdict] += 1
        return counts


def new_run_name() -> str:
    """Sortable by time and unique: the UTC time to the second, then a random suffix, so two
    reports made in the same second (or by two users on one bucket) never share a folder or the
    `scores/<run>/` keys."""
    return f"{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def _read_text(location: str | Path) -> str:
    try:
        return read_bytes(str(location)).decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{location} is not UTF-8 text (byte {error.start}): give the CSV secml wrote") from None


def read_index(location: str | Path, window: DateWindow | None = None) -> list[join.IndexRow]:
    """A finding index, or the parts of one concatenated in key order: the order `secml score`
    reads the tuples parts of the same names in, so row i still describes tuple i."""
    rows: list[join.IndexRow] = []
    for path in tuples_files(str(location), window):
        rows += join.parse_index(_read_text(path), name=path)
    return rows


def compose_report(inputs: ReportInputs, run: str) -> Report:
    scores = join.parse_scores(_read_text(inputs.scores), name=str(inputs.scores))
    index = read_index(inputs.index, inputs.index_window)
    held_out = join.parse_scores(_read_text(inputs.train_scores), name=str(inputs.train_scores))
    training = threshold.normal_scores(held_out)
    combination = None
    if inputs.contrast_scores is not None and inputs.history is None:
        raise InputError("contrast scores weigh the history against the model: give --history as well")
    if inputs.history is None:
        chosen = (
            threshold.fixed(inputs.threshold_value)
            if inputs.threshold_value is not None
            else threshold.calibrate(training, inputs.false_positive_rate)
        )
        findings = join.join(index, scores, chosen.value, scores_name=str(inputs.scores))
    else:
        history = history_index.read(str(inputs.history))
        contrast = None
        if inputs.contrast_scores is not None:
            contrast = join.parse_scores(_read_text(inputs.contrast_scores), name=str(inputs.contrast_scores))
        combiner, held_out_unusualness = explain.combiner_for(history, held_out, contrast)
        combination = combiner.weighing.describe()
        chosen = (
            explain.fixed(inputs.threshold_value)
            if inputs.threshold_value is not None
            else explain.calibrate(held_out_unusualness, inputs.false_positive_rate)
        )
        findings = explain.explain(
            join.join(index, scores, threshold=-math.inf, scores_name=str(inputs.scores)),
            history,
            combiner,
            chosen.value,
        )
    measured = None
    if inputs.truth is not None:
        truth = quality.parse_truth(_read_text(inputs.truth), name=str(inputs.truth))
        measured = quality.evaluate(findings, truth, chosen.value)
    judged = [f.score for f in findings if f.score is not None and f.seen_principal]
    return Report(
        run=run,
        findings=findings,
        threshold=chosen,
        quality=measured,
        training_scores=training,
        guardduty_scores=np.array(judged, dtype=np.float64),
        combination=combination,
    )
