from __future__ import annotations

import pytest

from secml.errors import CommandError
from secml.report.holdout import split_pairs

TUPLES = b"".join(f"user{i % 9},10.0.{i % 200}.{i % 250}\n".encode() for i in range(1000))


def test_split_keeps_every_line_once_and_holds_out_the_share() -> None:
    split = split_pairs(TUPLES, share=0.1, seed=3)
    assert (split.fit_pairs, split.held_out_pairs) == (900, 100)
    fit, held = split.fit.splitlines(), split.held_out.splitlines()
    assert sorted(fit + held) == sorted(TUPLES.splitlines())


def test_split_is_deterministic_for_a_seed() -> None:
    assert split_pairs(TUPLES, seed=1) == split_pairs(TUPLES, seed=1)
    assert split_pairs(TUPLES, seed=1).held_out != split_pairs(TUPLES, seed=2).held_out


def test_blank_lines_are_not_pairs_and_tiny_inputs_still_split() -> None:
    split = split_pairs(b"a,1.1.1.1\n\nb,2.2.2.2\n", share=0.01)
    assert (split.fit_pairs, split.held_out_pairs) == (1, 1)


@pytest.mark.parametrize(("data", "share", "message"), [(b"", 0.1, "too few"), (TUPLES, 1.5, "share")])
def test_bad_split_is_a_clear_error(data: bytes, share: float, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        split_pairs(data, share=share)
