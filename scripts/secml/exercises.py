"""The workshop's exercises as driver steps, each announced in the workshop's words.

Exercise 1 looks at GuardDuty findings (1.1 sample findings, 1.2 the GuardDuty ingest function
printing them in full, then short). Exercise 2 turns CloudTrail logs into training tuples (2.1) and
GuardDuty findings into scoring tuples (2.2), then trains IP Insights and scores the findings
(2.4, the notebook's step; 2.3 was creating that notebook, which the stack now does). The steps run
the deployed Lambda code and the same training API on both targets; only the environment differs.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secml import lambda_runner, sample_findings, stack
from secml.errors import CommandError
from secml.ipinsights import api
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.locations import exists, read_bytes, write_bytes
from secml.paths import reports_dir
from secml.report import build, console, holdout, writer
from secml.report.threshold import DEFAULT_FALSE_POSITIVE_RATE
from secml.target import Target

# Where the ingest functions write (their OUTPUT_KEY / INDEX_KEY in the Terraform stack).
TRAIN_TUPLES_KEY = "train/cloudtrail_tuples.csv"
GUARDDUTY_TUPLES_KEY = "infer/guardduty_tuples.csv"
FINDING_INDEX_KEY = "infer/guardduty_findings.csv"

# The workshop notebook's sizes (20,000 hashed principal slots, 128-dimensional vectors, 5 random
# negatives per pair) with SageMaker's default batch and learning rate, no dense IP-encoder layer
# and two passes. Measured on the generated workshop corpus (about 230,000 training pairs, 2 shared
# CPU cores): 2-8 s of training, ROC AUC 0.97-0.99 of findings against the ground truth; the
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
LOG_PREVIEW_LINES = 30


@dataclass(frozen=True)
class TrainingRun:
    """Where one training-and-scoring run keeps its files in the tuples bucket."""

    bucket: str
    run: str

    def _uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    @property
    def train_tuples(self) -> str:
        return self._uri(TRAIN_TUPLES_KEY)

    @property
    def guardduty_tuples(self) -> str:
        return self._uri(GUARDDUTY_TUPLES_KEY)

    @property
    def finding_index(self) -> str:
        return self._uri(FINDING_INDEX_KEY)

    @property
    def fit_channel(self) -> str:
        return self._uri(f"model/{self.run}/channels/train.csv")

    @property
    def validation_channel(self) -> str:
        return self._uri(f"model/{self.run}/channels/validation.csv")

    @property
    def model(self) -> str:
        return self._uri(f"model/{self.run}")

    @property
    def guardduty_scores(self) -> str:
        return self._uri(f"scores/{self.run}/guardduty_scores.csv")

    @property
    def validation_scores(self) -> str:
        return self._uri(f"scores/{self.run}/validation_scores.csv")


def require_tuples(run: TrainingRun) -> None:
    """A clear error naming the exercise step that writes whatever is missing."""
    for location, step in (
        (run.train_tuples, "2.1"),
        (run.guardduty_tuples, "2.2"),
        (run.finding_index, "2.2"),
    ):
        if not exists(location):
            raise CommandError(f"no tuples yet: {location} is missing; run exercise {step} first (make exercise2)")


def hold_out_validation(run: TrainingRun, seed: int = 0) -> holdout.Split:
    """Split the training tuples into the fitting channel and the held-out validation channel."""
    split = holdout.split_pairs(read_bytes(run.train_tuples), seed=seed)
    write_bytes(run.fit_channel, split.fit)
    write_bytes(run.validation_channel, split.held_out)
    return split


@dataclass(frozen=True)
class Scored:
    trained: api.TrainResult
    guardduty: api.ScoreSummary
    validation: api.ScoreSummary


def train_and_score(
    run: TrainingRun,
    backend: api.Backend,
    hyperparameters: Hyperparameters,
    seed: int = 0,
    role_arn: str | None = None,
) -> Scored:
    """Train on the fitting channel, then score the GuardDuty tuples and the held-out pairs.
    `role_arn` is the SageMaker execution role (the sagemaker backend only)."""
    trained = api.train(
        backend,
        train=run.fit_channel,
        validation=run.validation_channel,
        model=run.model,
        hyperparameters=hyperparameters,
        seed=seed,
        progress=sys.stderr.isatty(),
        role_arn=role_arn,
    )
    return Scored(
        trained=trained,
        guardduty=api.score(trained.model_uri, run.guardduty_tuples, run.guardduty_scores),
        validation=api.score(trained.model_uri, run.validation_channel, run.validation_scores),
    )


def training_summary(metrics: dict[str, Any]) -> str:
    """The one-number metrics (per-epoch lists stay in metrics.json beside the model)."""
    shown = []
    for name, value in metrics.items():
        if isinstance(value, float):
            shown.append(f"{name}={value:.4g}")
        elif isinstance(value, (int, str)):
            shown.append(f"{name}={value}")
    return ", ".join(shown)


def report_inputs(run: TrainingRun, truth: Path | None, threshold: float | None, fpr: float) -> build.ReportInputs:
    return build.ReportInputs(
        scores=run.guardduty_scores,
        index=run.finding_index,
        train_scores=run.validation_scores,
        truth=truth,
        threshold_value=threshold,
        false_positive_rate=fpr,
    )


@dataclass(frozen=True)
class ExerciseOptions:
    backend: api.Backend = "local"
    run: str = field(default_factory=build.new_run_name)
    false_positive_rate: float = DEFAULT_FALSE_POSITIVE_RATE
    threshold: float | None = None
    seed: int = 0
    hyperparameters: Hyperparameters = WORKSHOP_HYPERPARAMETERS


@dataclass
class Workshop:
    """What the steps share: the target, the options, the stack's outputs (read once) and the
    report exercise 2.4 wrote."""

    target: Target
    options: ExerciseOptions
    _outputs: dict[str, Any] | None = None
    report: build.Report | None = None
    written: writer.WrittenReport | None = None

    @property
    def outputs(self) -> dict[str, Any]:
        if self._outputs is None:
            self._outputs = stack.outputs(self.target)
        return self._outputs

    @property
    def logs_dir(self) -> Path:
        return self.target.state_dir / "exercise-logs"


def announce(step: str, title: str) -> None:
    print(f"\n=== Exercise {step}: {title} ===", flush=True)


def preview(log: str, path: Path, lines: int = LOG_PREVIEW_LINES) -> str:
    """The first `lines` lines of a long log, with the rest saved to `path` instead of the screen."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(log, encoding="utf-8")
    all_lines = log.splitlines()
    shown = "\n".join(all_lines[:lines])
    if len(all_lines) > lines:
        shown += f"\n... {len(all_lines) - lines} more lines in {path}"
    return shown


