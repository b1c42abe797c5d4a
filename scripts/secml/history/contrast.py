"""Contrast pairs: the held-out normal pairs' principals at addresses they did not use, made from
the training data itself, without labels.

They are IP Insights' own training objective turned into a yardstick: the model learns to score an
observed (principal, IP) pair above the same principal at a random address (SageMaker's
`random_negative_sampling_rate`) or at another pair's address (`shuffled_negative_sampling_rate`).
A third of the contrast pairs take an address the account used (uniform over its distinct
addresses, so another principal's usual network), a third one near the principal's own (one of its
addresses with the last 8 to 16 bits drawn anew), a third a uniformly random IPv4 address. Without
the near third, attacks from next to a principal's own ranges were missing from the yardstick: on
a 500-principal account where 30 % of the attacks came from there, the history looked best on the
contrast pairs (weight 0) and the combination lost 0.023 AUC to IP Insights alone; with it, the
combination gained 0.008 over IP Insights (benchmarks/bench_detection.py). How well each part of
`unusualness` separates the held-out pairs from these tells how much to trust it
(secml.history.combine). An address the principal itself used in the history is drawn again, and
after a few tries replaced by a random one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from secml.history.index import HistoryIndex
from secml.ipinsights.addresses import format_ipv4

# Draws from the account's addresses before a principal that used most of them (a tiny account)
# gets a uniformly random address instead.
_REDRAWS = 8
# "Near the principal's own": one of its addresses with this many low bits drawn anew (/16 to /24).
NEAR_BITS = (8, 16)


@dataclass(frozen=True)
class ContrastPairs:
    principals: list[str]
    ips: list[str]


def draw(history: HistoryIndex, principals: Sequence[str], seed: int) -> ContrastPairs:
    """One contrast pair per principal in `principals` (the held-out pairs' principals, so a
    principal weighs as much as it does among them); the same seed gives the same pairs."""
    rng = np.random.default_rng([seed, 0xC0A7])
    count = len(principals)
    ids = history.principal_ids(list(principals))
    kind = rng.permutation(count) % 3  # 0: the account's, 1: near the principal's own, 2: random
    addresses = np.zeros(count, dtype=np.uint32)
    pending = np.ones(count, dtype=bool)
    for attempt in range(_REDRAWS + 1):
        wanted = int(pending.sum())
        if wanted == 0:
            break
        uniform = rng.integers(0, 2**32, size=wanted, dtype=np.uint32)
        if history.account_ips.size and attempt < _REDRAWS:
            used = history.account_ips[rng.integers(0, history.account_ips.size, size=wanted)]
            near = _near_own(history, ids[pending], rng)
            addresses[pending] = np.select([kind[pending] == 0, kind[pending] == 1], [used, near], uniform)
        else:
            addresses[pending] = uniform
        pending &= history.count_in_prefix(ids, addresses, 32) > 0
    return ContrastPairs(principals=list(principals), ips=format_ipv4(addresses))


def _near_own(history: HistoryIndex, ids: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One of each principal's own addresses (uniform over its distinct ones) with its last
    NEAR_BITS[0]..NEAR_BITS[1] bits drawn anew: the same /16 to /24, a network it did not use."""
    low = np.maximum(ids, 0).astype(np.uint64) << np.uint64(32)
    start = np.searchsorted(history.keys, low)
    stop = np.searchsorted(history.keys, low + np.uint64(1 << 32))
    pick = start + (rng.random(ids.size) * np.maximum(stop - start, 1)).astype(np.int64)
    own = (history.keys[np.minimum(pick, history.keys.size - 1)] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    bits = rng.integers(NEAR_BITS[0], NEAR_BITS[1] + 1, size=ids.size).astype(np.uint32)
    mask = ((np.uint64(1) << bits.astype(np.uint64)) - np.uint64(1)).astype(np.uint32)
    return (own & ~mask) | (rng.integers(0, 2**32, size=ids.size, dtype=np.uint32) & mask)
