"""The model registry document, `s3://<tuples bucket>/models/current.json`: which model scores live
findings, against which threshold. The scorer reads it on every invocation (one small GET, so a
promotion takes effect at once); the driver writes it (secml.automation.registry), promotion
being one atomic overwrite of this object.

Shape (REGISTRY_SCHEMA):
    {"schema": ..., "current": {model entry} | null, "history": [decision, ...]}
A model entry: model_id, artefact (s3:// URI of the scoring artefact), format, backend,
source_model, threshold {value, how, false_positive_rate, calibration_pairs}, training_window
{start, end, pairs, source}, validation_auc, trained_at, promoted_at, previous {model_id,
artefact, validation_auc} | null. A decision: at, decision (promoted | refused), model_id,
validation_auc, current_auc, tolerance, reason.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from secml_ingest.scoring_artefact import FORMAT, FORMAT_VERSION

REGISTRY_KEY = "models/current.json"
REGISTRY_SCHEMA = "secml-model-registry/1"
ARTEFACT_FORMAT = f"{FORMAT}/{FORMAT_VERSION}"


class ModelUnavailableError(Exception):
    """No model can score: the registry is missing, damaged, or names nothing servable."""


@dataclass(frozen=True)
class ServedModel:
    """What the scorer needs of the registry's current entry."""

    model_id: str
    artefact_bucket: str
    artefact_key: str
    threshold: float


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def served_model(text: str | bytes, where: str) -> ServedModel:
    """The current model of a registry document, or ModelUnavailableError saying what is wrong."""
    try:
        document = json.loads(text)
        current = document.get("current") if isinstance(document, dict) else None
        if isinstance(document, dict) and document.get("schema") != REGISTRY_SCHEMA:
            raise ModelUnavailableError(f"{where} has schema {document.get('schema')!r}, not {REGISTRY_SCHEMA!r}")
        if not isinstance(current, dict):
            raise ModelUnavailableError(f"{where} names no current model: promote one (make exercise3)")
        if current.get("format") != ARTEFACT_FORMAT:
            raise ModelUnavailableError(f"{where}: model format {current.get('format')!r} is not {ARTEFACT_FORMAT!r}")
        threshold = float(current["threshold"]["value"])
        if not math.isfinite(threshold):
            raise ValueError(f"threshold {threshold} is not finite")
        bucket, key = split_s3_uri(str(current["artefact"]))
        return ServedModel(str(current["model_id"]), bucket, key, threshold)
    except ModelUnavailableError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # JSONDecodeError is a ValueError
        raise ModelUnavailableError(f"{where} is damaged: {type(error).__name__}: {error}") from None
