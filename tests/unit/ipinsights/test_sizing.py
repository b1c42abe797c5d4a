"""Hyperparameters sized to the training data: only those the user did not set, inside SageMaker's
ranges, said in one line; and `secml train` (local backend) applies and prints them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secml.cli import main
from secml.ipinsights import sizing
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.workshop.training_run import WORKSHOP_HYPERPARAMETERS


def test_a_small_corpus_keeps_the_workshop_values() -> None:
    sized = sizing.choose(WORKSHOP_HYPERPARAMETERS, (), principals=100, pairs=50_000)
    assert sized.hyperparameters == WORKSHOP_HYPERPARAMETERS
    assert sized.line() == (
        "hyperparameters: none sized to the data (100 principals, 50,000 pairs: the defaults and given values fit it)"
    )


def test_a_tutorial_sized_corpus_gets_more_vectors_smaller_batches_and_a_higher_rate() -> None:
    sized = sizing.choose(WORKSHOP_HYPERPARAMETERS, (), principals=10_000, pairs=1_900_000)
    chosen = sized.hyperparameters
    assert (chosen.num_entity_vectors, chosen.mini_batch_size, chosen.learning_rate) == (200_000, 500, 0.01)
    assert chosen.vector_dim == 64
    assert (chosen.epochs, chosen.num_ip_encoder_layers) == (2, 0)  # untouched
    line = sized.line()
    assert line.startswith("hyperparameters sized to the data: num_entity_vectors=200000 (20 per principal")
    assert "20,000 would share a vector for 39% of them" in line
    assert line.endswith(
        "; mini_batch_size=500, learning_rate=0.01, vector_dim=64 (1,900,000 pairs >= 1,000,000: more optimiser "
        "steps per epoch at the same throughput)"
    )
    assert "\n" not in line


def test_values_the_user_set_are_never_changed() -> None:
    given = Hyperparameters(num_entity_vectors=30_000, mini_batch_size=10_000, learning_rate=0.001)
    explicit = {"num_entity_vectors", "learning_rate"}
    chosen = sizing.choose(given, explicit, principals=10_000, pairs=2_000_000).hyperparameters
    assert (chosen.num_entity_vectors, chosen.learning_rate, chosen.mini_batch_size) == (30_000, 0.001, 500)
    assert chosen.vector_dim == 64


def test_entity_vectors_stay_inside_sagemakers_range() -> None:
    chosen = sizing.choose(Hyperparameters(), (), principals=100_000_000, pairs=10).hyperparameters
    assert chosen.num_entity_vectors == 250_000_000


@pytest.mark.parametrize(("principals", "vectors", "share"), [(1, 10, 0.0), (10_000, 20_000, 0.393), (2, 2, 0.5)])
def test_shared_share(principals: int, vectors: int, share: float) -> None:
    assert sizing.shared_share(principals, vectors) == pytest.approx(share, abs=1e-3)


def test_secml_train_sizes_what_was_not_given_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sizing, "LARGE_PAIRS", 100)  # 180 training pairs count as large here
    train = tmp_path / "train.csv"
    train.write_text("".join(f"user{u},10.{u}.0.{i}\n" for u in range(6) for i in range(30)))
    model = tmp_path / "model"
    options = ["--vector-dim", "8", "--epochs", "1", "--learning-rate", "0.002", "--num-entity-vectors", "64"]
    assert main(["train", "--backend", "local", "--train", str(train), "--model", str(model), *options]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "hyperparameters sized to the data: mini_batch_size=500 (180 pairs >= 100: more optimiser steps per epoch "
        "at the same throughput)"
    )
    manifest = json.loads((model / "secml-model.json").read_text())
    assert manifest["hyperparameters"]["mini_batch_size"] == "500"
    assert manifest["hyperparameters"]["learning_rate"] == "0.002"
    assert manifest["hyperparameters"]["num_entity_vectors"] == "64"
    assert json.loads((model / "metrics.json").read_text())["hyperparameters_sizing"] == out.splitlines()[0]
