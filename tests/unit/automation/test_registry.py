"""The model registry: promotion, refusal when worse, the history, and what the scorer makes of a
missing or damaged pointer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secml.automation.registry import PROMOTED, REFUSED, candidate_entry, promote, read_registry
from secml.core.errors import InputError
from secml_ingest.model_registry import ModelUnavailableError, served_model


def entry(model_id: str, auc: float | None) -> dict:
    return candidate_entry(
        model_id=model_id,
        artefact=f"s3://tuples/models/{model_id}/scoring-artefact.bin",
        backend="local",
        source_model=f"s3://tuples/model/{model_id}",
        threshold={"value": -0.5, "how": "calibrated", "false_positive_rate": 0.01, "calibration_pairs": 100},
        training_window={"source": "s3://tuples/train/cloudtrail_tuples.csv", "pairs": 1000},
        validation_auc=auc,
        trained_at="2026-01-01T00:00:00Z",
    )


def test_promotion_refused_when_the_new_model_is_worse_and_every_decision_is_kept(tmp_path: Path) -> None:
    registry = str(tmp_path / "models" / "current.json")
    first = promote(registry, entry("m1", 0.95), tolerance=0.01)
    close = promote(registry, entry("m2", 0.945), tolerance=0.01)
    worse = promote(registry, entry("m3", 0.90), tolerance=0.01)
    assert (first.promoted, close.promoted, worse.promoted) == (True, True, False)
    assert "worse than the current 0.9450" in worse.reason
    document = read_registry(registry)
    assert document["current"]["model_id"] == "m2"
    assert document["current"]["previous"]["model_id"] == "m1"
    assert [(h["model_id"], h["decision"]) for h in document["history"]] == [
        ("m1", PROMOTED),
        ("m2", PROMOTED),
        ("m3", REFUSED),
    ]
    served = served_model(Path(registry).read_text(), registry)
    assert (served.model_id, served.artefact_key, served.threshold) == ("m2", "models/m2/scoring-artefact.bin", -0.5)


def test_a_damaged_registry_is_not_promoted_over(tmp_path: Path) -> None:
    registry = tmp_path / "current.json"
    registry.write_text("{not json")
    with pytest.raises(InputError, match="damaged"):
        promote(str(registry), entry("m1", 0.9))
    assert registry.read_text() == "{not json"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is damaged"),
        (json.dumps({"schema": "secml-model-registry/1", "current": None, "history": []}), "names no current model"),
        (json.dumps({"schema": "other"}), "schema 'other'"),
        (json.dumps({"schema": "secml-model-registry/1", "current": {"format": "x"}}), "model format 'x'"),
        (
            json.dumps(
                {"schema": "secml-model-registry/1", "current": entry("m1", 0.9) | {"threshold": {"value": "nan"}}}
            ),
            "not finite",
        ),
    ],
)
def test_the_scorer_says_clearly_why_a_pointer_names_no_model(text: str, message: str) -> None:
    with pytest.raises(ModelUnavailableError, match=message):
        served_model(text, "s3://tuples/models/current.json")
