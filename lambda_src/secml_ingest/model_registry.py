"""The model registry document, `s3://<tuples bucket>/models/current.json`: which model scores live
findings, against which threshold. The scorer reads it on every invocation (one small GET, so a
promotion takes effect at once); the driver writes it (secml.automation.registry), promotion
being one atomic overwrite of this object.

Shape (REGISTRY_SCHEMA):
    {"schema": ..., "current": {model entry} | null, "history": [decision, ...]}
A model entry: model_id, format and what that format serves from, backend, source_model,
threshold {value, how, false_positive_rate, calibration_pairs}, training_window {start, end,
pairs, source}, validation_auc, trained_at, promoted_at, previous {model_id, format, artefact,
endpoint, validation_auc, threshold} | null. The two formats:
- ARTEFACT_FORMAT (a local-engine model): artefact, the s3:// URI of the compact scoring artefact;
- ENDPOINT_FORMAT (a SageMaker-trained model): endpoint, the name of the SageMaker endpoint that
  serves it, and principals, the s3:// URI of its training principals (gzip text, one a line).
A decision: at, decision (promoted | refused), model_id, validation_auc, current_auc, tolerance,
reason.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

from secml_ingest.scoring_artefact import FORMAT, FORMAT_VERSION

REGISTRY_KEY = "models/current.json"
REGISTRY_SCHEMA = "secml-model-registry/1"
ARTEFACT_FORMAT = f"{FORMAT}/{FORMAT_VERSION}"
ENDPOINT_FORMAT = "sagemaker-endpoint/1"
# SageMaker's endpoint name pattern (CreateEndpoint's EndpointName).
_ENDPOINT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")


class ModelUnavailableError(Exception):
    """No model can score: the registry is missing, damaged, or names nothing servable."""


@dataclass(frozen=True)
class ArtefactServing:
    """ARTEFACT_FORMAT: the scoring artefact's s3:// URI."""

    artefact: str


@dataclass(frozen=True)
class EndpointServing:
    """ENDPOINT_FORMAT: the SageMaker endpoint's name and the principals list's s3:// URI."""

    endpoint: str
    principals: str


@dataclass(frozen=True)
class ServedModel:
    """What the scorer needs of the registry's current entry (URIs and names already checked)."""

    model_id: str
    threshold: float
    serving: ArtefactServing | EndpointServing


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def _s3_uri(value: object) -> str:
    """`value`, once it is known to be an s3://bucket/key URI."""
    if not isinstance(value, str):
        raise TypeError(f"expected an s3:// URI, got {value!r}")
    split_s3_uri(value)
    return value


def served_model(text: str | bytes, where: str) -> ServedModel:
    """The current model of a registry document, or ModelUnavailableError saying what is wrong."""
    try:
        document = json.loads(text)
        current = document.get("current") if isinstance(document, dict) else None
        if isinstance(document, dict) and document.get("schema") != REGISTRY_SCHEMA:
            raise ModelUnavailableError(f"{where} has schema {document.get('schema')!r}, not {REGISTRY_SCHEMA!r}")
        if not isinstance(current, dict):
            raise ModelUnavailableError(f"{where} names no current model: promote one (make exercise3)")
        served_format = current.get("format")
        if served_format not in (ARTEFACT_FORMAT, ENDPOINT_FORMAT):
            raise ModelUnavailableError(
                f"{where}: model format {served_format!r} is not one this scorer serves "
                f"({ARTEFACT_FORMAT!r} or {ENDPOINT_FORMAT!r})"
            )
        threshold = float(current["threshold"]["value"])
        if not math.isfinite(threshold):
            raise ValueError(f"threshold {threshold} is not finite")
        model_id = str(current["model_id"])
        if served_format == ARTEFACT_FORMAT:
            return ServedModel(model_id, threshold, ArtefactServing(_s3_uri(current["artefact"])))
        endpoint = current["endpoint"]
        if not isinstance(endpoint, str) or not _ENDPOINT_NAME.fullmatch(endpoint):
            raise ValueError(f"endpoint {endpoint!r} is not a SageMaker endpoint name")
        return ServedModel(model_id, threshold, EndpointServing(endpoint, _s3_uri(current["principals"])))
    except ModelUnavailableError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:  # JSONDecodeError is a ValueError
        raise ModelUnavailableError(f"{where} is damaged: {type(error).__name__}: {error}") from None
