"""The history index: every (principal, IPv4) pair of the training tuples with its count, as one
sorted uint64 array `principal_id << 32 | address` and a running count beside it.

Any prefix question is then two binary searches: the pairs of a principal inside a prefix are one
contiguous slice of the sorted keys. The longest prefix a principal shares with an address is found
with its two neighbours in that order (the key just below and just above), because the address
sharing the most leading bits with a value is always adjacent to it in sorted order. Two million
tuples index in about a second and a query costs O(log n), vectorised over all queries.

Read from a folder or S3 prefix of training parts (`train/parts/<yyyy>/<mm>/<dd>/<part>.csv`), each
key also keeps the last day its pair was used, so the evidence can say when a principal last used
a network (the largest day over the network's slice of keys, secml.history.range_max). A single
tuples file has no dates, and no day is ever made up: a pair used in any undated file of a folder
has an unknown last day, and so has every network holding it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from secml.history.range_max import RangeMax
from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.tuples_io import Tuples, iter_part_tuples

ADDRESS_BITS = 32
# A principal's event counts as roaming when its address is alone among its own in this network.
ROAMING_PREFIX = 16
_LOW_32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
# Days since 1970-01-01; an undated use is the largest day, so any slice holding one is unknown.
_EPOCH = datetime.date(1970, 1, 1)
UNKNOWN_DAY = np.iinfo(np.int32).max


@dataclass(frozen=True)
class HistoryIndex:
    """`principals` sorted; `keys` sorted unique `id << 32 | ip`; `running[i]` = occurrences of
    keys[:i]; the account's distinct addresses in `account_ips`; `last_days[i]` the last day
    keys[i] was used (None when no tuple had a date)."""

    principals: np.ndarray  # str, sorted, unique
    keys: np.ndarray  # uint64
    running: np.ndarray  # int64, keys.size + 1
    account_ips: np.ndarray  # uint32, sorted, unique
    tuples: int
    skipped: int  # lines or addresses that are not principal,IPv4
    last_days: np.ndarray | None = None  # int32 days since 1970-01-01, UNKNOWN_DAY when undated

    def principal_ids(self, principals: Sequence[str]) -> np.ndarray:
        """The id of each principal, -1 for a principal the history never saw."""
        wanted = np.asarray(principals, dtype=str)
        if self.principals.size == 0:
            return np.full(wanted.size, -1, dtype=np.int64)
        position = np.searchsorted(self.principals, wanted)
        clipped = np.minimum(position, self.principals.size - 1)
        found = self.principals[clipped] == wanted
        return np.where(found, clipped, -1).astype(np.int64)

    def _prefix_slices(self, ids: np.ndarray, ips: np.ndarray, bits: int | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each principal's keys inside the `bits`-long prefix of its address start and stop."""
        ids = np.asarray(ids, dtype=np.int64)
        span = np.left_shift(np.uint64(1), (ADDRESS_BITS - np.asarray(bits, dtype=np.int64)).astype(np.uint64))
        network = np.asarray(ips, dtype=np.uint64) & ~(span - np.uint64(1)) & _LOW_32
        low = (np.maximum(ids, 0).astype(np.uint64) << _SHIFT) | network
        return np.searchsorted(self.keys, low), np.searchsorted(self.keys, low + span)

    def count_in_prefix(self, ids: np.ndarray, ips: np.ndarray, bits: int | np.ndarray) -> np.ndarray:
        """Occurrences of each principal inside the `bits`-long prefix of its address (0 for an
        unseen principal). `bits` may be one length or one per query."""
        start, stop = self._prefix_slices(ids, ips, bits)
        return np.where(np.asarray(ids) >= 0, self.running[stop] - self.running[start], 0)

    def last_used(self, ids: np.ndarray, ips: np.ndarray, bits: np.ndarray) -> np.ndarray:
        """The last day (datetime64[D]) each principal used the `bits`-long prefix of its address;
        NaT where the history has no dates, the principal never used it (or is unseen, or `bits`
        is negative), or one of those uses is undated."""
        ids = np.asarray(ids, dtype=np.int64)
        bits = np.asarray(bits, dtype=np.int64)
        days = np.full(ids.size, UNKNOWN_DAY, dtype=np.int64)
        if self.last_days is not None:
            start, stop = self._prefix_slices(ids, ips, np.maximum(bits, 0))
            used = (ids >= 0) & (bits >= 0) & (stop > start)
            days[used] = self._day_maxima.query(start[used], stop[used])
        return np.where(days == UNKNOWN_DAY, np.datetime64("NaT"), days.astype("datetime64[D]"))

    @cached_property
    def roaming_events(self) -> np.ndarray:
        """Per principal (in `principals` order): its logins from anywhere, addresses used once
        with no other address of the principal in their /ROAMING_PREFIX. A fixed office or NAT
        address used often is not roaming, however alone it is in its network."""
        owners = (self.keys >> _SHIFT).astype(np.int64)
        roaming = self.is_roaming(owners, (self.keys & _LOW_32).astype(np.uint32))
        return np.bincount(owners, weights=roaming, minlength=self.principals.size).astype(np.int64)

    def is_roaming(self, ids: np.ndarray, ips: np.ndarray) -> np.ndarray:
        """Whether each principal used its address once, and no other address in its /ROAMING_PREFIX."""
        used = self.count_in_prefix(ids, ips, ADDRESS_BITS)
        return (used == 1) & (self.count_in_prefix(ids, ips, ROAMING_PREFIX) == 1)

    @cached_property
    def _day_maxima(self) -> RangeMax:
        return RangeMax(self.last_days if self.last_days is not None else np.zeros(0, dtype=np.int32))

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


