"""The model registry's driver side: read and write `models/current.json` through secml's storage
and apply secml_ingest.registry_updates, the one copy of the candidate, decision and history rules
(the promoter Lambda applies them too; secml_ingest.model_registry describes the document, the
scorer reads it).

Promotion is one PutObject of `models/current.json` (atomic on S3: readers see the old or the new
document, never a mix). A candidate is refused when its validation AUC is worse than the current
model's by more than the tolerance; either way the decision is appended to the history, so every
promotion and refusal stays on record. One writer at a time is assumed (the schedule, or a
person running exercise 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secml.core import storage
from secml.core.errors import InputError
from secml_ingest import registry_updates
from secml_ingest.model_registry import REGISTRY_KEY
from secml_ingest.registry_updates import (
    DEFAULT_AUC_TOLERANCE,
    HISTORY_LIMIT,
    PROMOTED,
    REFUSED,
    Decision,
    decide,
    empty_registry,
    iso_now,
)

__all__ = [
    "DEFAULT_AUC_TOLERANCE",
    "HISTORY_LIMIT",
    "PROMOTED",
    "REFUSED",
    "Decision",
    "candidate_entry",
    "decide",
    "empty_registry",
    "iso_now",
    "promote",
    "read_registry",
    "registry_location",
]


def registry_location(bucket: str) -> str:
    return f"s3://{bucket}/{REGISTRY_KEY}"


def read_registry(location: str) -> dict[str, Any]:
    """The registry document, an empty one when none exists yet; a damaged one is an error
    (promoting over it would erase its history)."""
    data = storage.read_bytes(location) if storage.exists(location) else None
    try:
        return registry_updates.parse_registry(data, location)
    except registry_updates.RegistryDamagedError as error:
        raise InputError(str(error)) from error


def candidate_entry(**fields: Any) -> dict[str, Any]:
    """A model entry (secml_ingest.registry_updates.candidate_entry), InputError when it names
    neither an artefact nor an endpoint with its principals list."""
    try:
        return registry_updates.candidate_entry(**fields)
    except ValueError as error:
        raise InputError(str(error)) from error


def promote(
    location: str, candidate: Mapping[str, Any], tolerance: float = DEFAULT_AUC_TOLERANCE, now: float | None = None
) -> Decision:
    """Decide on `candidate`, record the decision in the history and, when promoted, make it
    current (its `previous` naming the model it replaces). One write either way."""
    if tolerance < 0:
        raise InputError(f"AUC tolerance must be >= 0, got {tolerance}")
    document = read_registry(location)
    decision = registry_updates.apply_candidate(document, candidate, tolerance, now)
    storage.write_bytes(location, registry_updates.registry_bytes(document))
    return decision
