"""The workshop notebook's picture: scores of normal (training) pairs against scores of the
GuardDuty pairs, now with the threshold drawn in, so the reader sees what the cut-off separates."""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

BINS = 50


def score_histogram(training: np.ndarray, guardduty: np.ndarray, threshold: float) -> bytes:
    """PNG bytes. Densities, not counts: there are orders of magnitude more training pairs than
    findings, and counts would flatten the GuardDuty histogram to the axis."""
    figure = Figure(figsize=(8, 4.5), dpi=100)  # no pyplot: no global state, Agg canvas
    axes = figure.subplots()
    present = [values for values in (training, guardduty) if values.size]
    edges = np.histogram_bin_edges(np.concatenate([*present, [threshold]]), bins=BINS)
    if training.size:
        axes.hist(
            training,
            bins=edges.tolist(),
            density=True,
            alpha=0.55,
            label=f"held-out training pairs ({training.size:,})",
        )
    if guardduty.size:
        axes.hist(
            guardduty, bins=edges.tolist(), density=True, alpha=0.55, label=f"GuardDuty pairs ({guardduty.size:,})"
        )
    axes.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3f}")
    axes.set_xlabel("IP Insights score (dot product; lower = more unusual for the principal)")
    axes.set_ylabel("density")
    axes.set_title("Training vs GuardDuty scores")
    axes.legend()
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
