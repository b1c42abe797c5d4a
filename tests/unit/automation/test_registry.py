"""The model registry: promotion, refusal when worse, the history, and what the scorer makes of a
missing or damaged pointer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secml.automation.registry import PROMOTED, REFUSED, candidate_entry, promote, read_registry
from secml.core.errors import InputError
from secml_ingest.model_registry import ArtefactServing, EndpointServing, ModelUnavailableError, served_model


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


def served_entry() -> dict:
    """An entry served by an endpoint (a SageMaker-trained model)."""
    fields = entry("m1", 0.9)
    del fields["artefact"]
    return fields | {
        "format": "sagemaker-endpoint/1",
        "endpoint": "secml-ipinsights-m1-serverless",
        "principals": "s3://tuples/models/m1/principals.txt.gz",
    }


def test_an_entry_is_served_from_an_artefact_or_by_an_endpoint() -> None:
    document = {"schema": "secml-model-registry/1", "current": served_entry(), "history": []}
    served = served_model(json.dumps(document), "s3://tuples/models/current.json")
    assert served.serving == EndpointServing(
        "secml-ipinsights-m1-serverless", "s3://tuples/models/m1/principals.txt.gz"
    )
    built = candidate_entry(
        model_id="m1", backend="sagemaker", source_model="s3://tuples/model/m1", threshold={"value": -0.5},
        training_window={}, validation_auc=0.9, trained_at="2026-01-01T00:00:00Z",
        endpoint="secml-ipinsights-m1-serverless", principals="s3://tuples/models/m1/principals.txt.gz",
    )  # fmt: skip
    assert {k: built[k] for k in ("format", "endpoint", "principals")} == {
        k: served_entry()[k] for k in ("format", "endpoint", "principals")
    }
    assert "artefact" not in built
    with pytest.raises(InputError, match="names an artefact, or an endpoint and its principals list"):
        candidate_entry(
            model_id="m1", backend="sagemaker", source_model="", threshold={}, training_window={},
            validation_auc=None, trained_at="", endpoint="secml-ipinsights-m1-serverless",
        )  # fmt: skip


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
    assert (served.model_id, served.threshold) == ("m2", -0.5)
    assert served.serving == ArtefactServing("s3://tuples/models/m2/scoring-artefact.bin")


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
        (json.dumps({"schema": "secml-model-registry/1", "current": served_entry() | {"endpoint": None}}), "damaged"),
        (json.dumps({"schema": "secml-model-registry/1", "current": served_entry() | {"endpoint": "a b"}}), "name"),
        (
            json.dumps({"schema": "secml-model-registry/1", "current": served_entry() | {"principals": "p.txt.gz"}}),
            "not an s3://bucket/key URI",
        ),
        (
            json.dumps({"schema": "secml-model-registry/1", "current": entry("m1", 0.9) | {"artefact": None}}),
            "expected an s3:// URI",
        ),
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
