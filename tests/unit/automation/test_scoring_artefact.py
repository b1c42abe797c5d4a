"""The scorer's pure-Python artefact gives the engine's scores, loads in kilobytes, refuses junk."""

from __future__ import annotations

import numpy as np
import pytest
from scoring_fixtures import PRINCIPALS, trained

from secml.automation.artefact import artefact_bytes
from secml.ipinsights.addresses import format_ipv4
from secml_ingest.scoring_artefact import ArtefactError, ScoringModel, in_memory, splitmix64


@pytest.mark.parametrize("layers", [0, 1, 2])
def test_artefact_scores_equal_the_engine_scores(layers: int) -> None:
    model = trained(layers)
    served = ScoringModel(in_memory(artefact_bytes(model)))
    rng = np.random.default_rng(1)
    addresses = rng.integers(0, 1 << 32, 300, dtype=np.uint32)
    principals = [f"AIDAPRINCIPAL{p:04d}" for p in rng.integers(0, PRINCIPALS, addresses.size)]
    expected = model.score(principals, format_ipv4(addresses)).dot_product
    got = np.array([served.score(p, int(a)) for p, a in zip(principals, addresses.tolist(), strict=True)])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)


def test_only_training_principals_are_kept_and_unseen_ones_are_not_scored() -> None:
    model = trained(0)
    served = ScoringModel(in_memory(artefact_bytes(model)))
    assert sorted(served.principal_rows) == sorted(model.principals)
    assert not served.knows("AIDANEVERSEEN")
    with pytest.raises(KeyError):
        served.score("AIDANEVERSEEN", 1)


def test_loading_reads_the_small_sections_and_then_only_the_rows_it_scores() -> None:
    data = artefact_bytes(trained(0))
    reads: list[int] = []

    def fetch(first_byte: int, length: int) -> bytes:
        reads.append(length)
        return data[first_byte : first_byte + length]

    served = ScoringModel(fetch, first_read_bytes=4096)
    loaded, load_reads = sum(reads), len(reads)
    served.score("AIDAPRINCIPAL0001", 0x0A020304)
    served.score("AIDAPRINCIPAL0001", 0x0A020304)  # rows are kept
    assert loaded < 16_384 < len(data)
    assert len(reads) - load_reads == 4  # one read per prefix length, once


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: b"NOTSECML" + data[8:], "magic"),
        (lambda data: data[:20], "truncated"),
        (lambda data: data[:12] + b"{" * (len(data) - 12), "damaged"),
    ],
)
def test_damaged_artefacts_raise_artefact_error(damage, message: str) -> None:
    with pytest.raises(ArtefactError, match=message):
        ScoringModel(in_memory(damage(artefact_bytes(trained(0)))))


def test_splitmix64_matches_the_engine_kernel() -> None:
    from secml.ipinsights import kernels

    for value in (0, 1, 0x0A02 ^ (24 << 32), (1 << 64) - 1):
        assert splitmix64(value) == int(kernels.splitmix64(np.uint64(value)))
