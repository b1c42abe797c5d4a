"""The synthetic provider range table that replaces the tutorial's IP-to-ASN file."""

from __future__ import annotations

import ipaddress

import numpy as np

from secml.data.networks import PROVIDERS, build_table
from secml.ipinsights.addresses import format_ipv4


def test_ranges_are_public_aligned_sorted_and_disjoint() -> None:
    table = build_table(50_000, seed=1)
    begin, end = table.begin.astype(np.int64), table.end.astype(np.int64)
    sizes = end - begin + 1
    assert len(table) == 50_000
    assert np.all(begin[1:] > end[:-1])
    assert np.all(begin % sizes == 0) and set(np.log2(sizes).astype(int)) <= set(range(8, 17))
    for first, last in zip(format_ipv4(table.begin[::997]), format_ipv4(table.end[::997]), strict=True):
        assert ipaddress.ip_address(first).is_global and ipaddress.ip_address(last).is_global
    assert set(np.unique(table.provider)) == set(range(len(PROVIDERS)))


def test_same_seed_same_table_and_draws_stay_in_their_range() -> None:
    first, second = build_table(20_000, seed=5), build_table(20_000, seed=5)
    assert np.array_equal(first.begin, second.begin) and np.array_equal(first.provider, second.provider)
    assert not np.array_equal(first.begin, build_table(20_000, seed=6).begin)
    rng = np.random.default_rng(0)
    ranges = rng.integers(0, len(first), size=10_000)
    assert np.array_equal(first.range_of(first.draw_ips(rng, ranges)), ranges)
    assert first.range_of(np.array([int(ipaddress.ip_address("10.1.2.3"))]))[0] == -1


def test_format_ipv4_matches_ipaddress() -> None:
    values = np.array([0, 1, 0x7F000001, 0xC0A80101, 0xFFFFFFFF], dtype=np.uint32)
    assert format_ipv4(values) == [str(ipaddress.IPv4Address(int(v))) for v in values]
    assert format_ipv4(values.astype(np.int64)) == format_ipv4(values.tolist()) == format_ipv4(values)
