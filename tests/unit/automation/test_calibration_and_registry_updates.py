"""The rules the driver and the promoter Lambda share (secml_ingest.calibration,
secml_ingest.registry_updates): one copy, the same results either way."""

from __future__ import annotations

import json

import numpy as np
import pytest

from secml.report import threshold
from secml_ingest import calibration, registry_updates
from secml_ingest.registry_updates import PROMOTED, REFUSED


@pytest.mark.parametrize("size", [1, 7, 100, 1001, 20_000])
@pytest.mark.parametrize("rate", [0.01, 0.05, 0.5])
def test_the_pure_rule_gives_the_driver_s_threshold_to_the_bit(size: int, rate: float) -> None:
    scores = np.random.default_rng(size).normal(2.0, 3.0, size)
    scores[: size // 10] = scores[0]  # ties
    chosen = calibration.calibrate(scores.tolist(), rate)
    driver = threshold.calibrate(scores, rate)
    assert chosen.value == driver.value and driver.how == chosen.how()
    assert chosen.below == int(np.count_nonzero(scores < chosen.value)) <= rate * size
    assert chosen.value == float(np.sort(scores)[int(np.floor(rate * size))])


def test_the_pure_rule_refuses_what_the_driver_refuses() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        calibration.calibrate([1.0], 1.0)
    with pytest.raises(ValueError, match="no scored training pairs"):
        calibration.calibrate([], 0.01)


def _entry(model_id: str, auc: float | None) -> dict[str, object]:
    return registry_updates.candidate_entry(
        model_id=model_id, backend="sagemaker", source_model="s3://b/m", threshold={"value": 0.0},
        training_window={}, validation_auc=auc, trained_at="t", endpoint=f"{model_id}-serverless",
        principals=f"s3://b/models/{model_id}/principals.txt.gz",
    )  # fmt: skip


def test_a_candidate_is_decided_recorded_and_a_retry_finds_the_decision() -> None:
    document = registry_updates.parse_registry(None, "s3://b/models/current.json")
    first = registry_updates.apply_candidate(document, _entry("m1", 0.9), 0.01, now=0)
    assert first.promoted and first.reason == "no current model"
    worse = registry_updates.apply_candidate(document, _entry("m2", 0.8), 0.01, now=1)
    assert not worse.promoted and "worse than the current 0.9000" in worse.reason
    assert document["current"]["model_id"] == "m1"
    close = registry_updates.apply_candidate(document, _entry("m3", 0.895), 0.01, now=2)
    assert close.promoted and document["current"]["previous"]["endpoint"] == "m1-serverless"
    refused = registry_updates.apply_refusal(document, "m4", None, 0.01, "no validation channel", now=3)
    assert not refused.promoted and refused.before is not None and refused.before["model_id"] == "m3"
    assert [(r["model_id"], r["decision"]) for r in document["history"]] == [
        ("m1", PROMOTED), ("m2", REFUSED), ("m3", PROMOTED), ("m4", REFUSED)
    ]  # fmt: skip
    assert registry_updates.decided(document, "m2")["decision"] == REFUSED
    assert registry_updates.decided(document, "m9") is None
    parsed = registry_updates.parse_registry(registry_updates.registry_bytes(document), "w")
    assert parsed == json.loads(json.dumps(document))


def test_a_damaged_registry_or_a_negative_tolerance_is_refused() -> None:
    with pytest.raises(registry_updates.RegistryDamagedError, match="damaged"):
        registry_updates.parse_registry(b"{", "s3://b/models/current.json")
    with pytest.raises(registry_updates.RegistryDamagedError, match="not a secml-model-registry/1"):
        registry_updates.parse_registry(b"{}", "w")
    with pytest.raises(ValueError, match="tolerance"):
        registry_updates.apply_candidate(registry_updates.empty_registry(), _entry("m", 0.9), -0.1)
