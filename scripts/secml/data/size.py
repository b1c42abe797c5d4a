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