def payload_summary(payload: Any) -> str:
    """A function's result on one line: lists (e.g. every bad object) shown by their length."""
    if not isinstance(payload, dict):
        return json.dumps(payload)
    return "; ".join(
        f"{key}: {len(value)} items" if isinstance(value, list) else f"{key}: {json.dumps(value)}"
        for key, value in payload.items()
    )


def invoke_ingest(workshop: Workshop, function_output: str, event: dict[str, str], log_name: str) -> Any:
    name = workshop.outputs[function_output]
    print(f"invoking {name} with {event}", flush=True)
    result = lambda_runner.invoke(workshop.target, name, event)
    print(preview(result.log, workshop.logs_dir / log_name))
    if result.function_error:
        raise CommandError(f"{name} failed ({result.function_error}): {result.payload}")
    print(f"result: {payload_summary(result.payload)}")
    return result.payload


def step_1_1(workshop: Workshop) -> None:
    sample_findings.run(workshop.target)


def step_1_2(workshop: Workshop) -> None:
    print("The GuardDuty ingest function prints each finding it reads: first in full, then short.")
    invoke_ingest(workshop, "guardduty_ingest_function_name", {"print": "full"}, "1.2-full.log")
    invoke_ingest(workshop, "guardduty_ingest_function_name", {"print": "short"}, "1.2-short.log")


def _count_lines(location: str) -> int:
    return read_bytes(location).count(b"\n")


def step_2_1(workshop: Workshop) -> None:
    invoke_ingest(workshop, "cloudtrail_ingest_function_name", {"print": "none"}, "2.1.log")
    run = TrainingRun(workshop.outputs["tuples_bucket_name"], workshop.options.run)
    print(f"{run.train_tuples}: {_count_lines(run.train_tuples):,} <principal, IP> training tuples")


def step_2_2(workshop: Workshop) -> None:
    invoke_ingest(workshop, "guardduty_ingest_function_name", {"print": "none"}, "2.2.log")
    run = TrainingRun(workshop.outputs["tuples_bucket_name"], workshop.options.run)
    print(f"{run.guardduty_tuples}: {_count_lines(run.guardduty_tuples):,} <principal, IP> scoring tuples")
    print(f"{run.finding_index}: finding index, {_count_lines(run.finding_index) - 1:,} rows")


def step_2_4(workshop: Workshop) -> None:
    options = workshop.options
    run = TrainingRun(workshop.outputs["tuples_bucket_name"], options.run)
    require_tuples(run)
    split = hold_out_validation(run, options.seed)
    print(f"held out {split.held_out_pairs:,} of {split.fit_pairs + split.held_out_pairs:,} training pairs")
    print(f"training IP Insights ({options.backend} backend) on {run.fit_channel}", flush=True)
    role_arn = workshop.outputs["notebook_role_arn"] if options.backend == "sagemaker" else None
    scored = train_and_score(run, options.backend, options.hyperparameters, options.seed, role_arn)
    print(f"model: {scored.trained.model_uri}")
    print(f"training metrics: {training_summary(scored.trained.metrics)}")
    for summary in (scored.guardduty, scored.validation):
        print(
            f"scored {summary.rows:,} pairs -> {summary.out} ({summary.unseen_principals:,} of unseen "
            f"principals, {summary.errors:,} not scorable)"
        )
    truth = workshop.target.state_dir / "truth.csv"
    inputs = report_inputs(run, truth if truth.is_file() else None, options.threshold, options.false_positive_rate)
    workshop.report = build.build(inputs, options.run)
    workshop.written = writer.write(workshop.report, reports_dir() / options.run)
    uploaded = writer.upload(workshop.written, run.bucket, options.run)
    print(console.summary(workshop.report, [str(workshop.written.html), *uploaded]))


Step = Callable[[Workshop], None]
STEPS: dict[str, tuple[str, Step]] = {
    "1.1": ("Generate sample findings", step_1_1),
    "1.2": ("Examining real findings", step_1_2),
    "2.1": ("Generate training data using CloudTrail logs", step_2_1),
    "2.2": ("Generate scoring data using GuardDuty findings", step_2_2),
    "2.4": ("Training and scoring with the IP Insights algorithm", step_2_4),
}
EXERCISES: dict[str, tuple[str, ...]] = {
    "1": ("1.1", "1.2"),
    "2": ("2.1", "2.2", "2.4"),
    **{step: (step,) for step in STEPS},
}


def run_exercise(name: str, workshop: Workshop) -> None:
    if name not in EXERCISES:
        raise CommandError(f"no exercise {name}: choose one of {', '.join(EXERCISES)}")
    if not workshop.target.is_emulator:
        stack.check_aws_credentials(workshop.target)
    for step in EXERCISES[name]:
        title, function = STEPS[step]
        announce(step, title)
        function(workshop)
