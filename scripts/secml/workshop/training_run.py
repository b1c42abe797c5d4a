"""One training-and-scoring run: where its inputs are (the files the ingest functions wrote) and
where it keeps its own files (`model/<run>/`, `scores/<run>/` in the tuples bucket), and the
hold-out split that prepares its training and validation channels. The exercises and the
workshop notebook both build on it."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secml.core.errors import NotReadyError
from secml.core.storage import exists, upload
from secml.history import contrast
from secml.history import index as history_index
from secml.ipinsights import holdout
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.tuples_io import iter_tuples
from secml.report import compose
from secml_ingest.config import (
    DEFAULT_CLOUDTRAIL_OUTPUT_KEY,
    DEFAULT_GUARDDUTY_OUTPUT_KEY,
    DEFAULT_INDEX_KEY,
)

# The workshop notebook's sizes (20,000 hashed principal slots, 128-dimensional vectors, 5 random
# negatives per pair) with SageMaker's default batch and learning rate, no dense IP-encoder layer
# and two passes. Measured on the generated workshop corpus (about 230,000 training pairs, 2 shared
# CPU cores): 2-8 s of training, ROC AUC 0.96-0.99 of findings against the ground truth; the
# notebook's own lr 0.01 / batch 1000 / 5 epochs / 1 layer took minutes and overfitted (AUC < 0.8).
WORKSHOP_HYPERPARAMETERS = Hyperparameters(
    num_entity_vectors=20_000,
    vector_dim=128,
    epochs=2,
    learning_rate=0.001,
    mini_batch_size=10_000,
    num_ip_encoder_layers=0,
    random_negative_sampling_rate=5,
)


@dataclass(frozen=True)
class TupleFiles:
    """The ingest functions' outputs: training tuples, scoring tuples and the finding index."""

    train_tuples: str
    guardduty_tuples: str
    finding_index: str

    @classmethod
    def from_results(cls, cloudtrail: Mapping[str, Any], guardduty: Mapping[str, Any]) -> TupleFiles:
        """What the invoked functions report they wrote (`output`, `index` in their results)."""
        try:
            return cls(cloudtrail["output"], guardduty["output"], guardduty["index"])
        except KeyError as error:
            raise NotReadyError(f"an ingest function's result has no {error}: redeploy its code (make up)") from error

    @classmethod
    def defaults(cls, bucket: str) -> TupleFiles:
        """Where the functions write in `bucket` when no result says otherwise: the ingest
        configuration's own default keys, which the stack's OUTPUT_KEY/INDEX_KEY keep."""
        return cls(
            train_tuples=f"s3://{bucket}/{DEFAULT_CLOUDTRAIL_OUTPUT_KEY}",
            guardduty_tuples=f"s3://{bucket}/{DEFAULT_GUARDDUTY_OUTPUT_KEY}",
            finding_index=f"s3://{bucket}/{DEFAULT_INDEX_KEY}",
        )


@dataclass(frozen=True)
class TrainingRun:
    """Where one training-and-scoring run reads its inputs and keeps its files."""

    bucket: str
    run: str
    tuples: TupleFiles

    @classmethod
    def in_bucket(cls, bucket: str, run: str) -> TrainingRun:
        """A run over the tuples at the ingest functions' default keys in `bucket`."""
        return cls(bucket, run, TupleFiles.defaults(bucket))

    def _uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    @property
    def train_tuples(self) -> str:
        return self.tuples.train_tuples

    @property
    def guardduty_tuples(self) -> str:
        return self.tuples.guardduty_tuples

    @property
    def finding_index(self) -> str:
        return self.tuples.finding_index

    @property
    def fit_channel(self) -> str:
        return self._uri(f"model/{self.run}/channels/train.csv")

    @property
    def validation_channel(self) -> str:
        return self._uri(f"model/{self.run}/channels/validation.csv")

    @property
    def contrast_channel(self) -> str:
        return self._uri(f"model/{self.run}/channels/contrast.csv")

    @property
    def model(self) -> str:
        return self._uri(f"model/{self.run}")

    @property
    def guardduty_scores(self) -> str:
        return self._uri(f"scores/{self.run}/guardduty_scores.csv")

    @property
    def validation_scores(self) -> str:
        return self._uri(f"scores/{self.run}/validation_scores.csv")

    @property
    def contrast_scores(self) -> str:
        return self._uri(f"scores/{self.run}/contrast_scores.csv")


def require_tuples(run: TrainingRun) -> None:
    """A clear error naming the exercise step that writes whatever is missing."""
    for location, step in (
        (run.train_tuples, "2.1"),
        (run.guardduty_tuples, "2.2"),
        (run.finding_index, "2.2"),
    ):
        if not exists(location):
            raise NotReadyError(f"no tuples yet: {location} is missing; run exercise {step} first (make exercise2)")


def hold_out_validation(
    run: TrainingRun, seed: int = 0, share: float = holdout.DEFAULT_HELD_OUT_SHARE
) -> holdout.SplitCounts:
    """Split the training tuples into the fitting and the validation channel. The tuples are
    streamed through local temporary files, never held in memory whole."""
    with tempfile.TemporaryDirectory(prefix="secml-holdout-") as folder:
        fit_path, held_path = Path(folder) / "train.csv", Path(folder) / "validation.csv"
        with (
            fit_path.open("w", encoding="utf-8", newline="") as fit,
            held_path.open("w", encoding="utf-8", newline="") as held,
        ):
            counts = holdout.split_pairs(iter_tuples(run.train_tuples), fit, held, share=share, seed=seed)
        upload(fit_path, run.fit_channel)
        upload(held_path, run.validation_channel)
    return counts


def write_contrast(run: TrainingRun, seed: int = 0) -> int:
    """The contrast channel: one pair per held-out pair, its principal at an address it never used
    in the training tuples (secml.history.contrast); returns the pairs written."""
    history = history_index.read(run.train_tuples)
    principals = [p for chunk in iter_tuples(run.validation_channel) for p in chunk.principals]
    pairs = contrast.draw(history, principals, seed)
    with tempfile.TemporaryDirectory(prefix="secml-contrast-") as folder:
        path = Path(folder) / "contrast.csv"
        path.write_text("".join(f"{p},{ip}\n" for p, ip in zip(pairs.principals, pairs.ips, strict=True)), "utf-8")
        upload(path, run.contrast_channel)
    return len(pairs.principals)


def training_summary(metrics: dict[str, Any]) -> str:
    """The one-number metrics (per-epoch lists stay in metrics.json beside the model)."""
    shown = []
    for name, value in metrics.items():
        if isinstance(value, float):
            shown.append(f"{name}={value:.4g}")
        elif isinstance(value, (int, str)):
            shown.append(f"{name}={value}")
    return ", ".join(shown)


def report_inputs(
    run: TrainingRun, truth: Path | None, threshold: float | None, fpr: float, with_history: bool = False
) -> compose.ReportInputs:
    """The report of this run; `with_history` judges on unusualness, with all the training tuples
    as the principals' history (each held-out pair judged without its own uses)."""
    return compose.ReportInputs(
        scores=run.guardduty_scores,
        index=run.finding_index,
        train_scores=run.validation_scores,
        truth=truth,
        history=run.train_tuples if with_history else None,
        contrast_scores=run.contrast_scores if with_history else None,
        threshold_value=threshold,
        false_positive_rate=fpr,
    )
