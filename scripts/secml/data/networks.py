"""A deterministic synthetic table of provider IPv4 ranges, standing in for an IP-to-ASN file.

SageMaker's IP Insights tutorial draws addresses from a real IP-to-ASN table that is not
available offline. This module builds one of the same shape with numpy in well under a second:
non-overlapping ranges of realistic prefix lengths (/16 to /24, aligned to their size) inside
public unicast space, sorted by first address, grouped in runs that belong to one provider.
Providers carry what GuardDuty reports for a remote IP (organisation, country, city, location).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

from secml.ipinsights.addresses import format_ipv4

ProviderKind = Literal["residential", "mobile", "business", "hosting", "aws", "anonymiser"]


@dataclass(frozen=True)
class Provider:
    """An operator of IP space, as GuardDuty's remoteIpDetails describe it. Names are fictional
    except Amazon's, because GuardDuty names AWS's own address space that way."""

    name: str
    asn: int
    kind: ProviderKind
    country_code: str
    country: str
    city: str
    lat: float
    lon: float
    weight: float  # share of the table's ranges


PROVIDERS: tuple[Provider, ...] = (
    Provider("Cascadia Broadband", 64601, "residential", "US", "United States", "Seattle", 47.61, -122.33, 6),
    Provider("Puget Fiber Co", 64602, "residential", "US", "United States", "Tacoma", 47.25, -122.44, 3),
    Provider("Lakeshore Cable", 64603, "residential", "US", "United States", "Chicago", 41.88, -87.63, 6),
    Provider("Empire Net Services", 64604, "residential", "US", "United States", "New York", 40.71, -74.01, 6),
    Provider("Bay Area Telecom", 64605, "residential", "US", "United States", "San Jose", 37.34, -121.89, 5),
    Provider("Lone Star Internet", 64606, "residential", "US", "United States", "Austin", 30.27, -97.74, 4),
    Provider("Northwind Mobile", 64607, "mobile", "US", "United States", "Denver", 39.74, -104.99, 5),
    Provider("Harbor Business Networks", 64608, "business", "US", "United States", "Seattle", 47.61, -122.33, 3),
    Provider("Meridian Enterprise Fiber", 64609, "business", "US", "United States", "Boston", 42.36, -71.06, 3),
    Provider("Amazon.com, Inc.", 16509, "aws", "US", "United States", "Boardman", 45.84, -119.70, 10),
    Provider("Kestrel Cloud Hosting", 64610, "hosting", "US", "United States", "Ashburn", 39.04, -77.49, 4),
    Provider("Albion Telecom", 64611, "residential", "GB", "United Kingdom", "London", 51.51, -0.13, 4),
    Provider("Rheinland Netz", 64612, "residential", "DE", "Germany", "Frankfurt", 50.11, 8.68, 4),
    Provider("Seine Connect", 64613, "residential", "FR", "France", "Paris", 48.86, 2.35, 3),
    Provider("Nordlys Bredband", 64614, "residential", "NO", "Norway", "Oslo", 59.91, 10.75, 1),
    Provider("Iberia Datos", 64615, "residential", "ES", "Spain", "Madrid", 40.42, -3.70, 2),
    Provider("Sakura Hikari", 64616, "residential", "JP", "Japan", "Tokyo", 35.68, 139.69, 4),
    Provider("Han River Telecom", 64617, "residential", "KR", "South Korea", "Seoul", 37.57, 126.98, 3),
    Provider("Southern Cross Broadband", 64618, "residential", "AU", "Australia", "Sydney", -33.87, 151.21, 2),
    Provider("Paulista Net", 64619, "residential", "BR", "Brazil", "Sao Paulo", -23.55, -46.63, 4),
    Provider("Ganges Digital", 64620, "residential", "IN", "India", "Mumbai", 19.08, 72.88, 6),
    Provider("Volga Telecom", 64621, "residential", "RU", "Russia", "Moscow", 55.76, 37.62, 4),
    Provider("Pearl Delta Network", 64622, "residential", "CN", "China", "Shenzhen", 22.54, 114.06, 7),
    Provider("Danube Hosting", 64623, "hosting", "RO", "Romania", "Bucharest", 44.43, 26.10, 2),
    Provider("Baltic VPS", 64624, "hosting", "LT", "Lithuania", "Vilnius", 54.69, 25.28, 1),
    Provider("Polder Datacenter", 64625, "hosting", "NL", "Netherlands", "Amsterdam", 52.37, 4.90, 2),
    Provider("Lantern Relay Project", 64626, "anonymiser", "DE", "Germany", "Nuremberg", 49.45, 11.08, 1),
    Provider("Tunnelwise VPN", 64627, "anonymiser", "PA", "Panama", "Panama City", 8.98, -79.52, 1),
)

# Prefix lengths of the ranges and how common each is (real routing tables are dominated by /24s).
_PREFIX_LENGTHS = np.array([16, 17, 18, 19, 20, 21, 22, 23, 24])
_PREFIX_WEIGHTS = np.array([0.004, 0.006, 0.01, 0.03, 0.06, 0.08, 0.15, 0.12, 0.54])
_BLOCK_SIZE = 1 << 16  # ranges are laid out inside /16 blocks, so none straddles special space
_MEAN_RUN_LENGTH = 3.0  # consecutive ranges of one provider


def _special_blocks() -> set[int]:
    """/16 blocks (first two octets) outside public unicast space: private, loopback, CGNAT,
    link-local, documentation, benchmarking, multicast and reserved."""
    blocks = {(first << 8) | second for first in (0, 10, 127, *range(224, 256)) for second in range(256)}
    blocks |= {(100 << 8) | second for second in range(64, 128)}  # 100.64.0.0/10
    blocks |= {(172 << 8) | second for second in range(16, 32)}  # 172.16.0.0/12
    blocks |= {(169 << 8) | 254, (192 << 8) | 168, (192 << 8) | 0, (198 << 8) | 18, (198 << 8) | 19}
    blocks |= {(198 << 8) | 51, (203 << 8) | 0}  # TEST-NET-2 and TEST-NET-3 live in these
    return blocks


@dataclass(frozen=True)
class NetworkTable:
    """Ranges sorted by first address: `begin[i]..end[i]` (inclusive) belongs to `provider[i]`."""

    begin: np.ndarray  # uint32
    end: np.ndarray  # uint32, inclusive
    provider: np.ndarray  # uint8 index into PROVIDERS

    def __len__(self) -> int:
        return int(self.begin.size)

    def draw_ips(self, rng: np.random.Generator, ranges: np.ndarray) -> np.ndarray:
        """One address drawn uniformly from each given range index (vectorised)."""
        sizes = self.end[ranges].astype(np.int64) - self.begin[ranges] + 1
        return (self.begin[ranges] + (rng.random(ranges.size) * sizes).astype(np.int64)).astype(np.uint32)

    def range_of(self, ips: np.ndarray) -> np.ndarray:
        """The range index holding each address, or -1 where no range holds it."""
        ips = np.asarray(ips, dtype=np.uint32)
        index = np.searchsorted(self.begin, ips, side="right") - 1
        inside = (index >= 0) & (ips <= self.end[np.maximum(index, 0)])
        return np.where(inside, index, -1)

    def ranges_of_kind(self, *kinds: ProviderKind) -> np.ndarray:
        wanted = [i for i, provider in enumerate(PROVIDERS) if provider.kind in kinds]
        return np.flatnonzero(np.isin(self.provider, wanted))

    def provider_of_ip(self, ip: int) -> Provider:
        index = int(self.range_of(np.array([ip]))[0])
        if index < 0:
            raise ValueError(f"{format_ipv4(np.array([ip]))[0]} is in no range of the table")
        return PROVIDERS[int(self.provider[index])]


@lru_cache(maxsize=4)  # a table is read-only; tutorial, corpus and sample findings reuse theirs
def build_table(n_ranges: int, seed: int = 0) -> NetworkTable:
    """Exactly `n_ranges` non-overlapping ranges, the same for the same arguments."""
    if n_ranges < 1:
        raise ValueError("a network table needs at least one range")
    rng = np.random.default_rng([seed, n_ranges, 0x4E7])
    special = _special_blocks()
    public_blocks = np.array([b for b in range(1 << 16) if b not in special], dtype=np.int64)
    candidates = 2 * n_ranges + 1024
    blocks = rng.choice(public_blocks, size=candidates)
    prefix = rng.choice(_PREFIX_LENGTHS, size=candidates, p=_PREFIX_WEIGHTS / _PREFIX_WEIGHTS.sum())
    sizes = (1 << (32 - prefix)).astype(np.int64)
    # Within a block, larger ranges first: each then starts at a multiple of its own size.
    order = np.lexsort((rng.random(candidates), prefix, blocks))
    blocks, sizes = blocks[order], sizes[order]
    running = np.cumsum(sizes)
    block_start = np.r_[True, blocks[1:] != blocks[:-1]]
    offsets = running - sizes - np.maximum.accumulate(np.where(block_start, running - sizes, 0))
    fits = offsets + sizes <= _BLOCK_SIZE
    kept = np.flatnonzero(fits)
    if kept.size < n_ranges:
        raise ValueError(f"cannot lay out {n_ranges} ranges in public IPv4 space")
    # The unchosen fitting candidates become the unallocated gaps between ranges.
    chosen = np.sort(rng.choice(kept, size=n_ranges, replace=False))
    begin = blocks[chosen] * _BLOCK_SIZE + offsets[chosen]
    order = np.argsort(begin, kind="stable")
    begin = begin[order]
    end = begin + sizes[chosen][order] - 1
    weights = np.array([p.weight for p in PROVIDERS])
    run_id = np.cumsum(rng.random(n_ranges) < 1.0 / _MEAN_RUN_LENGTH)
    run_provider = rng.choice(len(PROVIDERS), size=int(run_id[-1]) + 1, p=weights / weights.sum())
    return NetworkTable(
        begin=begin.astype(np.uint32),
        end=end.astype(np.uint32),
        provider=run_provider[run_id].astype(np.uint8),
    )
