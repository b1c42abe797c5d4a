"""The interface every IP Insights backend implements, and what a model folder holds.

A model location (`model`, a local folder or an `s3://` prefix) holds:

    secml-model.json     which backend trained it and what `score` needs to find it again
    metrics.json         the training metrics (validation:discriminator_auc when validated)
    local backend:       ipinsights-local.npz, the engine's one-file model
    sagemaker backend:   <training job>/output/model.tar.gz (SageMaker's artefact),
                         principals.txt.gz (the training principals, for seen_principal),
                         input/ (local training files staged for the job),
                         transform/<job>/ (each batch transform's input and output)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import boto3

from secml.ipinsights.choices import INFERENCE_INSTANCE_TYPE, TRAINING_INSTANCE_TYPE
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.tuples_io import DateWindow, ScoredTuples

MANIFEST = "secml-model.json"
METRICS = "metrics.json"
MANIFEST_FORMAT = 1

Manifest = dict[str, Any]
Metrics = dict[str, Any]
# Scored rows and how many input lines were skipped as not `principal,ip`, one chunk at a time.
ScoredChunks = Iterator[tuple[ScoredTuples, int]]


@dataclass(frozen=True)
class BackendOptions:
    """Everything a caller may tell a backend; each backend reads the fields that concern it."""

    seed: int = 0
    role_arn: str | None = None
    # The sagemaker backend writes model artefacts and transform outputs with this key (the stack's).
    kms_key_arn: str | None = None
    training_instance_type: str = TRAINING_INSTANCE_TYPE
    training_instance_count: int = 1
    inference_instance_type: str = INFERENCE_INSTANCE_TYPE
    endpoint: bool = False
    boto_session: boto3.Session | None = None
    # Training or scoring input that is a folder or S3 prefix of parts: only those dated inside this window.
    window: DateWindow | None = None
    # Local backend: the hyperparameters the user set; the others are sized to the training data
    # (secml.ipinsights.sizing). None: every hyperparameter is used as given.
    explicit_hyperparameters: frozenset[str] | None = None


class ModelBackend(Protocol):
    """Trains a model into a model location and scores tuples with it."""

    def train(
        self, train: str, validation: str | None, model: str, hyperparameters: Hyperparameters, progress: bool
    ) -> tuple[Metrics, Manifest]:
        """Train on `train` (validated on `validation`), write the artefacts under `model`, and
        answer the metrics and the manifest entries `score` will need."""
        ...

    def score(self, model: str, manifest: Manifest, input: str) -> ScoredChunks:
        """Score every `principal,ip` line of `input` with the model `manifest` describes."""
        ...
