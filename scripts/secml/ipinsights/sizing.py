"""Hyperparameters sized to the training data, for the ones the user did not set.

The workshop's values (20,000 entity vectors, mini-batches of 10,000 at learning rate 0.001) suit
its corpus of tens of principals. On a corpus the size of SageMaker's tutorial (10,000 principals,
about 2 M training pairs) they leave IP Insights far from what the data allows: 10,000 principals
hashed into 20,000 vectors share a vector for about 39 % of them, and 2 epochs of 10,000-pair
batches are fewer than 400 optimiser steps. Measured with benchmarks/bench_detection.py (regime
`tutorial`, each network structure), the sizes below close most of the gap to the Bayes-optimal
ceiling at the same or better throughput:

- num_entity_vectors: at least ENTITY_VECTORS_PER_PRINCIPAL per distinct principal (then about
  1 principal in 20 shares its vector, where SageMaker's "twice the entities" leaves 2 in 5).
- from LARGE_PAIRS training pairs on: mini_batch_size LARGE_MINI_BATCH and learning_rate
  LARGE_LEARNING_RATE (many more, larger steps: each batch moves a row once, whatever its count),
  and vector_dim LARGE_VECTOR_DIM, which keeps training at least as fast as the workshop's batches of
  10,000 at 128 dimensions, with an encoder layer too (128 dimensions in batches of 500 are slower
  with a layer, and no better without one).

A value the user set is never changed; every value stays inside SageMaker's range and keeps its
SageMaker meaning, so the chosen set runs unchanged on SageMaker.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any

from secml.ipinsights.hyperparameters import RANGES, Hyperparameters

ENTITY_VECTORS_PER_PRINCIPAL = 20
LARGE_PAIRS = 1_000_000
LARGE_MINI_BATCH = 500
LARGE_LEARNING_RATE = 0.01
LARGE_VECTOR_DIM = 64


@dataclass(frozen=True)
class Sized:
    hyperparameters: Hyperparameters
    principals: int
    pairs: int
    changes: tuple[tuple[str, str], ...]  # ("name=value", why), one per value changed

    def line(self) -> str:
        """One line saying what was chosen and why (or that nothing was); values chosen for the
        same reason share it."""
        if not self.changes:
            return (
                f"hyperparameters: none sized to the data ({self.principals:,} principals, {self.pairs:,} pairs: "
                "the defaults and given values fit it)"
            )
        groups: list[tuple[list[str], str]] = []
        for assignment, why in self.changes:
            if groups and groups[-1][1] == why:
                groups[-1][0].append(assignment)
            else:
                groups.append(([assignment], why))
        return "hyperparameters sized to the data: " + "; ".join(f"{', '.join(a)} ({why})" for a, why in groups)


def choose(base: Hyperparameters, explicit: Collection[str], principals: int, pairs: int) -> Sized:
    """`base` with the size-dependent values for the hyperparameters not in `explicit` (names the
    user set), given the training data's distinct principals and (principal, IP) pairs."""
    values: dict[str, Any] = {}  # field name -> value, each of its field's type
    changes: list[tuple[str, str]] = []

    def propose(name: str, value: int | float, why: str) -> None:
        if name in explicit or value == getattr(base, name):
            return
        values[name] = value
        changes.append((f"{name}={value:g}", why))

    wanted = min(ENTITY_VECTORS_PER_PRINCIPAL * principals, int(RANGES["num_entity_vectors"].high))
    if wanted > base.num_entity_vectors:
        propose(
            "num_entity_vectors",
            wanted,
            f"{ENTITY_VECTORS_PER_PRINCIPAL} per principal for {principals:,} principals: "
            f"{base.num_entity_vectors:,} would share a vector for "
            f"{shared_share(principals, base.num_entity_vectors):.0%} of them",
        )
    if pairs >= LARGE_PAIRS:
        why = f"{pairs:,} pairs >= {LARGE_PAIRS:,}: more optimiser steps per epoch at the same throughput"
        propose("mini_batch_size", LARGE_MINI_BATCH, why)
        propose("learning_rate", LARGE_LEARNING_RATE, why)
        propose("vector_dim", LARGE_VECTOR_DIM, why)
    return Sized(replace(base, **values), principals, pairs, tuple(changes))


def shared_share(principals: int, num_entity_vectors: int) -> float:
    """Expected share of principals whose hashed vector is also another principal's."""
    if principals <= 1:
        return 0.0
    return 1.0 - (1.0 - 1.0 / num_entity_vectors) ** (principals - 1)
