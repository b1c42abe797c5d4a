"""Identifiers derived by hashing: one scheme, stable, in the forms AWS writes them."""

from __future__ import annotations

import re

import pytest

from secml.data.ids import session_key, stable_hex


def test_stable_hex_is_stable_and_sized() -> None:
    assert stable_hex("detector", 0) == stable_hex("detector", 0)
    assert re.fullmatch(r"[0-9a-f]{32}", stable_hex("detector", 0))
    assert len(stable_hex("x", n=7)) == 7 and len(stable_hex("x", n=128)) == 128
    assert stable_hex("detector", 0) != stable_hex("detector", 1)
    with pytest.raises(ValueError, match="1 to 128"):
        stable_hex("x", n=0)


def test_session_keys_look_like_temporary_access_keys() -> None:
    key = session_key("AROAEXAMPLE", "i-0abc", 42)
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", key)
    assert key == session_key("AROAEXAMPLE", "i-0abc", 42) != session_key("AROAEXAMPLE", "i-0abc", 43)
