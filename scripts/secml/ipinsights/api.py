"""IP Insights behind one interface: `train` and `score` take the same arguments and write the same
files whichever backend does the work, so the CLI, the exercises and the notebook never branch on it.

A model location (`model`, a local folder or an `s3://` prefix) holds:

    secml-model.json     which backend trained it and what `score` needs to find it again
    metrics.json         the training metrics (validation:discriminator_auc when validated)
    local backend:       ipinsights-local.npz, the engine's one-file model
    sagemaker backend:   <training job>/output/model.tar.gz (SageMaker's artefact),
                         principals.txt.gz (the training principals, for seen_principal),
                         input/ (local training files staged for the job),
                         transform/<job>/ (each batch transform's input and output)

Training SRC and scoring input are `principal,ip` CSV files without header, local or on S3.
Scores are CSV with the header `principal,ip,dot_product,seen_principal,error`: the four contract
columns, then `error`, empty for a scored row and otherwise why the row has no dot_product (an IPv6
or malformed address, which IP Insights cannot score), so every input row has an output row.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import boto3
import numpy as np

from secml import locations
from secml.data.networks import format_ipv4
from secml.errors import CommandError
from secml.ipinsights import sagemaker_backend, tuples_io
from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.backends import (
    BACKENDS,
    INFERENCE_INSTANCE_TYPE,
    TRAINING_INSTANCE_TYPE,
    Backend,
)
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.locations import child, is_s3
from secml.target import Target

MANIFEST = "secml-model.json"
METRICS = "metrics.json"
LOCAL_ARTEFACT = "ipinsights-local.npz"
PRINCIPALS = "principals.txt.gz"
MANIFEST_FORMAT = 1


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
    instance_type: str = TRAINING_INSTANCE_TYPE,
    instance_count: int = 1,
    target: Target | None = None,
    boto_session: boto3.Session | None = None,
) -> TrainResult:
    """Train IP Insights on `train` (validated on `validation`) and write the model under `model`.

    The sagemaker backend runs as the given role, else the stack's `notebook_role_arn` output
    for `target`; it has no seed (SageMaker's algorithm takes none)."""
    if backend == "local":
        metrics, manifest = _train_local(train, validation, model, hyperparameters, seed, progress)
    elif backend == "sagemaker":
        settings = sagemaker_backend.Settings(
            role_arn=role_arn or _stack_role_arn(target),
            training_instance_type=instance_type,
            training_instance_count=instance_count,
        )
        metrics, manifest = _train_sagemaker(
            train, validation, model, hyperparameters, settings, progress, boto_session or boto3.Session()
        )
    else:
        raise CommandError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    metrics = {"backend": backend, **metrics}
    locations.write_bytes(child(model, METRICS), json.dumps(metrics, indent=2).encode())
    manifest = {"format": MANIFEST_FORMAT, "backend": backend, **manifest}
    locations.write_bytes(child(model, MANIFEST), json.dumps(manifest, indent=2).encode())
    return TrainResult(model_uri=model, metrics=metrics)


def score(
    model: str,
    input: str,
    out: str | None = None,
    *,
    endpoint: bool = False,
    instance_type: str = INFERENCE_INSTANCE_TYPE,
    boto_session: boto3.Session | None = None,
) -> ScoreSummary:
    """Score every `principal,ip` line of `input` with the model at `model` into CSV `out`
    (standard output when None), columns `tuples_io.SCORE_COLUMNS`. A SageMaker model scores by
    batch transform, or by its real-time endpoint (created once, kept until `secml cleanup`) when
    `endpoint` is set."""
    manifest = _read_manifest(model)
    rows = errors = unseen = skipped_lines = 0
    with _score_sink(out) as sink:
        tuples_io.write_score_header(sink)
        if manifest["backend"] == "local":
            if endpoint:
                raise CommandError("--endpoint is for SageMaker models; a local model scores in-process")
            chunks = _score_local(model, manifest, input)
        else:
            settings = sagemaker_backend.Settings(
                role_arn=manifest["role_arn"], inference_instance_type=instance_type
            )
            session = boto_session or boto3.Session()
            chunks = iter([_score_sagemaker(model, manifest, input, endpoint, settings, session)])
        for scored, skipped in chunks:
            tuples_io.write_scores(sink, scored)
            rows += len(scored)
            errors += sum(error is not None for error in scored.errors)
            unseen += int((~scored.seen_principals).sum())
            skipped_lines += skipped
    return ScoreSummary(out or "-", rows, errors, unseen, skipped_lines)


def _stack_role_arn(target: Target | None) -> str:
    from secml import stack
    from secml.target import resolve_target

    return str(stack.outputs(target or resolve_target())["notebook_role_arn"])


def _read_manifest(model: str) -> dict[str, Any]:
    location = child(model, MANIFEST)
    if not locations.exists(location):
        raise CommandError(f"no model at {model}: {MANIFEST} is missing (train one with `secml train`)")
    manifest: dict[str, Any] = json.loads(locations.read_bytes(location))
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("backend") not in BACKENDS:
        raise CommandError(
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
        locations.upload(staged, out)


def _train_local(
    train: str,
    validation: str | None,
    model: str,
    hyperparameters: Hyperparameters,
    seed: int,
    progress: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    from secml.ipinsights import local_engine

    pairs = tuples_io.read_tuples(train)
    held_out = tuples_io.read_tuples(validation) if validation else None
    try:
        fitted = local_engine.fit(
            pairs.principals,
            pairs.ips,
            hyperparameters,
            validation=(held_out.principals, held_out.ips) if held_out else None,
            seed=seed,
            progress=progress,
        )
    except ValueError as error:
        raise CommandError(f"cannot train on {train}: {error}") from error
    with tempfile.TemporaryDirectory() as folder:
        artefact = Path(folder) / LOCAL_ARTEFACT
        fitted.save(artefact)
        locations.upload(artefact, child(model, LOCAL_ARTEFACT))
    metrics = {**fitted.metrics, "skipped_lines": pairs.skipped}
    manifest = {
        "artefact": LOCAL_ARTEFACT,
        "hyperparameters": hyperparameters.as_sagemaker(),
        "seed": seed,
        "train": train,
        "validation": validation,
    }
    return metrics, manifest


def _score_local(
    model: str, manifest: dict[str, Any], input: str
) -> Iterator[tuple[tuples_io.ScoredTuples, int]]:
    from secml.ipinsights import local_engine

    with tempfile.TemporaryDirectory() as folder:
        artefact = Path(folder) / LOCAL_ARTEFACT
        locations.download(child(model, manifest["artefact"]), artefact)
        try:
            fitted = local_engine.LocalModel.load(artefact)
        except local_engine.ModelFormatError as error:
            raise CommandError(str(error)) from error
    for chunk in tuples_io.iter_tuples(input):
        batch = fitted.score(chunk.principals, chunk.ips)
        scored = tuples_io.ScoredTuples(
            chunk.principals, chunk.ips, batch.dot_product, batch.seen_principal, batch.errors
        )
        yield scored, chunk.skipped


def _train_sagemaker(
    train: str,
    validation: str | None,
    model: str,
    hyperparameters: Hyperparameters,
    settings: sagemaker_backend.Settings,
    progress: bool,
    boto_session: boto3.Session,
) -> tuple[dict[str, Any], dict[str, Any]]:
    if not is_s3(model):
        raise CommandError(
            f"the sagemaker backend writes its model to S3: give --model s3://BUCKET/PREFIX, not {model}"
        )
    principals: set[str] = set()
    skipped = 0
    for chunk in tuples_io.iter_tuples(train):
        principals.update(chunk.principals)
        skipped += chunk.skipped
    if not principals:
        raise CommandError(f"{train} holds no principal,ip lines")
    listing = "".join(f"{principal}\n" for principal in sorted(principals)).encode("utf-8")
    locations.write_bytes(child(model, PRINCIPALS), gzip.compress(listing, mtime=0))
    job = sagemaker_backend.train(
        boto_session,
        train_uri=_on_s3(train, child(model, "input/train.csv")),
        validation_uri=_on_s3(validation, child(model, "input/validation.csv")) if validation else None,
        output_path=model.rstrip("/") + "/",
        hyperparameters=hyperparameters,
        settings=settings,
        logs=progress,
    )
    metrics = {
        "training_job_name": job.job_name,
        "billable_seconds": job.billable_seconds,
        "train_principals": len(principals),
        "skipped_lines": skipped,
        **job.final_metrics,
    }
    manifest = {
        "training_job_name": job.job_name,
        "image": job.image,
        "model_data": job.model_data,
        "role_arn": settings.role_arn,
        "principals": PRINCIPALS,
        "hyperparameters": hyperparameters.as_sagemaker(),
        "train": train,
        "validation": validation,
    }
    return metrics, manifest


def _on_s3(source: str, staging: str) -> str:
    """SageMaker reads its channels from S3: a local file is copied to `staging` first."""
    if is_s3(source):
        return source
    locations.upload(Path(source), staging)
    return staging


def _score_sagemaker(
    model: str,
    manifest: dict[str, Any],
    input: str,
    endpoint: bool,
    settings: sagemaker_backend.Settings,
    boto_session: boto3.Session,
) -> tuple[tuples_io.ScoredTuples, int]:
    """SageMaker rejects a whole request over one IPv6 or malformed address, so only valid IPv4
    rows are sent; the others get the local engine's per-row error and no score."""
    pairs = tuples_io.read_tuples(input)
    parsed = parse_ipv4(pairs.ips)
    sendable = np.flatnonzero(parsed.valid).tolist()
    lines = io.StringIO()
    # The decoded dotted quads, not the raw text: SageMaker wants `a.b.c.d`, and the IP rule also
    # accepts forms such as IPv4-mapped IPv6 (`::ffff:a.b.c.d`) that it would refuse.
    sendable_ips = format_ipv4(parsed.values[sendable])
    tuples_io.write_tuples(lines, (pairs.principals[i] for i in sendable), sendable_ips)
    body = lines.getvalue().encode("utf-8")
    scores: list[float] = []
    if sendable and endpoint:
        name = sagemaker_backend.ensure_endpoint(
            boto_session,
            name=sagemaker_backend.endpoint_name(manifest["training_job_name"]),
            image=manifest["image"],
            model_data=manifest["model_data"],
            settings=settings,
        )
        scores = sagemaker_backend.invoke_endpoint(boto_session, name, body.splitlines(keepends=True))
    elif sendable:
        run = sagemaker_backend.unique_name()
        staged_input = child(model, f"transform/{run}/input/tuples.csv")
        locations.write_bytes(staged_input, body)
        output = sagemaker_backend.batch_transform(
            boto_session,
            name=run,
            image=manifest["image"],
            model_data=manifest["model_data"],
            input_uri=staged_input,
            output_path=child(model, f"transform/{run}/output/"),
            settings=settings,
        )
        scores = sagemaker_backend.parse_json_lines(locations.read_bytes(output), expected=len(sendable))
    dot_products = np.full(len(pairs), np.nan)
    dot_products[sendable] = scores
    trained = set(gzip.decompress(locations.read_bytes(child(model, manifest["principals"]))).decode().splitlines())
    seen = np.array([principal in trained for principal in pairs.principals], dtype=bool)
    return tuples_io.ScoredTuples(pairs.principals, pairs.ips, dot_products, seen, parsed.errors), pairs.skipped
