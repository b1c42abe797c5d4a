"""A held-out share of the training pairs: the model never trains on them, so their scores show
how new-but-normal activity scores. They calibrate the threshold (scores of pairs the model was
fitted on are optimistic) and serve as SageMaker's validation channel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from secml.errors import CommandError

DEFAULT_HELD_OUT_SHARE = 0.1


@dataclass(frozen=True)
class Split:
    fit: bytes
    held_out: bytes
    fit_pairs: int
    held_out_pairs: int


def split_pairs(tuples_csv: bytes, share: float = DEFAULT_HELD_OUT_SHARE, seed: int = 0) -> Split:
    """Lines of a `principal,ip` CSV, shuffled deterministically for `seed`, split into a fitting
    part and a held-out part of about `share` (at least one line each)."""
    if not 0.0 < share < 1.0:
        raise CommandError(f"held-out share must be between 0 and 1, got {share}")
    lines = [line for line in tuples_csv.splitlines() if line.strip()]
    if len(lines) < 2:
        raise CommandError(f"{len(lines)} training pair(s): too few to hold any out; is the CloudTrail input empty?")
    order = np.random.default_rng(seed).permutation(len(lines))
    held_count = min(max(1, round(share * len(lines))), len(lines) - 1)
    held = sorted(order[:held_count].tolist())
    fit = sorted(order[held_count:].tolist())
    return Split(
        fit=b"".join(lines[i] + b"\n" for i in fit),
        held_out=b"".join(lines[i] + b"\n" for i in held),
        fit_pairs=len(fit),
        held_out_pairs=len(held),
    )
