"""The generated corpora's sizes, kept apart from the generators so that `secml data --help`
shows their defaults without loading numpy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CorpusSize:
    """Defaults make the workshop-sized corpus; every option scales it up or down."""

    records: int = 300_000
    days: int = 2
    people: int = 40
    findings: int = 150

    def __post_init__(self) -> None:
        if self.records < 1000 or self.days < 1 or self.people < 4 or self.findings < 10:
            raise ValueError("a corpus needs at least 1000 records, 1 day, 4 people and 10 findings")


DEFAULT_SIZE = CorpusSize()

# SageMaker's IP Insights tutorial: 10,000 simulated users; 100,000 test pairs of each label.
TUTORIAL_USERS = 10_000
TUTORIAL_TEST_PAIRS = 100_000

# The tutorial corpus's network structures (secml.data.structures describes each).
NETWORK_STRUCTURES = ("tutorial", "unaligned", "clustered", "shared-egress", "high-travel")


@dataclass(frozen=True)
class SmallAccount:
    """A small account's corpus: `tuples` training tuples of `principals` principals and
    `findings` labelled findings, half from attacker addresses, `near_share` of those from ranges
    near the principal's own."""

    principals: int = 75
    tuples: int = 15_000
    findings: int = 300
    near_share: float = 0.3

    def __post_init__(self) -> None:
        if self.principals < 2 or self.tuples < 100 or self.findings < 2 or self.findings % 2:
            raise ValueError("a small account needs 2+ principals, 100+ tuples and an even number (2+) of findings")
        if not 0.0 <= self.near_share <= 1.0:
            raise ValueError(f"the share of attacks near the principals' ranges must be 0-1, got {self.near_share}")

    @property
    def events(self) -> int:
        """Logins over the 10 days whose first 7 give about `tuples` training tuples."""
        return round(self.tuples * 10 / 7)
