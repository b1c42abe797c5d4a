"""The threshold rule, one copy for the driver's report (secml.report.threshold) and the promoter
Lambda: the lowest score that leaves at most the chosen false-positive rate of known-normal pairs
strictly below it. Pure Python (the Lambda package has no numpy); the driver passes its numpy
scores as floats and gets the same value, since both take an element of the same sorted list.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Calibration:
    """A calibrated threshold: `value`, how many of the `pairs` normal scores lie below it."""

    value: float
    below: int
    pairs: int
    false_positive_rate: float

    def how(self) -> str:
        return (
            f"calibrated so {self.below:,} of {self.pairs:,} held-out training pairs "
            f"({self.below / self.pairs:.2%}) score below it, for a chosen false-positive rate "
            f"of {self.false_positive_rate:.2%}"
        )


def calibrate(normal: Iterable[float], false_positive_rate: float) -> Calibration:
    """The score at index floor(rate x n) of the sorted normal scores (a finding is unusual when
    its score is strictly below it); ValueError for a rate outside (0, 1) or no scores."""
    if not 0.0 < false_positive_rate < 1.0:
        raise ValueError(f"false-positive rate must be between 0 and 1, got {false_positive_rate}")
    ordered = sorted(float(score) for score in normal)
    if not ordered:
        raise ValueError("no scored training pairs of seen principals to calibrate a threshold on")
    value = ordered[math.floor(false_positive_rate * len(ordered))]
    return Calibration(value, bisect.bisect_left(ordered, value), len(ordered), false_positive_rate)
