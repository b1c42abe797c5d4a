"""The history evidence on a hand-made history, and the index against brute force."""

from __future__ import annotations

import numpy as np

from secml.history import evidence, index
from secml.ipinsights.addresses import format_ipv4

HISTORY = [("alice", "10.1.0.5")] * 8 + [("alice", "10.1.2.7")] * 4 + [("bob", "198.51.100.7")] * 5


def _history() -> index.HistoryIndex:
    principals, ips = zip(*HISTORY, strict=True)
    return index.build(list(principals), list(ips))


def test_evidence_columns_on_a_hand_made_history() -> None:
    history = _history()
    found = evidence.gather(
        history,
        ["alice", "alice", "alice", "bob", "mallory", "alice"],
        ["10.1.2.9", "95.184.3.3", "10.1.0.5", "198.51.100.7", "10.1.0.5", "2001:db8::1"],
    )
    # 10.1.2.9 vs 10.1.2.7: 9 ^ 7 = 0b1110, so 28 leading bits shared
    assert found.longest_prefix.tolist() == [28, 1, 32, 32, -1, -1]
    assert found.seen[8].tolist() == [12, 0, 12, 5, 0, 0]
    assert found.seen[16].tolist() == [12, 0, 12, 5, 0, 0]
    assert found.seen[24].tolist() == [4, 0, 8, 5, 0, 0]
    assert found.seen[32].tolist() == [0, 0, 8, 5, 0, 0]
    assert found.principal_events.tolist() == [12, 12, 12, 5, 0, 0]
    assert found.new_to_account.tolist() == [True, True, False, False, False, True]
    assert found.valid.tolist() == [True, True, True, True, False, False]
    # the usual address is more normal than a neighbour, which is more normal than a far network
    assert found.normality[2] > found.normality[0] > found.normality[1]


def test_usual_networks_and_reasons() -> None:
    history = _history()
    usual = evidence.usual_networks(history, "alice")
    assert usual == [("10.1.0.0/16", 12)]
    assert evidence.usual_text(usual) == "10.1.0.0/16 (12×)"
    far = evidence.reason("95.184.3.3", 1, {8: 0, 16: 0, 24: 0, 32: 0}, 12, usual)
    assert far == "never used 95.0.0.0/8; usual: 10.1.0.0/16 (12×)"
    near = evidence.reason("10.1.2.9", 28, {8: 12, 16: 12, 24: 4, 32: 0}, 12, usual)
    assert near == "never used this address (closest: same /28); usual: 10.1.0.0/16 (12×)"
    other_24 = evidence.reason("10.1.7.1", 21, {8: 12, 16: 12, 24: 0, 32: 0}, 12, usual)
    assert other_24.startswith("never used 10.1.7.0/24 (closest: same /21)")
    used = evidence.reason("10.1.0.5", 32, {8: 12, 16: 12, 24: 8, 32: 8}, 12, usual)
    assert used.startswith("used this address 8× before (66.67% of its 12 events)")
    assert evidence.reason("10.1.0.5", -1, {8: 0, 16: 0, 24: 0, 32: 0}, 0, []) == (
        "principal absent from the training history"
    )


def test_reasons_say_when_the_closest_network_was_last_used() -> None:
    usual = [("10.1.0.0/16", 12)]
    other_24 = evidence.reason("10.1.7.1", 21, {8: 12, 16: 12, 24: 0, 32: 0}, 12, usual, "2026-03-09")
    assert (
        other_24
        == "never used 10.1.7.0/24 (closest: same /21); last used 10.1.0.0/21 on 2026-03-09; usual: 10.1.0.0/16 (12×)"
    )
    far_16 = evidence.reason("95.184.3.3", 16, {8: 4, 16: 4, 24: 0, 32: 0}, 12, usual, "2026-03-09")
    assert far_16.startswith("never used 95.184.3.0/24 (closest: same /16); last used 95.184.0.0/16 on 2026-03-09;")
    used = evidence.reason("10.1.0.5", 32, {8: 12, 16: 12, 24: 8, 32: 8}, 12, usual, "2026-03-09")
    assert used.startswith("used this address 8× before (66.67% of its 12 events), last on 2026-03-09; usual:")
    # Below /8 no network is named, so no day either (as for "closest").
    far = evidence.reason("95.184.3.3", 1, {8: 0, 16: 0, 24: 0, 32: 0}, 12, usual, "2026-03-09")
    assert far == "never used 95.0.0.0/8; usual: 10.1.0.0/16 (12×)"


def test_index_matches_brute_force() -> None:
    rng = np.random.default_rng(7)
    ips = rng.integers(0, 2**32, size=300, dtype=np.uint32) & np.uint32(0xFFF0FFFF)
    names = [f"p{i}" for i in rng.integers(0, 5, size=300)]
    history = index.build(names, format_ipv4(ips))
    queries = rng.integers(0, 2**32, size=50, dtype=np.uint32)
    who = [f"p{i}" for i in rng.integers(0, 6, size=50)]  # p5 is never in the history
    ids = history.principal_ids(who)
    longest = history.longest_prefix(ids, queries)
    for bits in (0, 7, 16, 19, 24, 32):
        counts = history.count_in_prefix(ids, queries, bits)
        for query, name, count in zip(queries.tolist(), who, counts.tolist(), strict=True):
            mine = ips[[n == name for n in names]]
            shift = 32 - bits
            expected = int(np.sum((mine.astype(np.int64) >> shift) == (query >> shift))) if bits else mine.size
            assert count == expected
    for query, name, bits in zip(queries.tolist(), who, longest.tolist(), strict=True):
        mine = ips[[n == name for n in names]].astype(np.int64)
        expected = -1 if mine.size == 0 else max(32 - int(x ^ query).bit_length() for x in mine.tolist())
        assert bits == expected


