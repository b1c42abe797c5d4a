"""Changes to the model registry document (secml_ingest.model_registry describes it): build a
candidate entry, decide whether it replaces the current one, and record the decision. The one
copy of these rules: the driver (secml.automation.registry, exercise 3) and the promoter Lambda
(model_promoter, after a scheduled training job) both apply them, each doing its own I/O.

A candidate is refused when its validation AUC is worse than the current model's by more than the
tolerance (or it has none while the current one has); either way the decision is appended to the
history, so every promotion and refusal stays on record. The caller writes the document back with
one PutObject (atomic on S3: readers see the old or the new document, never a mix). One writer at
a time is assumed (the schedule's promoter, or a person running exercise 3).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from secml_ingest.model_registry import ARTEFACT_FORMAT, ENDPOINT_FORMAT, REGISTRY_SCHEMA

# A retrained model may be this much worse on validation AUC (noise between runs) and still win.
DEFAULT_AUC_TOLERANCE = 0.01
HISTORY_LIMIT = 200
PROMOTED = "promoted"
REFUSED = "refused"
# What a promotion keeps of the entry it replaces.
PREVIOUS_KEYS = ("model_id", "format", "artefact", "endpoint", "validation_auc", "threshold")


class RegistryDamagedError(ValueError):
    """The stored document is not a registry: promoting over it would erase its history."""


def empty_registry() -> dict[str, Any]:
    return {"schema": REGISTRY_SCHEMA, "current": None, "history": []}


def parse_registry(data: bytes | None, where: str) -> dict[str, Any]:
    """The registry document in `data` (None: none stored yet, an empty registry)."""
    if data is None:
        return empty_registry()
    try:
        document = json.loads(data)
    except ValueError as error:
        raise RegistryDamagedError(f"{where} is damaged ({error}); repair or delete it before promoting") from None
    if not isinstance(document, dict) or document.get("schema") != REGISTRY_SCHEMA:
        raise RegistryDamagedError(f"{where} is not a {REGISTRY_SCHEMA} document; repair or delete it before promoting")
    return document


def registry_bytes(document: Mapping[str, Any]) -> bytes:
    return json.dumps(document, indent=2, sort_keys=True).encode("utf-8")


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
    list; ValueError for any other combination."""
    served: dict[str, Any]
    if artefact is not None and endpoint is None and principals is None:
        served = {"format": ARTEFACT_FORMAT, "artefact": artefact}
    elif artefact is None and endpoint is not None and principals is not None:
        served = {"format": ENDPOINT_FORMAT, "endpoint": endpoint, "principals": principals}
    else:
        raise ValueError("a model entry names an artefact, or an endpoint and its principals list")
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
    """Whether `candidate` (an entry, or anything with its validation_auc) replaces `current`, and why."""
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


@dataclass(frozen=True)
class Decision:
    """The decision on a candidate; `before`: the current entry it was judged against (None when
    there was none), so that the caller knows what a promotion replaced."""

    promoted: bool
    reason: str
    record: dict[str, Any]
    before: dict[str, Any] | None = None


def _record(
    document: Mapping[str, Any],
    model_id: str,
    auc: float | None,
    tolerance: float,
    promoted: bool,
    reason: str,
    at: str,
) -> dict[str, Any]:
    current = document.get("current")
    return {
        "at": at,
        "decision": PROMOTED if promoted else REFUSED,
        "model_id": model_id,
        "validation_auc": auc,
        "current_model_id": current.get("model_id") if current else None,
        "current_auc": current.get("validation_auc") if current else None,
        "tolerance": tolerance,
        "reason": reason,
    }


def _check_tolerance(tolerance: float) -> None:
    if not tolerance >= 0:
        raise ValueError(f"AUC tolerance must be >= 0, got {tolerance}")


def apply_candidate(
    document: dict[str, Any], candidate: Mapping[str, Any], tolerance: float, now: float | None = None
) -> Decision:
    """Decide on `candidate` against `document`'s current entry and record it in `document`
    (changed in place: history appended and, when promoted, `current` replaced, its `previous`
    naming the model it replaces). The caller writes `document` back, once."""
    _check_tolerance(tolerance)
    current = document.get("current")
    promoted, reason = decide(current, candidate, tolerance)
    at = iso_now(now)
    record = _record(
        document, str(candidate["model_id"]), candidate.get("validation_auc"), tolerance, promoted, reason, at
    )
    if promoted:
        previous = {key: current[key] for key in PREVIOUS_KEYS if key in current} if current else None
        document["current"] = {**candidate, "promoted_at": at, "previous": previous}
    document["history"] = [*document.get("history", []), record][-HISTORY_LIMIT:]
    return Decision(promoted, reason, record, current)


def apply_refusal(
    document: dict[str, Any],
    model_id: str,
    validation_auc: float | None,
    tolerance: float,
    reason: str,
    now: float | None = None,
) -> Decision:
    """Record a refusal decided before a candidate entry could be built (no held-out pairs, or
    the AUC alone already refuses it) in `document`'s history."""
    _check_tolerance(tolerance)
    record = _record(document, model_id, validation_auc, tolerance, False, reason, iso_now(now))
    document["history"] = [*document.get("history", []), record][-HISTORY_LIMIT:]
    return Decision(False, reason, record, document.get("current"))


def decided(document: Mapping[str, Any], model_id: str) -> dict[str, Any] | None:
    """The recorded decision on `model_id`, if any (a retried promotion must not decide twice)."""
    for record in reversed(document.get("history") or []):
        if isinstance(record, dict) and record.get("model_id") == model_id:
            return record
    return None
