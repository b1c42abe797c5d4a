"""A small corpus shared by the data tests (the default one is measured in benchmarks/)."""

from __future__ import annotations

import pytest
from generated_corpus import SMALL, Generated

from secml.data.corpus import generate


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    root = tmp_path_factory.mktemp("corpus")
    truth = root / "truth.csv"
    return Generated(root / "out", truth, generate(str(root / "out"), truth, seed=7, size=SMALL))
