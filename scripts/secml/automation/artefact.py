"""Export a local-engine model (secml.ipinsights.model.LocalModel) as the compact scoring
artefact the scorer Lambda reads in pure Python (layout: secml_ingest.scoring_artefact).

Kept: the entity rows of the principals seen in training (deduplicated: principals may share a
hashed slot), the dense layers (weights transposed) and the whole prefix table, bit for bit, so
the Lambda's score is the engine's score up to float summation order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from secml.ipinsights.entities import ENTITY_HASH_SCHEME, hash_slots
from secml.ipinsights.model import LocalModel
from secml_ingest.scoring_artefact import (
    ENTITY_SECTION,
    FORMAT,
    FORMAT_VERSION,
    PREFIX_SECTION,
    pack_header,
)


def _little_endian_float32(values: np.ndarray) -> bytes:
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def artefact_bytes(model: LocalModel, source_model: str = "") -> bytes:
    """The artefact of `model`; `source_model` (where the full model lives) goes in the header."""
    slots = hash_slots(model.principals, model.hyperparameters.num_entity_vectors)
    distinct_slots, rows = np.unique(slots, return_inverse=True)
    sections: list[tuple[str, np.ndarray]] = [(ENTITY_SECTION, model.entity_table[distinct_slots])]
    for layer, (weight, bias) in enumerate(zip(model.encoder.weights, model.encoder.biases, strict=True)):
        sections.append((f"encoder_weight_t_{layer}", weight.T))
        sections.append((f"encoder_bias_{layer}", bias))
    sections.append((PREFIX_SECTION, model.prefix_table))  # last: read row by row
    layout: dict[str, Any] = {}
    offset = 0
    for name, values in sections:
        layout[name] = {"offset": offset, "shape": list(values.shape)}
        offset += values.size * 4
    header = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "vector_dim": int(model.prefix_table.shape[1]),
        "prefix_lengths": list(model.prefix_scheme.prefix_lengths),
        "hash_bits": model.prefix_scheme.hash_bits,
        "encoder_layers": len(model.encoder.weights),
        "entity_hash_scheme": ENTITY_HASH_SCHEME,
        "hyperparameters": model.hyperparameters.as_sagemaker(),
        "principals": {principal: int(row) for principal, row in zip(model.principals, rows.tolist(), strict=True)},
        "sections": layout,
        "source_model": source_model,
    }
    return pack_header(header) + b"".join(_little_endian_float32(values) for _, values in sections)


def write_artefact(model: LocalModel, path: Path, source_model: str = "") -> Path:
    """Write the artefact to `path` through a partial file, so a failed write leaves no artefact."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(artefact_bytes(model, source_model))
    partial.replace(path)
    return path
