"""The small corpus the data tests share (the default one is measured in benchmarks/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from secml.data.corpus import CorpusSize, CorpusSummary

SMALL = CorpusSize(records=20_000, days=2, people=12, findings=40)


@dataclass(frozen=True)
class Generated:
    root: Path
    truth: Path
    summary: CorpusSummary
