"""A held-out share of the training pairs: the model never trains on them, so their scores show
how new-but-normal activity scores. They calibrate the threshold (scores of pairs the model was
fitted on are optimistic) and serve as SageMaker's validation channel.

The share is of distinct (principal, ip) pairs, and every occurrence of a held-out pair goes to
validation. CloudTrail repeats a pair once per API call, so holding out random lines left nearly
every held-out pair in the fitting set too: the validation AUC and the calibrated threshold then
described pairs the model had already learnt. Splitting by time (the last lines, which are in log
order) was the alternative, but principals keep reusing their IPs, so late pairs are mostly early
pairs again. A held-out pair is new to the model, which is the question a finding's IP asks.

A pair's side is a keyed hash of the pair, not a shuffle: one pass over a stream in constant
memory, and the same side for every occurrence and for every run with the same seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import compress
from typing import IO

from secml.core.errors import InputError
from secml.ipinsights.tuples_io import Tuples, write_tuples

DEFAULT_HELD_OUT_SHARE = 0.1
_HASH_RANGE = 2**64


@dataclass(frozen=True)
class SplitCounts:
    """Lines written to each side, and input lines skipped for not being `principal,ip`."""

    fit_pairs: int
    held_out_pairs: int
    skipped_lines: int


def is_held_out(principal: str, ip: str, share: float, seed: int) -> bool:
    """Whether the pair belongs to the held-out `share` of distinct pairs for `seed`."""
    digest = hashlib.blake2b(f"{principal}\n{ip}".encode(), digest_size=8, key=str(seed).encode()).digest()
    return int.from_bytes(digest, "big") < share * _HASH_RANGE


def split_pairs(
    chunks: Iterable[Tuples],
    fit: IO[str],
    held_out: IO[str],
    share: float = DEFAULT_HELD_OUT_SHARE,
    seed: int = 0,
) -> SplitCounts:
    """Write each pair of the tuple chunks to `fit` or `held_out` (`principal,ip` lines, input
    order kept); both sides must end up non-empty."""
    if not 0.0 < share < 1.0:
        raise InputError(f"held-out share must be between 0 and 1, got {share}")
    fit_count = held_count = skipped = 0
    for chunk in chunks:
        skipped += chunk.skipped
        held = [is_held_out(p, ip, share, seed) for p, ip in zip(chunk.principals, chunk.ips, strict=True)]
        kept = [not h for h in held]
        write_tuples(held_out, compress(chunk.principals, held), compress(chunk.ips, held))
        write_tuples(fit, compress(chunk.principals, kept), compress(chunk.ips, kept))
        held_count += sum(held)
        fit_count += sum(kept)
    if not fit_count or not held_count:
        raise InputError(
            f"{fit_count + held_count} training pair(s), {held_count} held out: too few distinct pairs "
            "to split into fitting and validation pairs; is the CloudTrail input nearly empty?"
        )
    return SplitCounts(fit_pairs=fit_count, held_out_pairs=held_count, skipped_lines=skipped)
