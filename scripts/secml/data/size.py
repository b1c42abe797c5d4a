"""The generated corpus's size, kept apart from the generator so that `secml data generate
--help` shows its defaults without loading numpy."""

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
