"""A small corpus shared by the data tests (the default one is measured in benchmarks/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from secml.data.corpus import CorpusSize, CorpusSummary, generate

SMALL = CorpusSize(records=20_000, days=2, people=12, findings=40)


@dataclass(frozen=True)
class Generated:
    root: Path
    truth: Path
    summary: CorpusSummary


@pytest.fixture
def small_size() -> CorpusSize:
    return SMALL


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("corpus")
    truth = root / "truth.csv"
    return Generated(root / "out", truth, generate(str(root / "out"), truth, seed=7, size=SMALL))
