"""Network structures for the tutorial corpus: how provider ranges lie in address space and how
users move between them, so the engine and the history are measured on more than one shape.

`tutorial` is SageMaker's own (the default, unchanged): ranges of /16 to /24 aligned to their size,
home and work within 50,000 table entries, a Gaussian step of 10 entries, travel ~ Beta(1, 30).
The others change one or two things at a time:
- `unaligned`: ranges of /12 to /28 that start anywhere (not on their size, not on octets), packed
  with small gaps, so neighbouring ranges are close in address space; travel ~ Beta(1, 40) (~2.4 %).
- `clustered`: small aligned ranges (/20 to /28) packed back to back, home and work within 500
  entries and a 3-entry step: users of a region crowd one stretch of address space.
- `shared-egress`: the tutorial's table, but 30 % of users reach the service through one of 20
  shared NAT or cloud egress addresses (half their logins), each shared by many users.
- `high-travel`: the tutorial's table with travel ~ Beta(1, 8) (~11 % of logins anywhere).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from secml.data.networks import PROVIDERS, NetworkTable, build_table
from secml.data.size import NETWORK_STRUCTURES

TUTORIAL = "tutorial"


@dataclass(frozen=True)
class Structure:
    name: str
    prefix_lengths: tuple[int, ...]  # empty: networks.build_table's (/16 to /24, aligned)
    prefix_weights: tuple[float, ...]
    aligned: bool  # a range starts on a multiple of its own size
    mean_gap: float  # unallocated addresses between ranges, as a share of the next range's size
    home_work_window: int  # table entries between home and work, at most
    locality_sigma: float  # Gaussian step around home or work, in table entries
    travel_beta: tuple[float, float]  # per-user probability of a login from anywhere
    egress_users: float = 0.0  # share of users behind a shared egress address
    egress_share: float = 0.0  # share of those users' logins through it
    egress_addresses: int = 0


STRUCTURES: dict[str, Structure] = {
    TUTORIAL: Structure(TUTORIAL, (), (), True, 0.0, 50_000, 10.0, (1.0, 30.0)),
    "unaligned": Structure(
        "unaligned",
        (12, 14, 16, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28),
        (0.0002, 0.001, 0.004, 0.01, 0.02, 0.04, 0.06, 0.12, 0.12, 0.3, 0.1, 0.1, 0.06, 0.06),
        False,
        0.25,
        50_000,
        10.0,
        (1.0, 40.0),
    ),
    "clustered": Structure(
        "clustered",
        (20, 21, 22, 23, 24, 25, 26, 27, 28),
        (0.02, 0.04, 0.1, 0.14, 0.4, 0.1, 0.1, 0.05, 0.05),
        True,
        0.0,
        500,
        3.0,
        (1.0, 30.0),
    ),
    "shared-egress": Structure(
        "shared-egress",
        (),
        (),
        True,
        0.0,
        50_000,
        10.0,
        (1.0, 30.0),
        egress_users=0.3,
        egress_share=0.5,
        egress_addresses=20,
    ),
    "high-travel": Structure("high-travel", (), (), True, 0.0, 50_000, 10.0, (1.0, 8.0)),
}

assert tuple(STRUCTURES) == NETWORK_STRUCTURES, "size.NETWORK_STRUCTURES lists the structures for --help"

# Public unicast space the packed tables are laid out in: 1.0.0.0 up to 100.63.255.255, then
# 101.0.0.0 up to 223.255.255.255 skipping the /8s and /16s networks.py keeps out.
_FIRST = 1 << 24
_LAST = (224 << 24) - 1


def table_for(structure: Structure, n_ranges: int, seed: int) -> NetworkTable:
    """The structure's network table (the tutorial's is networks.build_table, unchanged)."""
    if not structure.prefix_lengths:
        return build_table(n_ranges, seed)
    return _packed_table(structure, n_ranges, seed)


@lru_cache(maxsize=4)
def _packed_table(structure: Structure, n_ranges: int, seed: int) -> NetworkTable:
    """Ranges laid out one after another from a random start, with gaps; ranges touching special
    space (private, CGNAT, loopback, documentation...) are dropped, the first `n_ranges` kept."""
    rng = np.random.default_rng([seed, n_ranges, 0x57C])
    weights = np.array(structure.prefix_weights) / np.sum(structure.prefix_weights)
    candidates = int(n_ranges * 1.3) + 64
    sizes = (1 << (32 - rng.choice(np.array(structure.prefix_lengths), size=candidates, p=weights))).astype(np.int64)
    gaps = rng.geometric(1.0 / (1.0 + structure.mean_gap * sizes)) - 1 if structure.mean_gap else np.zeros_like(sizes)
    first = _FIRST + int(rng.integers(0, 1 << 20))
    if structure.aligned:
        begin = np.empty(candidates, dtype=np.int64)
        cursor = first
        for i in range(candidates):  # sequential: each start is rounded up after the previous end
            start = -(-(cursor + int(gaps[i])) // int(sizes[i])) * int(sizes[i])
            begin[i] = start
            cursor = start + int(sizes[i])
    else:
        begin = first + np.cumsum(gaps + sizes) - sizes
    end = begin + sizes - 1
    usable = (end <= _LAST) & ~_touches_special(begin, end)
    begin, end = begin[usable][:n_ranges], end[usable][:n_ranges]
    if begin.size < n_ranges:
        raise ValueError(f"cannot lay out {n_ranges:,} {structure.name} ranges in public IPv4 space")
    provider = rng.integers(0, len(PROVIDERS), size=n_ranges)
    return NetworkTable(begin=begin.astype(np.uint32), end=end.astype(np.uint32), provider=provider.astype(np.uint8))


def _touches_special(begin: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whether a range overlaps 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/16,
    192.168/16, 198.18/15, 198.51/16 or 203.0/16 (the blocks networks.py keeps out)."""
    special = [
        (10 << 24, (11 << 24) - 1),
        ((100 << 24) | (64 << 16), (100 << 24) | (128 << 16) - 1),
        (127 << 24, (128 << 24) - 1),
        ((169 << 24) | (254 << 16), (169 << 24) | (255 << 16) - 1),
        ((172 << 24) | (16 << 16), (172 << 24) | (32 << 16) - 1),
        (192 << 24, (192 << 24) | (1 << 16) - 1),
        ((192 << 24) | (168 << 16), (192 << 24) | (169 << 16) - 1),
        ((198 << 24) | (18 << 16), (198 << 24) | (20 << 16) - 1),
        ((198 << 24) | (51 << 16), (198 << 24) | (52 << 16) - 1),
        (203 << 24, (203 << 24) | (1 << 16) - 1),
    ]
    touches = np.zeros(begin.size, dtype=bool)
    for low, high in special:
        touches |= (begin <= high) & (end >= low)
    return touches
