"""The sagemaker backend: SageMaker's built-in IP Insights trains (a training job) and scores (a batch
transform, or a real-time endpoint on request); the job plumbing is in sagemaker_jobs.py."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import boto3
import numpy as np

from secml.core import storage
from secml.core.errors import InputError
from secml.core.storage import child, is_s3
from secml.ipinsights import sagemaker_jobs, tuples_io
from secml.ipinsights.addresses import format_ipv4, parse_ipv4
from secml.ipinsights.backend import BackendOptions, Manifest, Metrics, ScoredChunks
from secml.ipinsights.hyperparameters import Hyperparameters

PRINCIPALS = "principals.txt.gz"


class SageMakerBackend:
    def __init__(self, options: BackendOptions) -> None:
        self.options = options
        self.boto_session = options.boto_session or boto3.Session()

    def _settings(self, role_arn: str | None, kms_key_arn: str | None) -> sagemaker_jobs.Settings:
        if not role_arn:
            raise InputError("the sagemaker backend needs an execution role: give --role-arn")
        return sagemaker_jobs.Settings(
            role_arn=role_arn,
            training_instance_type=self.options.training_instance_type,
            training_instance_count=self.options.training_instance_count,
            inference_instance_type=self.options.inference_instance_type,
            kms_key_arn=kms_key_arn,
        )

    def train(
        self, train: str, validation: str | None, model: str, hyperparameters: Hyperparameters, progress: bool
    ) -> tuple[Metrics, Manifest]:
        """SageMaker's algorithm takes no seed, so the options' seed is not used here."""
        settings = self._settings(self.options.role_arn, self.options.kms_key_arn)
        if not is_s3(model):
            raise InputError(
                f"the sagemaker backend writes its model to S3: give --model s3://BUCKET/PREFIX, not {model}"
            )
        principals: set[str] = set()
        skipped = 0
        window = self.options.window
        for chunk in tuples_io.iter_tuples(train, window=window):
            principals.update(chunk.principals)
            skipped += chunk.skipped
        if not principals:
            raise InputError(f"{train} holds no principal,ip lines")
        listing = "".join(f"{principal}\n" for principal in sorted(principals)).encode("utf-8")
        storage.write_bytes(child(model, PRINCIPALS), gzip.compress(listing, mtime=0))
        job = sagemaker_jobs.train(
            self.boto_session,
            train_data=_train_channel(train, window, child(model, "input/")),
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
            "kms_key_arn": settings.kms_key_arn,
            "principals": PRINCIPALS,
            "hyperparameters": hyperparameters.as_sagemaker(),
            "train": train,
            "validation": validation,
        }
        return metrics, manifest

    def score(self, model: str, manifest: Manifest, input: str) -> ScoredChunks:
        """SageMaker rejects a whole request over one IPv6 or malformed address, so only valid IPv4
        rows are sent; the others get the local engine's per-row error and no score."""
        # Scoring writes with the key the model was trained with (an older manifest has none).
        settings = self._settings(manifest["role_arn"], manifest.get("kms_key_arn"))
        pairs = tuples_io.read_tuples(input, window=self.options.window)
        parsed = parse_ipv4(pairs.ips)
        sendable = np.flatnonzero(parsed.valid).tolist()
        lines = io.StringIO()
        # The decoded dotted quads, not the raw text: SageMaker wants `a.b.c.d`, and the IP rule also
        # accepts forms such as IPv4-mapped IPv6 (`::ffff:a.b.c.d`) that it would refuse.
        sendable_ips = format_ipv4(parsed.values[sendable])
        tuples_io.write_tuples(lines, (pairs.principals[i] for i in sendable), sendable_ips)
        body = lines.getvalue().encode("utf-8")
        scores: list[float] = []
        if sendable and self.options.endpoint:
            name = sagemaker_jobs.ensure_endpoint(
                self.boto_session,
                name=sagemaker_jobs.endpoint_name(manifest["training_job_name"]),
                image=manifest["image"],
                model_data=manifest["model_data"],
                settings=settings,
            )
            scores = sagemaker_jobs.invoke_endpoint(self.boto_session, name, body.splitlines(keepends=True))
        elif sendable:
            run = sagemaker_jobs.unique_name()
            staged_input = child(model, f"transform/{run}/input/tuples.csv")
            storage.write_bytes(staged_input, body)
            output = sagemaker_jobs.batch_transform(
                self.boto_session,
                name=run,
                image=manifest["image"],
                model_data=manifest["model_data"],
                input_uri=staged_input,
                output_path=child(model, f"transform/{run}/output/"),
                settings=settings,
            )
            scores = sagemaker_jobs.parse_json_lines(storage.read_bytes(output), expected=len(sendable))
        dot_products = np.full(len(pairs), np.nan)
        dot_products[sendable] = scores
        trained = set(gzip.decompress(storage.read_bytes(child(model, manifest["principals"]))).decode().splitlines())
        seen = np.array([principal in trained for principal in pairs.principals], dtype=bool)
        yield tuples_io.ScoredTuples(pairs.principals, pairs.ips, dot_products, seen, parsed.errors), pairs.skipped


def _train_channel(train: str, window: tuples_io.DateWindow | None, staging: str) -> sagemaker_jobs.ChannelData:
    """The train channel: a file or an S3 prefix of parts as it is (S3Prefix), or, for a date
    window, a manifest of the parts inside it (ManifestFile), written under `staging`."""
    if not window:
        if storage.is_folder(train) and not is_s3(train):
            raise InputError(f"the sagemaker backend trains on S3: give an s3:// prefix, not the folder {train}")
        return sagemaker_jobs.ChannelData(_on_s3(train, child(staging, "train.csv")), sagemaker_jobs.S3_PREFIX)
    files = tuples_io.tuples_files(train, window)
    if not is_s3(train):
        raise InputError(f"the sagemaker backend trains on S3: give an s3:// prefix, not the folder {train}")
    bucket, _ = storage.split_s3(train)
    keys = [storage.split_s3(path)[1] for path in files]
    manifest = child(staging, "train.manifest")
    storage.write_bytes(manifest, json.dumps([{"prefix": f"s3://{bucket}/"}, *keys]).encode())
    return sagemaker_jobs.ChannelData(manifest, sagemaker_jobs.MANIFEST_FILE)


def _on_s3(source: str, staging: str) -> str:
    """SageMaker reads its channels from S3: a local file is copied to `staging` first."""
    if is_s3(source):
        return source
    storage.upload(Path(source), staging)
    return staging
