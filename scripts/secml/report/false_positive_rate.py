"""The false-positive rate a calibrated threshold allows by default, kept apart from the
calibration so that `secml --help` shows it without loading numpy."""

from __future__ import annotations

# "1% of normal activity would be flagged": the workshop's trade-off, overridable per run.
DEFAULT_FALSE_POSITIVE_RATE = 0.01
