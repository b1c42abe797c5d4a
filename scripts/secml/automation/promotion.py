"""The promotion step after training: calibrate the threshold on the held-out pairs (as the batch
report does: secml.report.threshold), read the validation AUC, make the model servable, and hand
the candidate to the registry, which promotes it or refuses it.

How a model is served follows its backend:
- local engine: exported as the compact scoring artefact under `<models prefix>/<model id>/`;
- SageMaker: a serverless endpoint of the built-in IP Insights image (with its model and config,
  all of one name, tagged so that `secml cleanup` and `make down` delete them), waited for until
  InService; its training principals are copied to `<models prefix>/<model id>/` (the scorer's
  role reads models/ only). SageMaker's Serverless Inference documentation excludes no built-in
  algorithm, and no AWS example pairs it with IP Insights: supported as documented, not verified
  on AWS here. It bills per request and duration, nothing while idle.
A refused candidate's artefact or endpoint is removed again (its decision stays in the history);
an endpoint a promotion replaced is deleted once the registry no longer names it, never before.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from secml.automation.artefact import artefact_bytes
from secml.automation.registry import (
    DEFAULT_AUC_TOLERANCE,
    Decision,
    candidate_entry,
    iso_now,
    promote,
    read_registry,
)
from secml.core import storage
from secml.core.errors import InputError
from secml.ipinsights import sagemaker_jobs
from secml.ipinsights.backend import MANIFEST, METRICS
from secml.ipinsights.metrics import DISCRIMINATOR_AUC
from secml.ipinsights.sagemaker_backend import PRINCIPALS
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
    boto_session: boto3.Session | None = None,
    serverless: sagemaker_jobs.Serverless | None = None,
) -> Decision:
    """Judge a trained model and promote it when it is good enough. It is made servable first
    (artefact or endpoint), so the registry never names a model that cannot score."""
    read_registry(registry)  # a damaged registry refuses the candidate before anything is created
    manifest = _json(storage.child(candidate.model_uri, MANIFEST))
    backend = manifest.get("backend")
    if backend not in ("local", "sagemaker"):
        raise InputError(f"{candidate.model_uri} was trained by an unknown backend {backend!r}")
    metrics = _json(storage.child(candidate.model_uri, METRICS))
    scores = join.parse_scores(storage.read_bytes(candidate.validation_scores).decode("utf-8"))
    normal = threshold.normal_scores(scores)
    chosen = threshold.calibrate(normal, false_positive_rate)
    model_id = model_id_of(candidate.model_uri)
    folder = storage.child(models_prefix, model_id)
    session = boto_session or boto3.Session()
    if backend == "local":
        served = {"artefact": _export_artefact(candidate.model_uri, manifest, folder)}
    else:
        served = _serve_on_endpoint(session, manifest, candidate.model_uri, folder, serverless)
    auc = metrics.get(DISCRIMINATOR_AUC)
    entry = candidate_entry(
        model_id=model_id,
        backend=str(backend),
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
        **served,
    )
    decision = promote(registry, entry, tolerance)
    before = decision.before or {}
    if not decision.promoted and before.get("model_id") != model_id:
        _withdraw(session, served)
    replaced = before.get("endpoint")
    if decision.promoted and replaced and replaced != served.get("endpoint"):
        sagemaker_jobs.delete_endpoint(session, str(replaced))  # the registry names it no more
    return decision


def _export_artefact(model_uri: str, manifest: dict[str, Any], folder: str) -> str:
    """The local-engine model's scoring artefact, written to `folder`; its URI."""
    from secml.ipinsights import model_file  # numba compiles on import: only when used

    artefact = storage.child(folder, ARTEFACT_NAME)
    with tempfile.TemporaryDirectory(prefix="secml-export-") as work:
        local = Path(work) / "model.npz"
        storage.download(storage.child(model_uri, manifest["artefact"]), local)
        exported = Path(work) / ARTEFACT_NAME
        exported.write_bytes(artefact_bytes(model_file.load(local), model_uri))
        storage.upload(exported, artefact)
    return artefact


def _serve_on_endpoint(
    session: boto3.Session,
    manifest: dict[str, Any],
    model_uri: str,
    folder: str,
    serverless: sagemaker_jobs.Serverless | None,
) -> dict[str, str]:
    """A SageMaker-trained model on its serverless endpoint (created, or reused when it exists),
    with its principals list copied to `folder`: the registry entry's endpoint and principals."""
    role_arn = manifest.get("role_arn")
    if not role_arn:
        raise InputError(f"{model_uri}: its manifest names no execution role to serve the model with")
    principals = storage.child(folder, PRINCIPALS)
    storage.write_bytes(principals, storage.read_bytes(storage.child(model_uri, manifest["principals"])))
    endpoint = sagemaker_jobs.ensure_endpoint(
        session,
        name=sagemaker_jobs.serverless_endpoint_name(manifest["training_job_name"]),
        image=manifest["image"],
        model_data=manifest["model_data"],
        settings=sagemaker_jobs.Settings(role_arn=role_arn, kms_key_arn=manifest.get("kms_key_arn")),
        serverless=serverless or sagemaker_jobs.Serverless(),
    )
    return {"endpoint": endpoint, "principals": principals}


def _withdraw(session: boto3.Session, served: dict[str, str]) -> None:
    """Remove what made a refused candidate servable."""
    if "artefact" in served:
        storage.delete(served["artefact"])
        return
    storage.delete(served["principals"])
    sagemaker_jobs.delete_endpoint(session, served["endpoint"])
