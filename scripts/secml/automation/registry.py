"""The model registry's driver side: build a candidate entry from a trained model, decide whether
it replaces the current one, and write the decision (secml_ingest.model_registry describes the
document; the scorer reads it).

Promotion is one PutObject of `models/current.json` (atomic on S3: readers see the old or the new
document, never a mix). A candidate is refused when its validation AUC is worse than the current
model's by more than the tolerance; either way the decision is appended to the history, so every
promotion and refusal stays on record. One writer at a time is assumed (the schedule, or a
person running exercise 3).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from secml.core import storage
from secml.core.errors import InputError
from secml_ingest.model_registry import ARTEFACT_FORMAT, ENDPOINT_FORMAT, REGISTRY_KEY, REGISTRY_SCHEMA

# A retrained model may be this much worse on validation AUC (noise between runs) and still win.
DEFAULT_AUC_TOLERANCE = 0.01
HISTORY_LIMIT = 200
PROMOTED = "promoted"
REFUSED = "refused"


def registry_location(bucket: str) -> str:
    return f"s3://{bucket}/{REGISTRY_KEY}"


def empty_registry() -> dict[str, Any]:
    return {"schema": REGISTRY_SCHEMA, "current": None, "history": []}


def read_registry(location: str) -> dict[str, Any]:
    """The registry document, an empty one when none exists yet; a damaged one is an error
    (promoting over it would erase its history)."""
    if not storage.exists(location):
        return empty_registry()
    try:
        document = json.loads(storage.read_bytes(location))
    except ValueError as error:
        raise InputError(f"{location} is damaged ({error}); repair or delete it before promoting") from error
    if not isinstance(document, dict) or document.get("schema") != REGISTRY_SCHEMA:
        raise InputError(f"{location} is not a {REGISTRY_SCHEMA} document; repair or delete it before promoting")
    return document


@dataclass(frozen=True)
class Decision:
    """The decision on a candidate; `before`: the current entry it was judged against (None when
    there was none), so that the caller knows what a promotion replaced."""

    promoted: bool
    reason: str
    record: dict[str, Any]
    before: dict[str, Any] | None = None


def iso_now(now: float | None = None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() if now is None else now))


def candidate_entry(
    *,
    model_id: str,
    backend: str,
    source_model: str,
    threshold: Mapping[str, Any],
    training_window: Mapping[str, Any],
    validation_auc: float | None,
    trained_at: str,
    artefact: str | None = None,
    endpoint: str | None = None,
    principals: str | None = None,
) -> dict[str, Any]:
    """A model entry served from a scoring `artefact`, or by an `endpoint` with its `principals`
    list (secml_ingest.model_registry describes both formats)."""
    if artefact is not None and endpoint is None and principals is None:
        served = {"format": ARTEFACT_FORMAT, "artefact": artefact}
    elif artefact is None and endpoint is not None and principals is not None:
        served = {"format": ENDPOINT_FORMAT, "endpoint": endpoint, "principals": principals}
    else:
        raise InputError("a model entry names an artefact, or an endpoint and its principals list")
    return {
        "model_id": model_id,
        **served,
        "backend": backend,
        "source_model": source_model,
        "threshold": dict(threshold),
        "training_window": dict(training_window),
        "validation_auc": validation_auc,
        "trained_at": trained_at,
    }


def decide(current: Mapping[str, Any] | None, candidate: Mapping[str, Any], tolerance: float) -> tuple[bool, str]:
    """Whether `candidate` replaces `current`, and why."""
    new_auc = candidate.get("validation_auc")
    if current is None:
        return True, "no current model"
    old_auc = current.get("validation_auc")
    if old_auc is None:
        return True, "the current model has no validation AUC to compare with"
    if new_auc is None:
        return False, f"the candidate has no validation AUC; the current model has {old_auc:.4f}"
    if new_auc < old_auc - tolerance:
        return False, f"validation AUC {new_auc:.4f} is worse than the current {old_auc:.4f} by more than {tolerance}"
    return True, f"validation AUC {new_auc:.4f} vs current {old_auc:.4f} (tolerance {tolerance})"


def promote(
    location: str, candidate: Mapping[str, Any], tolerance: float = DEFAULT_AUC_TOLERANCE, now: float | None = None
) -> Decision:
    """Decide on `candidate`, record the decision in the history and, when promoted, make it
    current (its `previous` naming the model it replaces). One write either way."""
    if tolerance < 0:
        raise InputError(f"AUC tolerance must be >= 0, got {tolerance}")
    document = read_registry(location)
    current = document.get("current")
    promoted, reason = decide(current, candidate, tolerance)
    at = iso_now(now)
    record = {
        "at": at,
        "decision": PROMOTED if promoted else REFUSED,
        "model_id": candidate["model_id"],
        "validation_auc": candidate.get("validation_auc"),
        "current_model_id": current.get("model_id") if current else None,
        "current_auc": current.get("validation_auc") if current else None,
        "tolerance": tolerance,
        "reason": reason,
    }
    if promoted:
        previous = (
            {
                key: current[key]
                for key in ("model_id", "format", "artefact", "endpoint", "validation_auc", "threshold")
                if key in current
            }
            if current
            else None
        )
        document["current"] = {**candidate, "promoted_at": at, "previous": previous}
    document["history"] = [*document.get("history", []), record][-HISTORY_LIMIT:]
    storage.write_bytes(location, json.dumps(document, indent=2, sort_keys=True).encode("utf-8"))
    return Decision(promoted, reason, record, current)
