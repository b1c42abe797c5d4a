"""Identifiers derived from what they name (finding ids, detector ids, session access keys), so
a seed always gives the same corpus, by one hash (BLAKE2b) everywhere."""

from __future__ import annotations

import base64
import hashlib
from functools import cache

_SESSION_KEY_HEX = 20  # 80 bits: exactly 16 base-32 characters


def stable_hex(*parts: object, n: int = 32) -> str:
    """`n` lowercase hex characters (at most 128), the same for the same parts."""
    if not 1 <= n <= 128:
        raise ValueError(f"stable_hex gives 1 to 128 characters, not {n}")
    digest = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=(n + 1) // 2)
    return digest.hexdigest()[:n]


@cache  # sessions repeat for every call they make
def session_key(principal_id: str, session: str, period: int) -> str:
    """The temporary access key (ASIA + 16 base-32 characters, as AWS writes them) of one session
    period."""
    digest = bytes.fromhex(stable_hex(principal_id, session, period, n=_SESSION_KEY_HEX))
    return "ASIA" + base64.b32encode(digest).decode()