def build(
    principals: Sequence[str], ips: Sequence[str], skipped: int = 0, days: np.ndarray | None = None
) -> HistoryIndex:
    """The index of tuple columns; addresses that are not IPv4 (the one IP rule) are counted in
    `skipped`, as IP Insights cannot score them either. `days` (int32 days since 1970-01-01 or
    UNKNOWN_DAY, one per tuple) gives each key its last day."""
    parsed = parse_ipv4(ips)
    names = np.asarray(principals, dtype=str)[parsed.valid]
    addresses = parsed.values[parsed.valid]
    unique_names, ids = np.unique(names, return_inverse=True)
    keys = (ids.astype(np.uint64) << _SHIFT) | addresses.astype(np.uint64)
    last_days = None
    if days is None:
        distinct, counts = np.unique(keys, return_counts=True)
    else:
        distinct, counts, last_days = _last_days(keys, np.asarray(days, dtype=np.int32)[parsed.valid])
    return HistoryIndex(
        principals=unique_names,
        keys=distinct,
        running=np.concatenate(([0], np.cumsum(counts))).astype(np.int64),
        account_ips=np.unique(addresses),
        tuples=int(addresses.size),
        skipped=skipped + int((~parsed.valid).sum()),
        last_days=last_days,
    )


def _last_days(keys: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct keys, their counts and their largest day (np.unique does not carry a column)."""
    if keys.size == 0:
        return keys, np.zeros(0, dtype=np.int64), days
    order = np.argsort(keys)
    ordered = keys[order]
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    return ordered[first], np.diff(np.append(first, keys.size)), np.maximum.reduceat(days[order], first)


def _day_number(day: str | None) -> int:
    """Days since 1970-01-01 of a part's `YYYY-MM-DD`; UNKNOWN_DAY for none, or for a folder that
    is no calendar day (2026/02/30): an unknown day is never guessed."""
    if day is None:
        return int(UNKNOWN_DAY)
    try:
        return (datetime.date.fromisoformat(day) - _EPOCH).days
    except ValueError:
        return int(UNKNOWN_DAY)


def from_chunks(chunks: Iterable[tuple[str | None, Tuples]]) -> HistoryIndex:
    """The index of chunks of tuples, each with its part's day (secml.ipinsights.tuples_io.
    iter_part_tuples); dated when any chunk has a day."""
    principals: list[str] = []
    ips: list[str] = []
    runs: list[tuple[int, int]] = []  # (day, rows) per chunk
    skipped = 0
    for day, chunk in chunks:
        principals.extend(chunk.principals)
        ips.extend(chunk.ips)
        runs.append((_day_number(day), len(chunk)))
        skipped += chunk.skipped
    days = None
    if any(day != UNKNOWN_DAY for day, _ in runs):
        days = np.repeat(np.array([d for d, _ in runs], dtype=np.int32), [rows for _, rows in runs])
    return build(principals, ips, skipped, days)


def read(location: str) -> HistoryIndex:
    """The index of a training tuples file (`principal,ip` CSV, local path or s3://), or of every
    part under a folder or prefix, with the parts' days."""
    return from_chunks(iter_part_tuples(location))
