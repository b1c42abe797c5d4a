"""Contrast pairs: the held-out normal pairs' principals at addresses they did not use, made from
the training data itself, without labels.

They are IP Insights' own training objective turned into a yardstick: the model learns to score an
observed (principal, IP) pair above the same principal at a random address (SageMaker's
`random_negative_sampling_rate`) or at another pair's address (`shuffled_negative_sampling_rate`).
Half of the contrast pairs take an address the account used (uniform over its distinct addresses,
so another principal's usual network), half a uniformly random IPv4 address. How well each part of
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
    from_account = rng.permutation(count) % 2 == 0
    addresses = np.zeros(count, dtype=np.uint32)
    pending = np.ones(count, dtype=bool)
    for attempt in range(_REDRAWS + 1):
        wanted = int(pending.sum())
        if wanted == 0:
            break
        uniform = rng.integers(0, 2**32, size=wanted, dtype=np.uint32)
        if history.account_ips.size and attempt < _REDRAWS:
            used = history.account_ips[rng.integers(0, history.account_ips.size, size=wanted)]
            addresses[pending] = np.where(from_account[pending], used, uniform)
        else:
            addresses[pending] = uniform
        pending &= history.count_in_prefix(ids, addresses, 32) > 0
    return ContrastPairs(principals=list(principals), ips=format_ipv4(addresses))
