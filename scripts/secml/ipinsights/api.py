"""IP Insights behind one interface: `train` and `score` take the same arguments and write the same
files whichever backend does the work (backend.py describes the model folder), so the CLI, the
exercises and the notebook never branch on it.

Training SRC and scoring input are `principal,ip` CSV files without header, local or on S3.
Scores are CSV with the header `principal,ip,dot_product,seen_principal,error`: the four contract
columns, then `error`, empty for a scored row and otherwise why the row has no dot_product (an IPv6
or malformed address, which IP Insights cannot score), so every input row has an output row.
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3

from secml.core import storage
from secml.core.errors import InputError
from secml.core.storage import child
from secml.ipinsights import tuples_io
from secml.ipinsights.backend import (
    MANIFEST,
    MANIFEST_FORMAT,
    METRICS,
    BackendOptions,
    Manifest,
    ModelBackend,
)
from secml.ipinsights.choices import (
    BACKENDS,
    INFERENCE_INSTANCE_TYPE,
    TRAINING_INSTANCE_TYPE,
    Backend,
)
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.local_backend import LocalBackend
from secml.ipinsights.sagemaker_backend import SageMakerBackend
from secml.ipinsights.tuples_io import DateWindow

BACKEND_CLASSES: dict[Backend, Callable[[BackendOptions], ModelBackend]] = {
    "local": LocalBackend,
    "sagemaker": SageMakerBackend,
}


@dataclass(frozen=True)
class TrainResult:
    model_uri: str
    metrics: dict[str, Any]


@dataclass(frozen=True)
class ScoreSummary:
    """What a scoring run wrote: rows out, rows with an error instead of a score, rows whose
    principal was not in training, and input lines skipped because they were not `principal,ip`."""

    out: str
    rows: int
    errors: int
    unseen_principals: int
    skipped_lines: int


def backend_for(name: str, options: BackendOptions) -> ModelBackend:
    if name not in BACKEND_CLASSES:
        raise InputError(f"unknown backend {name!r}: choose one of {', '.join(BACKENDS)}")
    return BACKEND_CLASSES[name](options)


def train(
    backend: Backend,
    train: str,
    validation: str | None,
    model: str,
    hyperparameters: Hyperparameters,
    seed: int = 0,
    progress: bool = False,
    *,
    role_arn: str | None = None,
    kms_key_arn: str | None = None,
    instance_type: str = TRAINING_INSTANCE_TYPE,
    instance_count: int = 1,
    boto_session: boto3.Session | None = None,
    window: DateWindow | None = None,
    explicit_hyperparameters: Collection[str] | None = None,
) -> TrainResult:
    """Train IP Insights on `train` (validated on `validation`) and write the model under `model`.
    The sagemaker backend runs as `role_arn` and writes the model (and later the transform
    outputs) with `kms_key_arn`; it has no seed (SageMaker's algorithm takes none).
    explicit_hyperparameters: the names the user set; the local backend sizes the others to the
    training data (secml.ipinsights.sizing, said in metrics["hyperparameters_sizing"]). None: all
    as given."""
    options = BackendOptions(
        seed=seed,
        role_arn=role_arn,
        kms_key_arn=kms_key_arn,
        training_instance_type=instance_type,
        training_instance_count=instance_count,
        boto_session=boto_session,
        window=window,
        explicit_hyperparameters=None if explicit_hyperparameters is None else frozenset(explicit_hyperparameters),
    )
    metrics, manifest = backend_for(backend, options).train(train, validation, model, hyperparameters, progress)
    metrics = {"backend": backend, **metrics}
    storage.write_bytes(child(model, METRICS), json.dumps(metrics, indent=2).encode())
    manifest = {"format": MANIFEST_FORMAT, "backend": backend, **manifest}
    storage.write_bytes(child(model, MANIFEST), json.dumps(manifest, indent=2).encode())
    return TrainResult(model_uri=model, metrics=metrics)


def score(
    model: str,
    input: str,
    out: str | None = None,
    *,
    endpoint: bool = False,
    instance_type: str = INFERENCE_INSTANCE_TYPE,
    boto_session: boto3.Session | None = None,
    window: DateWindow | None = None,
) -> ScoreSummary:
    """Score every `principal,ip` line of `input` (a file, or a folder or S3 prefix of parts such as
    infer/parts/, in key order, those dated inside `window` when given) with the model at `model`
    into CSV `out` (standard output when None), columns `tuples_io.SCORE_COLUMNS`. A SageMaker model
    scores by batch transform, or by its real-time endpoint (created once, kept until `secml
    cleanup`) when `endpoint` is set."""
    manifest = _read_manifest(model)
    options = BackendOptions(
        inference_instance_type=instance_type, endpoint=endpoint, boto_session=boto_session, window=window
    )
    scorer = backend_for(manifest["backend"], options)
    rows = errors = unseen = skipped_lines = 0
    with _score_sink(out) as sink:
        tuples_io.write_score_header(sink)
        for scored, skipped in scorer.score(model, manifest, input):
            tuples_io.write_scores(sink, scored)
            rows += len(scored)
            errors += sum(error is not None for error in scored.errors)
            unseen += int((~scored.seen_principals).sum())
            skipped_lines += skipped
        if rows == 0:  # inside the `with`: `out` keeps what it held, as for any failure
            bad = f" ({skipped_lines} malformed lines skipped)" if skipped_lines else ""
            raise InputError(f"{input}: no principal,ip line to score{bad}; nothing written")
    return ScoreSummary(out or "-", rows, errors, unseen, skipped_lines)


def _read_manifest(model: str) -> Manifest:
    location = child(model, MANIFEST)
    if not storage.exists(location):
        raise InputError(f"no model at {model}: {MANIFEST} is missing (train one with `secml train`)")
    try:
        manifest: Manifest = json.loads(storage.read_bytes(location))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise InputError(f"{location} is not a secml model manifest ({error}): retrain the model") from error
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("backend") not in BACKENDS:
        raise InputError(
            f"{location} has model manifest format {manifest.get('format')!r}; "
            f"this secml reads format {MANIFEST_FORMAT}: retrain the model"
        )
    return manifest


@contextlib.contextmanager
def _score_sink(out: str | None) -> Iterator[IO[str]]:
    """Standard output, or a temporary file copied to `out` (local or S3) only once complete, so
    a failed run never leaves a truncated scores file that looks finished."""
    if out is None:
        yield sys.stdout
        sys.stdout.flush()
        return
    with tempfile.TemporaryDirectory() as folder:
        staged = Path(folder) / "scores.csv"
        with staged.open("w", encoding="utf-8", newline="") as stream:
            yield stream
        storage.upload(staged, out)
