"""The score below which a finding's IP counts as unusual for its principal.

IP Insights scores have no fixed scale (a dot product of learnt embeddings), so a threshold only
means something relative to scores of known-normal pairs. Calibrating on held-out training pairs
at a chosen false-positive rate makes the trade-off explicit: "1% of normal activity would be
flagged". A fixed value can override it, and the report always says which was used and why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from secml.core.errors import InputError
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE
from secml.report.join import Score
from secml_ingest import calibration


@dataclass(frozen=True)
class Threshold:
    value: float
    how: str
    false_positive_rate: float | None = None

    def describe(self) -> str:
        return f"threshold {self.value:.4f}: {self.how}"


def normal_scores(scores: Iterable[Score]) -> np.ndarray:
    """The scores that can calibrate a threshold: scored pairs of principals seen in training."""
    return np.array(
        [s.dot_product for s in scores if s.seen_principal and s.dot_product is not None],
        dtype=np.float64,
    )


def calibrate(normal: np.ndarray, false_positive_rate: float = DEFAULT_FALSE_POSITIVE_RATE) -> Threshold:
    """The lowest score that leaves at most `false_positive_rate` of the normal pairs below it
    (a finding is unusual when its score is strictly below the threshold): the rule of
    secml_ingest.calibration, which the promoter Lambda applies too."""
    try:
        chosen = calibration.calibrate(normal.tolist(), false_positive_rate)
    except ValueError as error:
        raise InputError(str(error)) from None
    return Threshold(value=chosen.value, how=chosen.how(), false_positive_rate=false_positive_rate)


def fixed(value: float) -> Threshold:
    if not math.isfinite(value):
        raise InputError(f"threshold must be a finite number, got {value}")
    return Threshold(value=value, how="set by hand (--threshold), not calibrated")
