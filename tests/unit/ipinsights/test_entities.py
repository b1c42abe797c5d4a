from __future__ import annotations

import hashlib
import subprocess
import sys

import numpy as np

from secml.ipinsights.entities import entity_hash, entity_slots


def test_hash_is_the_documented_blake2b_and_stable_across_processes() -> None:
    # Python's hash() is salted per process; the entity hash must not be.
    code = "from secml.ipinsights.entities import entity_hash; print(entity_hash('AROAEXAMPLE:alice'))"
    other_process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(other_process.stdout) == entity_hash("AROAEXAMPLE:alice")
    digest = hashlib.blake2b(b"user_1", digest_size=8).digest()
    assert entity_hash("user_1") == int.from_bytes(digest, "little")


def test_slots_are_in_range_and_repeat_for_repeated_entities() -> None:
    entities = ["alice", "bob", "alice", "carol", "bob"]
    slots = entity_slots(entities, 7)
    assert slots.dtype == np.int64
    assert ((slots >= 0) & (slots < 7)).all()
    assert slots[0] == slots[2] and slots[1] == slots[4]
    assert slots[0] == entity_hash("alice") % 7


def test_slots_spread_over_the_table() -> None:
    slots = entity_slots([f"user_{i}" for i in range(10_000)], 20_000)
    # 10k entities hashed into 20k slots occupy about 20k * (1 - exp(-0.5)) = 7.9k of them.
    assert 7_500 < np.unique(slots).size < 8_300
