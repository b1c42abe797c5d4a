"""Contrast pairs: the held-out normal pairs' principals at addresses they did not use, made from
the training data itself, without labels.

They are IP Insights' own training objective turned into a yardstick: the model learns to score an
observed (principal, IP) pair above the same principal at a random address (SageMaker's
`random_negative_sampling_rate`) or at another pair's address (`shuffled_negative_sampling_rate`).
A third of the contrast pairs take an address the account used (uniform over its distinct
addresses, so another principal's usual network), a third one near the principal's own (in the
block next to one of its addresses, a /24 to /16 or larger, that it never used), a third a uniformly
random IPv4 address. Without the near third, attacks from next to a principal's own ranges were
missing from the yardstick: on a 500-principal account where 30 % of the attacks came from there,
the history looked best on the contrast pairs (weight 0) and the combination lost 0.023 AUC to IP
Insights alone; with it, the combination gained 0.008 over IP Insights
(benchmarks/bench_detection.py). The near pair must leave the principal's own network: redrawing
the last 8 to 16 bits of one of its addresses mostly landed inside it, a pair both parts rightly
call normal (either part told those from held-out pairs with AUC 0.37-0.65), so the yardstick saw
little of what IP Insights does better and gave it too little weight (small-100, shared-egress,
seed 1: weight 0.55, 0.0073 AUC below IP Insights alone; from the block next door 0.65 and 0.0037
below, and no run of the small-account matrix more than 0.005 below its better part). How well
each part of `unusualness` separates the held-out pairs from these tells how much to trust it
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
# "Near the principal's own": the block of 2^8 to 2^16 addresses (a /24 to /16) next to one of its
# addresses, or a larger one when it used that one too, up to the /8 next door.
NEAR_BITS = (8, 16)
NEAR_LIMIT = 24


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
    """An address in the block next to one of each principal's own addresses (uniform over its
    distinct ones) that it never used: for the first k, from a drawn NEAR_BITS[0]..NEAR_BITS[1] up,
    whose sibling /(32-k) (the other half of the address's /(31-k)) holds none of its events, that
    sibling with the last k bits drawn anew; at NEAR_LIMIT the sibling is taken as it is."""
    low = np.maximum(ids, 0).astype(np.uint64) << np.uint64(32)
    start = np.searchsorted(history.keys, low)
    stop = np.searchsorted(history.keys, low + np.uint64(1 << 32))
    pick = start + (rng.random(ids.size) * np.maximum(stop - start, 1)).astype(np.int64)
    own = (history.keys[np.minimum(pick, history.keys.size - 1)] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    smallest = rng.integers(NEAR_BITS[0], NEAR_BITS[1] + 1, size=ids.size)
    fresh = rng.integers(0, 2**32, size=ids.size, dtype=np.uint32)
    near = np.zeros(ids.size, dtype=np.uint32)
    pending = np.ones(ids.size, dtype=bool)
    for bits in range(NEAR_BITS[0], NEAR_LIMIT + 1):
        rows = np.flatnonzero(pending & (smallest <= bits))
        mask = np.uint32((1 << bits) - 1)
        sibling = ((own[rows] ^ np.uint32(1 << bits)) & ~mask) | (fresh[rows] & mask)
        if bits < NEAR_LIMIT:
            unused = history.count_in_prefix(ids[rows], sibling, 32 - bits) == 0
            rows, sibling = rows[unused], sibling[unused]
        near[rows] = sibling
        pending[rows] = False
    return near