def _spread_history(foreign_uses: int) -> index.HistoryIndex:
    """alice: 100 logins over 10.1.0.0/16 (ten /24s), plus `foreign_uses` from 95.184.3.3."""
    home = [("alice", f"10.1.{i % 10}.{i}") for i in range(100)]
    return index.build(*map(list, zip(*(home + [("alice", "95.184.3.3")] * foreign_uses), strict=True)))


def test_a_handful_of_uses_from_a_foreign_network_do_not_make_it_the_principals_own() -> None:
    """An attacker's calls already in the training logs (2 of 102 events, under 3 %) leave the
    address as unusual as one never used; once it holds a real share (10 of 110) it counts."""
    queries = ["10.1.9.200", "95.184.3.3", "172.217.1.1"]
    few = evidence.gather(_spread_history(2), ["alice"] * 3, queries).normality
    new_home, attacker, far = few
    assert new_home > attacker
    assert attacker == far
    many = evidence.gather(_spread_history(10), ["alice"] * 3, queries).normality
    assert many[1] > many[2]


def test_roaming_share_counts_one_off_addresses_alone_in_their_16() -> None:
    office = [("bob", "203.0.113.10")] * 50
    roaming = [("bob", f"{a}.9.9.9") for a in (20, 30, 40, 50, 60)]
    neighbours = [("carol", "10.1.0.1"), ("carol", "10.1.0.2")]  # used once, but not alone in their /16
    history = index.build(*map(list, zip(*(office + roaming + neighbours), strict=True)))
    assert dict(zip(history.principals.tolist(), history.roaming_events.tolist(), strict=True)) == {
        "bob": 5,
        "carol": 0,
    }
    # far from every network it uses, a principal's density is its roaming share over 2^32: its own,
    # shrunk towards the account's (5 + 1) / (57 + 2) by ten events' worth
    found = evidence.gather(history, ["bob", "carol"], ["95.184.3.3", "95.184.3.3"])
    account = 6 / 59
    shares = np.array([(5 + 10 * account) / (55 + 10), (0 + 10 * account) / (2 + 10)])
    assert np.allclose(found.normality, np.log(shares / 2.0**32))


def test_a_left_out_pair_is_judged_as_by_a_history_without_it() -> None:
    """Held-out pairs are calibrated on as new activity: judged in all the training tuples without
    their own uses, each gets the normality a history lacking it gives (roaming share included)."""
    held_out = [("alice", "10.1.2.9")] * 3 + [("alice", "172.16.9.9"), ("dave", "192.0.2.1"), ("dave", "192.0.2.1")]
    full = index.build(*map(list, zip(*(HISTORY + held_out), strict=True)))
    queries = (["alice", "alice", "dave", "bob"], ["10.1.2.9", "172.16.9.9", "192.0.2.1", "198.51.100.7"])
    left_out = evidence.left_out_normality(full, *queries)
    for row, pair in enumerate(zip(*queries, strict=True)):
        without = index.build(*map(list, zip(*[t for t in HISTORY + held_out if t != pair], strict=True)))
        assert left_out[row] == evidence.gather(without, [pair[0]], [pair[1]]).normality[0]
    # bob's only address, left out, leaves bob with no history: judged as a principal the history lacks
    assert left_out[3] == evidence.gather(full, ["mallory"], ["198.51.100.7"]).normality[0]


def test_leaving_a_pair_out_recounts_roaming() -> None:
    """Left out, 172.16.0.1 stops counting and leaves 172.16.0.2 alone in its /16: one roaming
    event lost, one gained, as a history without the pair counts them."""
    tuples = (
        [("alice", "10.1.0.1")] * 50 + [("alice", "172.16.0.1"), ("alice", "172.16.0.2")] + [("bob", "10.2.0.1")] * 9
    )
    full = index.build(*map(list, zip(*tuples, strict=True)))
    without = index.build(*map(list, zip(*[t for t in tuples if t != ("alice", "172.16.0.1")], strict=True)))
    assert without.roaming_events.tolist() == [1, 0] and full.roaming_events.tolist() == [0, 0]
    left_out = evidence.left_out_normality(full, ["alice"], ["172.16.0.1"])
    assert left_out[0] == evidence.gather(without, ["alice"], ["172.16.0.1"]).normality[0]


def test_left_out_normality_of_pairs_the_history_cannot_judge() -> None:
    floor = evidence.gather(index.build([], []), ["alice"], ["10.1.0.5"]).normality[0]
    empty = evidence.left_out_normality(index.build([], []), ["alice", "alice"], ["10.1.0.5", "2001:db8::1"])
    assert empty.tolist() == [floor, floor]
    history = _history()
    odd = evidence.left_out_normality(history, ["mallory", "alice"], ["10.1.0.5", "not-an-ip"])
    assert odd.tolist() == [floor, floor]
