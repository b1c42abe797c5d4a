"""Entity strings to embedding slots, the same in every process and on every machine.

Scheme (ENTITY_HASH_SCHEME, saved in every model): slot = the first 8 bytes of BLAKE2b(entity as UTF-8,
digest_size=8) read as a little-endian unsigned integer, modulo num_entity_vectors. Python's own
`hash()` is salted per process, so a model scored in another process would look up other rows.
Distinct entities may share a slot, as on SageMaker, which also hashes entities into
num_entity_vectors vectors (it recommends twice as many vectors as entities).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

ENTITY_HASH_SCHEME = "blake2b-64-le-utf8-mod"


def entity_hash(entity: str) -> int:
    """The 64-bit stable hash of one entity."""
    return int.from_bytes(hashlib.blake2b(entity.encode("utf-8"), digest_size=8).digest(), "little")


def factorize(entities: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Distinct entities in first-seen order and each row's index into them: hashing then costs one
    BLAKE2b per distinct entity, not per row."""
    index = {entity: code for code, entity in enumerate(dict.fromkeys(entities))}
    codes = np.fromiter(map(index.__getitem__, entities), dtype=np.int64, count=len(entities))
    return list(index), codes


def hash_slots(entities: Sequence[str], num_entity_vectors: int) -> np.ndarray:
    """The embedding row (int64) of each entity, one hash per entity (pass distinct ones)."""
    return np.fromiter(
        (entity_hash(entity) % num_entity_vectors for entity in entities), dtype=np.int64, count=len(entities)
    )


def entity_slots(entities: Sequence[str], num_entity_vectors: int) -> np.ndarray:
    """The embedding row (int64) of every entity, hashing each distinct entity once."""
    distinct, codes = factorize(entities)
    slots: np.ndarray = hash_slots(distinct, num_entity_vectors)[codes]
    return slots
