"""The local engine's model file: one portable .npz (numpy arrays and JSON text, no pickles) holding
everything scoring needs, with a format version so another release's file is refused, not misread."""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path

import numpy as np

from secml.core.errors import InputError
from secml.ipinsights.entities import ENTITY_HASH_SCHEME
from secml.ipinsights.hyperparameters import HyperparameterError, Hyperparameters
from secml.ipinsights.model import IpEncoder, LocalModel, PrefixScheme

FORMAT_VERSION = 1


class ModelFormatError(InputError):
    """A saved model this engine cannot read (another format version, or not a model at all)."""


def save(model: LocalModel, path: str | Path) -> None:
    """Write `model` to `path` (see the module docstring)."""
    metadata = {
        "format_version": FORMAT_VERSION,
        "hyperparameters": model.hyperparameters.as_sagemaker(),
        "entity_hash_scheme": ENTITY_HASH_SCHEME,
        "ip_prefix_scheme": model.prefix_scheme.describe(),
        "ip_encoder": "sum of prefix embeddings, then dense layers with ReLU between them, last linear",
        "metrics": model.metrics,
    }
    arrays: dict[str, np.ndarray] = {
        "format_version": np.array(FORMAT_VERSION),
        "metadata": np.array(json.dumps(metadata)),
        "entity_table": model.entity_table,
        "prefix_table": model.prefix_table,
        # UTF-8 JSON, not a numpy str array: that is UTF-32 at the longest principal's width.
        "principals": np.frombuffer(json.dumps(model.principals).encode("utf-8"), dtype=np.uint8),
    }
    for layer, (weight, bias) in enumerate(zip(model.encoder.weights, model.encoder.biases, strict=True)):
        arrays[f"encoder_weight_{layer}"] = weight
        arrays[f"encoder_bias_{layer}"] = bias
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]  # numpy stubs type **kwds as allow_pickle


# What reading a truncated or damaged archive raises, from numpy, zipfile and zlib.
DAMAGED_ARCHIVE_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error)


def load(path: str | Path, shown_as: str | None = None) -> LocalModel:
    """Read a model written by save(); anything else raises ModelFormatError naming the file
    (`shown_as`: the user's location, when `path` is a local copy of it)."""
    name = shown_as or str(path)
    try:
        return _load(path, name)
    except DAMAGED_ARCHIVE_ERRORS as error:  # numpy's own words would advise allow_pickle
        raise ModelFormatError(
            f"{name} is not a local IP Insights model, or a truncated one ({type(error).__name__}): "
            "retrain it with `secml train`"
        ) from error


def _load(path: str | Path, name: str) -> LocalModel:
    if Path(path).is_file() and Path(path).stat().st_size == 0:
        raise ModelFormatError(f"{name} is empty: retrain the model with `secml train`")
    archive = np.load(path, allow_pickle=False)
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelFormatError(f"{name} is not a local IP Insights model (not an .npz archive)")
    with archive:
        if "format_version" not in archive.files or "metadata" not in archive.files:
            raise ModelFormatError(f"{name} is not a local IP Insights model (no format_version)")
        try:
            version = int(archive["format_version"])
        except (TypeError, ValueError) as error:
            raise ModelFormatError(f"{name} is not a local IP Insights model: {error}") from error
        if version != FORMAT_VERSION:
            raise ModelFormatError(
                f"{name} has model format version {version}; this engine reads version {FORMAT_VERSION}: "
                "retrain the model or use the secml release that wrote it"
            )
        try:
            metadata = json.loads(str(archive["metadata"]))
            hyperparameters = Hyperparameters.from_mapping(metadata["hyperparameters"])
            scheme = metadata["ip_prefix_scheme"]
            layers = hyperparameters.num_ip_encoder_layers
            return LocalModel(
                hyperparameters=hyperparameters,
                entity_table=archive["entity_table"],
                prefix_table=archive["prefix_table"],
                encoder=IpEncoder(
                    [archive[f"encoder_weight_{layer}"] for layer in range(layers)],
                    [archive[f"encoder_bias_{layer}"] for layer in range(layers)],
                ),
                principals=json.loads(archive["principals"].tobytes().decode("utf-8")),
                prefix_scheme=PrefixScheme(tuple(scheme["prefix_lengths"]), int(scheme["hash_bits"])),
                metrics=metadata["metrics"],
            )
        except KeyError as error:
            raise ModelFormatError(f"{name} is an incomplete local IP Insights model: {error} is missing") from error
        except (TypeError, HyperparameterError, UnicodeDecodeError, *DAMAGED_ARCHIVE_ERRORS) as error:
            raise ModelFormatError(f"{name} is a damaged local IP Insights model: {error}") from error
