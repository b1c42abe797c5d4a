from __future__ import annotations

import io
from collections import Counter

import pytest

from secml.core.errors import InputError
from secml.ipinsights.holdout import SplitCounts, split_pairs
from secml.ipinsights.tuples_io import Tuples

# 40 distinct pairs, each repeated 25 times (CloudTrail logs one line per API call).
PAIRS = [(f"user{i % 8}", f"10.0.{i}.{i % 7}") for i in range(40)]
REPEATED = Tuples(
    principals=[p for _ in range(25) for p, _ in PAIRS], ips=[ip for _ in range(25) for _, ip in PAIRS], skipped=3
)


def _split(chunks: list[Tuples], share: float = 0.25, seed: int = 0) -> tuple[SplitCounts, list[str], list[str]]:
    fit, held = io.StringIO(), io.StringIO()
    counts = split_pairs(chunks, fit, held, share=share, seed=seed)
    return counts, fit.getvalue().splitlines(), held.getvalue().splitlines()


def test_every_occurrence_of_a_held_out_pair_is_held_out() -> None:
    counts, fit, held = _split([REPEATED])
    assert not set(fit) & set(held)  # no held-out pair is in the fitting set
    assert Counter(fit + held) == Counter(f"{p},{ip}" for p, ip in zip(REPEATED.principals, REPEATED.ips, strict=True))
    assert all(count == 25 for count in Counter(held).values())
    assert (counts.fit_pairs, counts.held_out_pairs, counts.skipped_lines) == (len(fit), len(held), 3)
    assert 4 <= len(set(held)) <= 16  # about a quarter of the 40 distinct pairs


def test_a_pair_lands_on_the_same_side_across_chunks() -> None:
    halves = [
        Tuples(REPEATED.principals[:500], REPEATED.ips[:500], skipped=3),
        Tuples(REPEATED.principals[500:], REPEATED.ips[500:]),
    ]
    assert _split(halves)[1:] == _split([REPEATED])[1:]


def test_split_is_deterministic_for_a_seed() -> None:
    assert _split([REPEATED], seed=1) == _split([REPEATED], seed=1)
    assert set(_split([REPEATED], seed=1)[2]) != set(_split([REPEATED], seed=2)[2])


def test_too_few_distinct_pairs_is_a_clear_error() -> None:
    one_pair = Tuples(["a"] * 50, ["1.1.1.1"] * 50)
    with pytest.raises(InputError, match="too few distinct pairs"):
        _split([one_pair])
    with pytest.raises(InputError, match="too few distinct pairs"):
        _split([])


def test_share_must_be_a_fraction() -> None:
    with pytest.raises(InputError, match="share must be between 0 and 1"):
        _split([REPEATED], share=1.5)
