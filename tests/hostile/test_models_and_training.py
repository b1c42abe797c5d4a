"""Damaged models, diverging training and hyperparameters too large for memory: one line each,
naming the user's path, and never a blank score without a reason."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hostile_helpers import snapshot, unchanged

from secml.ipinsights import training
from secml.ipinsights.backend import MANIFEST, MANIFEST_FORMAT
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.model import NON_FINITE_SCORE
from secml.ipinsights.model_file import save

SMALL = Hyperparameters(num_entity_vectors=16, vector_dim=4, epochs=1, mini_batch_size=8)
PAIRS = ([f"user-{n % 4}" for n in range(64)], [f"10.{n % 4}.0.{n}" for n in range(64)])


def _model_folder(folder: Path, artefact: bytes) -> Path:
    folder.mkdir()
    (folder / MANIFEST).write_text(
        json.dumps({"format": MANIFEST_FORMAT, "backend": "local", "artefact": "ipinsights-local.npz"})
    )
    (folder / "ipinsights-local.npz").write_bytes(artefact)
    return folder


@pytest.fixture
def tuples_file(tmp_path: Path) -> Path:
    path = tmp_path / "tuples.csv"
    path.write_text("".join(f"{p},{ip}\n" for p, ip in zip(*PAIRS, strict=True)))
    return path


@pytest.mark.parametrize(
    ("artefact", "said"),
    [(b"", "is empty"), (b"PK\x03\x04 truncated zip", "not a local IP Insights model"), (b"\x93NUMPY junk", "not")],
)
def test_a_damaged_model_file_is_named_as_the_user_gave_it(
    tmp_path: Path, tuples_file: Path, secml, artefact: bytes, said: str
) -> None:
    model = _model_folder(tmp_path / "model", artefact)
    out = tmp_path / "scores.csv"
    out.write_text("earlier scores\n")
    before = snapshot(out)
    result = secml("score", "--model", model, "--input", tuples_file, "--out", out)
    assert result.status == 2 and said in result.err
    assert str(model / "ipinsights-local.npz") in result.err and "allow_pickle" not in result.err
    assert "/tmp/tmp" not in result.err  # not the temporary copy
    assert unchanged(before)


def test_training_that_diverges_fails_clearly() -> None:
    model = training._initial_model(SMALL, ["a"], np.random.default_rng(0))
    model.entity_table[0, 0] = np.nan
    with pytest.raises(training.TrainingDivergedError, match=r"diverged in epoch 3.*lower learning_rate"):
        training.check_finite(model, 3, 0.5)
    with pytest.raises(training.TrainingDivergedError):
        training.check_finite(training._initial_model(SMALL, ["a"], np.random.default_rng(0)), 1, float("nan"))


def test_a_model_with_nan_weights_gives_every_row_a_reason(tmp_path: Path, tuples_file: Path, secml) -> None:
    fitted = training.fit(*PAIRS, SMALL)
    fitted.prefix_table[:] = np.nan
    model = _model_folder(tmp_path / "model", b"")
    save(fitted, model / "ipinsights-local.npz")
    out = tmp_path / "scores.csv"
    result = secml("score", "--model", model, "--input", tuples_file, "--out", out)
    assert result.status == 0 and "64 without a score" in result.err
    rows = out.read_text().splitlines()[1:]
    assert len(rows) == 64 and all(row.endswith(NON_FINITE_SCORE) for row in rows)


def test_hyperparameters_too_large_for_memory_are_refused_before_allocating(
    tuples_file: Path, tmp_path: Path, secml
) -> None:
    result = secml(
        "train",
        "--backend",
        "local",
        "--train",
        tuples_file,
        "--model",
        tmp_path / "model",
        "--num-entity-vectors",
        "250000000",
        "--vector-dim",
        "4096",
    )
    assert result.status == 2 and "needs about" in result.err and "GiB" in result.err
    assert not (tmp_path / "model").exists()


def test_a_corrupt_manifest_is_one_line(tmp_path: Path, tuples_file: Path, secml) -> None:
    model = _model_folder(tmp_path / "model", b"")
    (model / MANIFEST).write_bytes(b"\xff{ not json")
    result = secml("score", "--model", model, "--input", tuples_file)
    assert result.status == 2 and f"{model / MANIFEST} is not a secml model manifest" in result.err


def test_a_lambda_failure_is_summarised_with_the_trace_in_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from types import SimpleNamespace

    from secml.core.errors import ServiceError
    from secml.infra import lambda_runner
    from secml.workshop import exercises

    failure = {
        "errorType": "KeyError",
        "errorMessage": "'Records'",
        "stackTrace": ['  File "/var/task/handler.py", line 9, in handler\n'],
    }
    monkeypatch.setattr(
        lambda_runner, "invoke", lambda *args: lambda_runner.InvokeResult(failure, "START\nEND", "Unhandled")
    )
    workshop = SimpleNamespace(
        outputs={"ingest": "secml-ingest"}, target=None, logs_dir=tmp_path / "logs", ingest_results={}
    )
    with pytest.raises(ServiceError) as raised:
        exercises.invoke_ingest(workshop, "ingest", {}, "ingest.log")  # type: ignore[arg-type]
    message = str(raised.value)
    assert message.startswith("secml-ingest failed: KeyError: 'Records' (stack trace in ")
    assert "\n" not in message and "handler.py" not in message
    assert "handler.py" in (tmp_path / "logs" / "ingest.log").read_text()


def test_in_range_hyperparameters_that_diverge_fail_clearly_without_a_model(tmp_path: Path, secml) -> None:
    """No injected NaN: learning_rate at its maximum (10) through 20 encoder layers of 256 wide
    overflows in the first epoch on a small corpus. One line, exit 2, no model, no numpy warnings."""
    import random
    import warnings

    chosen = random.Random(1)
    tuples = tmp_path / "tuples.csv"
    tuples.write_text(
        "".join(
            f"user-{n % 50},{chosen.randint(1, 223)}.{chosen.randint(0, 255)}.{n % 7}.{chosen.randint(0, 255)}\n"
            for n in range(2000)
        )
    )
    model = tmp_path / "model"
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        result = secml(
            "train", "--backend", "local", "--train", tuples, "--model", model, "--epochs", "1",
            "--learning-rate", "10", "--num-ip-encoder-layers", "20", "--vector-dim", "256",
            "--num-entity-vectors", "100", "--mini-batch-size", "100",
        )  # fmt: skip
    assert result.status == 2
    assert "training diverged in epoch 1 (loss nan, weights not finite): lower learning_rate (now 10)" in result.err
    assert not model.exists()
    assert [w for w in warned if issubclass(w.category, RuntimeWarning)] == []
