"""The verdict from IP Insights and the principal's own history together (`secml report --history`).

Every finding IP gets its history evidence (longest prefix used before, counts at /8 /16 /24 /32,
the last day it used that longest prefix when the history is dated parts, the principal's event count, whether the account ever saw the address, its usual networks), a
one-line reason, and `unusualness` (secml.history.combine). The threshold is calibrated on the
unusualness of the held-out normal pairs exactly as the model-only report calibrates on their
scores; the IP Insights score stays in every row, unchanged.

The history is the training tuples: all of them, or the fitting channel without the held-out
pairs. Each held-out pair is judged without its own uses (evidence.left_out_normality), so the
threshold is set on activity new to the history either way; with all the tuples, a principal whose
main address happened to be held out still has it in its history when its findings are judged.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from secml.core.errors import InputError
from secml.history import evidence
from secml.history.combine import Combiner
from secml.history.index import HistoryIndex
from secml.report.join import UNSEEN_PRINCIPAL, UNUSUAL, USUAL, Score, ScoredFinding
from secml.report.threshold import Threshold


def _judged(scores: Sequence[Score]) -> list[Score]:
    return [s for s in scores if s.seen_principal and s.dot_product is not None]


def combiner_for(
    history: HistoryIndex, held_out: Sequence[Score], contrast: Sequence[Score] | None = None
) -> tuple[Combiner, np.ndarray]:
    """The combiner of the held-out normal pairs, weighted on the scored contrast pairs when given
    (secml.history.contrast), and the held-out pairs' unusualness (one per judged row)."""
    judged = _judged(held_out)
    if not judged:
        raise InputError("no scored held-out pairs of seen principals to calibrate unusualness on")
    normality = evidence.left_out_normality(history, [s.principal for s in judged], [s.ip for s in judged])
    scores = np.array([s.dot_product for s in judged], dtype=np.float64)
    contrast_scores = contrast_normalities = None
    if contrast is not None:
        scored = _judged(contrast)
        if not scored:
            raise InputError("no scored contrast pairs of seen principals to weigh the combination on")
        contrast_scores = np.array([s.dot_product for s in scored], dtype=np.float64)
        contrast_normalities = evidence.gather(history, [s.principal for s in scored], [s.ip for s in scored]).normality
    combiner = Combiner.fit(scores, normality, contrast_scores, contrast_normalities)
    return combiner, combiner.unusualness(scores, normality)


def calibrate(held_out_unusualness: np.ndarray, false_positive_rate: float) -> Threshold:
    """The unusualness above which at most `false_positive_rate` of the held-out normal rows lie
    (a finding is unusual when its unusualness is strictly above the threshold)."""
    if not 0.0 < false_positive_rate < 1.0:
        raise InputError(f"false-positive rate must be between 0 and 1, got {false_positive_rate}")
    ordered = np.sort(held_out_unusualness)[::-1]
    value = float(ordered[math.floor(false_positive_rate * ordered.size)])
    above = int(np.count_nonzero(ordered > value))
    return Threshold(
        value=value,
        how=(
            f"unusualness calibrated so {above:,} of {ordered.size:,} held-out training pairs "
            f"({above / ordered.size:.2%}) lie above it, for a chosen false-positive rate of {false_positive_rate:.2%}"
        ),
        false_positive_rate=false_positive_rate,
    )


def fixed(value: float) -> Threshold:
    if not 0.0 <= value <= 1.0:
        raise InputError(f"with --history the threshold is on unusualness, between 0 and 1; got {value}")
    return Threshold(value=value, how="unusualness threshold set by hand (--threshold), not calibrated")


def explain(
    findings: Sequence[ScoredFinding], history: HistoryIndex, combiner: Combiner, threshold: float
) -> list[ScoredFinding]:
    """The findings with evidence, reason, unusualness and the verdict on unusualness, most unusual
    first. Rows the model cannot judge keep their verdict (unseen principal, not scored)."""
    found = evidence.gather(history, [f.principal for f in findings], [f.ip for f in findings])
    scores = np.array([math.nan if f.score is None else f.score for f in findings], dtype=np.float64)
    # A principal the history lacks gives no evidence either way: its history tail is neutral.
    normality = np.where(found.valid, found.normality, np.inf)
    unusualness = combiner.unusualness(scores, normality)
    last_used = evidence.day_text(found.last_used)
    usual_cache: dict[str, list[tuple[str, int]]] = {}
    explained = []
    for row, finding in enumerate(findings):
        usual = usual_cache.setdefault(finding.principal, evidence.usual_networks(history, finding.principal))
        seen = {bits: int(found.seen[bits][row]) for bits in evidence.REPORTED_PREFIXES}
        longest, events = int(found.longest_prefix[row]), int(found.principal_events[row])
        judged = finding.verdict in (USUAL, UNUSUAL) and math.isfinite(scores[row])
        value = float(unusualness[row]) if judged else None
        verdict = finding.verdict
        if judged and value is not None:
            verdict = UNUSUAL if value > threshold else USUAL
        why = evidence.reason(finding.ip, longest, seen, events, usual, last_used[row])
        explained.append(
            dataclasses.replace(
                finding,
                verdict=verdict,
                unusualness=value,
                longest_prefix=longest,
                seen_8=seen[8],
                seen_16=seen[16],
                seen_24=seen[24],
                seen_32=seen[32],
                last_used=last_used[row],
                principal_events=events,
                new_to_account=bool(found.new_to_account[row]),
                usual_networks=evidence.usual_text(usual),
                reason=f"principal unseen by the model; {why}" if finding.verdict == UNSEEN_PRINCIPAL else why,
            )
        )
    return sorted(explained, key=lambda finding: finding.sort_key)
