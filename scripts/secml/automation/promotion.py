"""The promotion step after training: export the scoring artefact, calibrate the threshold on
the held-out pairs (as the batch report does: secml.report.threshold), read the validation AUC,
and hand the candidate to the registry, which promotes it or refuses it."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secml.automation.artefact import artefact_bytes
from secml.automation.registry import DEFAULT_AUC_TOLERANCE, Decision, candidate_entry, iso_now, promote
from secml.core import storage
from secml.core.errors import InputError
from secml.ipinsights.backend import MANIFEST, METRICS
from secml.ipinsights.metrics import DISCRIMINATOR_AUC
from secml.report import join, threshold
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE

ARTEFACT_NAME = "scoring-artefact.bin"


@dataclass(frozen=True)
class Candidate:
    """A trained model ready to be judged: where it is, what it was trained on, and how it did."""

    model_uri: str
    validation_scores: str
    training_window: dict[str, Any]


def model_id_of(model_uri: str) -> str:
    """The model folder's last component (the run name: sortable UTC time)."""
    return model_uri.rstrip("/").rsplit("/", 1)[-1]


def _json(location: str) -> dict[str, Any]:
    if not storage.exists(location):
        raise InputError(f"{location} is missing: train the model first")
    document: dict[str, Any] = json.loads(storage.read_bytes(location))
    return document


def promote_trained_model(
    models_prefix: str,
    registry: str,
    candidate: Candidate,
    false_positive_rate: float = DEFAULT_FALSE_POSITIVE_RATE,
    tolerance: float = DEFAULT_AUC_TOLERANCE,
) -> Decision:
    """Judge a trained model and promote it when it is good enough. Its artefact goes to
    `<models_prefix>/<model id>/` first, so the registry never names a missing artefact; a
    refused candidate's artefact is removed again (its decision stays in the history)."""
    from secml.ipinsights import model_file  # numba compiles on import: only when used

    manifest = _json(storage.child(candidate.model_uri, MANIFEST))
    if manifest.get("backend") != "local":
        raise InputError(
            f"{candidate.model_uri} was trained by the {manifest.get('backend')} backend; the scorer serves "
            "local-engine models (a SageMaker artefact cannot be converted faithfully: train with --backend local)"
        )
    metrics = _json(storage.child(candidate.model_uri, METRICS))
    scores = join.parse_scores(storage.read_bytes(candidate.validation_scores).decode("utf-8"))
    normal = threshold.normal_scores(scores)
    chosen = threshold.calibrate(normal, false_positive_rate)
    model_id = model_id_of(candidate.model_uri)
    artefact = storage.child(storage.child(models_prefix, model_id), ARTEFACT_NAME)
    with tempfile.TemporaryDirectory(prefix="secml-export-") as folder:
        local = Path(folder) / "model.npz"
        storage.download(storage.child(candidate.model_uri, manifest["artefact"]), local)
        exported = Path(folder) / ARTEFACT_NAME
        exported.write_bytes(artefact_bytes(model_file.load(local), candidate.model_uri))
        storage.upload(exported, artefact)
    auc = metrics.get(DISCRIMINATOR_AUC)
    entry = candidate_entry(
        model_id=model_id,
        artefact=artefact,
        backend="local",
        source_model=candidate.model_uri,
        threshold={
            "value": chosen.value,
            "how": chosen.how,
            "false_positive_rate": chosen.false_positive_rate,
            "calibration_pairs": int(normal.size),
        },
        training_window=candidate.training_window,
        validation_auc=float(auc) if isinstance(auc, (int, float)) else None,
        trained_at=iso_now(),
    )
    decision = promote(registry, entry, tolerance)
    if not decision.promoted:
        storage.delete(artefact)
    return decision
