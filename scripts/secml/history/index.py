"""The history index: every (principal, IPv4) pair of the training tuples with its count, as one
sorted uint64 array `principal_id << 32 | address` and a running count beside it.

Any prefix question is then two binary searches: the pairs of a principal inside a prefix are one
contiguous slice of the sorted keys. The longest prefix a principal shares with an address is found
with its two neighbours in that order (the key just below and just above), because the address
sharing the most leading bits with a value is always adjacent to it in sorted order. Two million
tuples index in about a second and a query costs O(log n), vectorised over all queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.tuples_io import Tuples, iter_tuples

ADDRESS_BITS = 32
_LOW_32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


@dataclass(frozen=True)
class HistoryIndex:
    """`principals` sorted; `keys` sorted unique `id << 32 | ip`; `running[i]` = occurrences of
    keys[:i]; the account's distinct addresses in `account_ips`."""

    principals: np.ndarray  # str, sorted, unique
    keys: np.ndarray  # uint64
    running: np.ndarray  # int64, keys.size + 1
    account_ips: np.ndarray  # uint32, sorted, unique
    tuples: int
    skipped: int  # lines or addresses that are not principal,IPv4

    def principal_ids(self, principals: Sequence[str]) -> np.ndarray:
        """The id of each principal, -1 for a principal the history never saw."""
        wanted = np.asarray(principals, dtype=str)
        if self.principals.size == 0:
            return np.full(wanted.size, -1, dtype=np.int64)
        position = np.searchsorted(self.principals, wanted)
        clipped = np.minimum(position, self.principals.size - 1)
        found = self.principals[clipped] == wanted
        return np.where(found, clipped, -1).astype(np.int64)

    def count_in_prefix(self, ids: np.ndarray, ips: np.ndarray, bits: int | np.ndarray) -> np.ndarray:
        """Occurrences of each principal inside the `bits`-long prefix of its address (0 for an
        unseen principal). `bits` may be one length or one per query."""
        ids = np.asarray(ids, dtype=np.int64)
        span = np.left_shift(np.uint64(1), (ADDRESS_BITS - np.asarray(bits, dtype=np.int64)).astype(np.uint64))
        network = np.asarray(ips, dtype=np.uint64) & ~(span - np.uint64(1)) & _LOW_32
        low = (np.maximum(ids, 0).astype(np.uint64) << _SHIFT) | network
        counts = self.running[np.searchsorted(self.keys, low + span)] - self.running[np.searchsorted(self.keys, low)]
        return np.where(ids >= 0, counts, 0)

    def longest_prefix(self, ids: np.ndarray, ips: np.ndarray) -> np.ndarray:
        """Leading bits (0-32) each address shares with the closest address its principal used;
        -1 for an unseen principal."""
        ids = np.asarray(ids, dtype=np.int64)
        ips64 = np.asarray(ips, dtype=np.uint64)
        query = (np.maximum(ids, 0).astype(np.uint64) << _SHIFT) | ips64
        best = np.full(ids.size, -1, dtype=np.int64)
        if self.keys.size == 0:
            return best
        position = np.searchsorted(self.keys, query)
        for neighbour in (position - 1, position):
            inside = (neighbour >= 0) & (neighbour < self.keys.size)
            key = self.keys[np.clip(neighbour, 0, self.keys.size - 1)]
            same = inside & ((key >> _SHIFT).astype(np.int64) == ids) & (ids >= 0)
            shared = ADDRESS_BITS - _bit_length((key & _LOW_32) ^ ips64)
            best = np.where(same, np.maximum(best, shared), best)
        return best

    def principal_totals(self, ids: np.ndarray) -> np.ndarray:
        """All occurrences of each principal (0 when unseen)."""
        return self.count_in_prefix(ids, np.zeros(np.asarray(ids).size, dtype=np.uint32), 0)

    def new_to_account(self, ips: np.ndarray) -> np.ndarray:
        ips = np.asarray(ips, dtype=np.uint32)
        if self.account_ips.size == 0:
            return np.ones(ips.size, dtype=bool)
        position = np.minimum(np.searchsorted(self.account_ips, ips), self.account_ips.size - 1)
        return self.account_ips[position] != ips

    def addresses_of(self, principal_id: int) -> tuple[np.ndarray, np.ndarray]:
        """The principal's distinct addresses (sorted) and how often it used each."""
        low = np.uint64(principal_id) << _SHIFT
        start, stop = np.searchsorted(self.keys, [low, low + (_LOW_32 + np.uint64(1))])
        ips = (self.keys[start:stop] & _LOW_32).astype(np.uint32)
        return ips, np.diff(self.running[start : stop + 1])


def _bit_length(values: np.ndarray) -> np.ndarray:
    """Bits needed for each uint32 value (0 for 0); float64 represents every uint32 exactly."""
    values = np.asarray(values, dtype=np.uint64)
    safe = np.maximum(values, np.uint64(1)).astype(np.float64)
    return np.where(values == 0, 0, np.floor(np.log2(safe)).astype(np.int64) + 1)


def build(principals: Sequence[str], ips: Sequence[str], skipped: int = 0) -> HistoryIndex:
    """The index of tuple columns; addresses that are not IPv4 (the one IP rule) are counted in
    `skipped`, as IP Insights cannot score them either."""
    parsed = parse_ipv4(ips)
    names = np.asarray(principals, dtype=str)[parsed.valid]
    addresses = parsed.values[parsed.valid]
    unique_names, ids = np.unique(names, return_inverse=True)
    keys = (ids.astype(np.uint64) << _SHIFT) | addresses.astype(np.uint64)
    distinct, counts = np.unique(keys, return_counts=True)
    return HistoryIndex(
        principals=unique_names,
        keys=distinct,
        running=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        account_ips=np.unique(addresses),
        tuples=int(addresses.size),
        skipped=skipped + int((~parsed.valid).sum()),
    )


def from_chunks(chunks: Iterable[Tuples]) -> HistoryIndex:
    principals: list[str] = []
    ips: list[str] = []
    skipped = 0
    for chunk in chunks:
        principals.extend(chunk.principals)
        ips.extend(chunk.ips)
        skipped += chunk.skipped
    return build(principals, ips, skipped)


def read(location: str) -> HistoryIndex:
    """The index of a training tuples file (`principal,ip` CSV, local path or s3://)."""
    return from_chunks(iter_tuples(location))
