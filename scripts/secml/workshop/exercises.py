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

from secml.core import storage
from secml.core.checkout import reports_dir
from secml.core.errors import InputError, NotReadyError, ServiceError
from secml.core.target import Target
from secml.infra import lambda_runner, stack
from secml.ipinsights import api
from secml.ipinsights.choices import Backend
from secml.ipinsights.holdout import DEFAULT_HELD_OUT_SHARE
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.report import compose, console, quality, writer
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE
from secml.workshop import sample_findings
from secml.workshop.steps import DEFAULT_EXERCISE3_FINDINGS, EXERCISES, STEP_TITLES
from secml.workshop.training_run import (
    WORKSHOP_HYPERPARAMETERS,
    TrainingRun,
    TupleFiles,
    hold_out_validation,
    report_inputs,
    require_tuples,
    training_summary,
    write_contrast,
)

LOG_PREVIEW_LINES = 30
# The stack outputs naming the ingest functions; their results are kept under these names.
CLOUDTRAIL_INGEST = "cloudtrail_ingest_function_name"
GUARDDUTY_INGEST = "guardduty_ingest_function_name"


@dataclass(frozen=True)
class Scored:
    trained: api.TrainResult
    guardduty: api.ScoreSummary
    validation: api.ScoreSummary
    contrast: api.ScoreSummary


def train_and_score(
    run: TrainingRun,
    backend: Backend,
    hyperparameters: Hyperparameters,
    seed: int = 0,
    role_arn: str | None = None,
    kms_key_arn: str | None = None,
) -> Scored:
    """Train on the fitting channel, then score the GuardDuty tuples, the held-out pairs and the
    contrast pairs (write_contrast must have run). `role_arn` is the SageMaker execution role and
    `kms_key_arn` the key its outputs are written with (the sagemaker backend only)."""
    trained = api.train(
        backend,
        train=run.fit_channel,
        validation=run.validation_channel,
        model=run.model,
        hyperparameters=hyperparameters,
        seed=seed,
        progress=sys.stderr.isatty(),
        role_arn=role_arn,
        kms_key_arn=kms_key_arn,
    )
    return Scored(
        trained=trained,
        guardduty=api.score(trained.model_uri, run.guardduty_tuples, run.guardduty_scores),
        validation=api.score(trained.model_uri, run.validation_channel, run.validation_scores),
        contrast=api.score(trained.model_uri, run.contrast_channel, run.contrast_scores),
    )


@dataclass(frozen=True)
class ExerciseOptions:
    backend: Backend = "local"
    run: str = field(default_factory=compose.new_run_name)
    false_positive_rate: float = DEFAULT_FALSE_POSITIVE_RATE
    threshold: float | None = None
    seed: int = 0
    hyperparameters: Hyperparameters = WORKSHOP_HYPERPARAMETERS
    # Asked before sample findings go to a reused detector (None: refuse there).
    confirm_sample_findings: sample_findings.Confirm | None = None
    findings: int = DEFAULT_EXERCISE3_FINDINGS


@dataclass
class Workshop:
    """What the steps share: the target, the options, the stack's outputs (read once), the
    ingest functions' results (by their output name) and the report exercise 2.4 wrote."""

    target: Target
    options: ExerciseOptions
    _outputs: dict[str, Any] | None = None
    ingest_results: dict[str, dict[str, Any]] = field(default_factory=dict)
    report: compose.Report | None = None
    written: writer.WrittenReport | None = None
    live: Any = None  # exercise 3.3's LiveRun

    @property
    def outputs(self) -> dict[str, Any]:
        if self._outputs is None:
            self._outputs = stack.outputs(self.target)
        return self._outputs

    @property
    def logs_dir(self) -> Path:
        return self.target.state_dir / "exercise-logs"

    def training_run(self) -> TrainingRun:
        """This run, over the tuples the ingest functions reported writing in steps 2.1 and 2.2;
        when those steps ran in another process, over the functions' default keys."""
        bucket = self.outputs["tuples_bucket_name"]
        cloudtrail = self.ingest_results.get(CLOUDTRAIL_INGEST)
        guardduty = self.ingest_results.get(GUARDDUTY_INGEST)
        if cloudtrail is None or guardduty is None:
            return TrainingRun.in_bucket(bucket, self.options.run)
        return TrainingRun(bucket, self.options.run, TupleFiles.from_results(cloudtrail, guardduty))


def announce(step: str, title: str) -> None:
    print(f"\n=== Exercise {step}: {title} ===", flush=True)


def preview(log: str, path: Path, lines: int = LOG_PREVIEW_LINES) -> str:
    """The first `lines` lines of a long log, with the rest saved to `path` instead of the screen."""
    storage.write_text(path, log)
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


def invoke_ingest(workshop: Workshop, function_output: str, event: dict[str, str], log_name: str) -> dict[str, Any]:
    """Invoke an ingest function and keep its result (what it wrote, with counts) for later steps."""
    name = workshop.outputs[function_output]
    print(f"invoking {name} with {event}", flush=True)
    result = lambda_runner.invoke(workshop.target, name, event)
    log_path = workshop.logs_dir / log_name
    if result.function_error:
        # One line for the user (error type and message); the whole answer, stack trace
        # included, goes to the exercise log beside the function's own log.
        storage.write_text(log_path, f"{result.log}\n{json.dumps(result.payload, indent=2, default=str)}\n")
        raise ServiceError(f"{name} failed: {result.error_summary()} (stack trace in {log_path})")
    print(preview(result.log, log_path))
    if not isinstance(result.payload, dict):
        raise ServiceError(f"{name} returned {payload_summary(result.payload)}, not its ingest summary")
    print(f"result: {payload_summary(result.payload)}")
    require_readable_inputs(name, result.payload)
    workshop.ingest_results[function_output] = result.payload
    return result.payload


ACCESS_DENIED = "cannot read: AccessDenied"


def require_readable_inputs(name: str, result: dict[str, Any]) -> None:
    """An ingest that could read none of its input objects wrote nothing: that is an error (the
    step after it would train on nothing), not a summary line. Every object refused with
    AccessDenied is the signature of a trail encrypted with a key the ingest role may not use."""
    bad, read = int(result.get("bad_objects_total", 0)), int(result.get("objects_read", 0))
    if bad == 0 or read > 0 or result.get("tuples_written"):
        return
    reasons = sorted({entry["reason"] for entry in result.get("bad_objects", [])})
    if reasons == [ACCESS_DENIED]:
        raise ServiceError(
            f"{name} wrote 0 tuples because every one of its {bad} input objects was AccessDenied: "
            "when they are SSE-KMS encrypted with their own key (an organisation trail's), add that key to "
            "input_kms_key_arns and let this account use it in the key's policy; else let the function's "
            "role read the bucket (`secml doctor` checks both)"
        )
    raise ServiceError(f"{name} wrote 0 tuples: none of its {bad} input objects could be read ({'; '.join(reasons)})")


def step_1_1(workshop: Workshop) -> None:
    sample_findings.run(workshop.target, confirm=workshop.options.confirm_sample_findings)


def step_1_2(workshop: Workshop) -> None:
    print("The GuardDuty ingest function prints each finding it reads: first in full, then short.")
    invoke_ingest(workshop, GUARDDUTY_INGEST, {"print": "full"}, "1.2-full.log")
    invoke_ingest(workshop, GUARDDUTY_INGEST, {"print": "short"}, "1.2-short.log")


def reported(result: dict[str, Any], key: str) -> Any:
    """One entry of an ingest function's result, or a clear error when its code predates it."""
    if key not in result:
        raise NotReadyError(f"the ingest function's result has no {key!r}: redeploy its code (make up)")
    return result[key]


def step_2_1(workshop: Workshop) -> None:
    result = invoke_ingest(workshop, CLOUDTRAIL_INGEST, {"print": "none"}, "2.1.log")
    print(f"{reported(result, 'output')}: {reported(result, 'tuples_written'):,} <principal, IP> training tuples")


def step_2_2(workshop: Workshop) -> None:
    result = invoke_ingest(workshop, GUARDDUTY_INGEST, {"print": "none"}, "2.2.log")
    print(f"{reported(result, 'output')}: {reported(result, 'tuples_written'):,} <principal, IP> scoring tuples")
    print(f"{reported(result, 'index')}: finding index, one row per scoring tuple")


def step_2_4(workshop: Workshop) -> None:
    options = workshop.options
    run = workshop.training_run()
    require_tuples(run)
    split = hold_out_validation(run, options.seed)
    print(
        f"held out {split.held_out_pairs:,} of {split.fit_pairs + split.held_out_pairs:,} training pairs "
        f"(every occurrence of {DEFAULT_HELD_OUT_SHARE:.0%} of the distinct <principal, IP> pairs)"
    )
    if split.skipped_lines:
        print(f"skipped {split.skipped_lines:,} training lines that are not <principal, IP>")
    contrasted = write_contrast(run, options.seed)
    print(f"{contrasted:,} contrast pairs (held-out principals at addresses they never used) -> {run.contrast_channel}")
    print(f"training IP Insights ({options.backend} backend) on {run.fit_channel}", flush=True)
    on_sagemaker = options.backend == "sagemaker"
    role_arn = workshop.outputs["notebook_role_arn"] if on_sagemaker else None
    kms_key_arn = workshop.outputs["tuples_kms_key_arn"] if on_sagemaker else None
    scored = train_and_score(run, options.backend, options.hyperparameters, options.seed, role_arn, kms_key_arn)
    print(f"model: {scored.trained.model_uri}")
    print(f"training metrics: {training_summary(scored.trained.metrics)}")
    for summary in (scored.guardduty, scored.validation, scored.contrast):
        print(
            f"scored {summary.rows:,} pairs -> {summary.out} ({summary.unseen_principals:,} of unseen "
            f"principals, {summary.errors:,} not scorable)"
        )
    truth = workshop.target.state_dir / "truth.csv"
    inputs = report_inputs(
        run, truth if truth.is_file() else None, options.threshold, options.false_positive_rate, with_history=True
    )
    workshop.report = compose.compose_report(inputs, options.run)
    workshop.written = writer.write(workshop.report, reports_dir() / options.run)
    uploaded = writer.upload(workshop.written, run.bucket, options.run)
    print(console.summary(workshop.report, [str(workshop.written.html), *uploaded]))


def step_3_1(workshop: Workshop) -> None:
    from secml.workshop import live_scoring

    scorer, topic, dead_letters = live_scoring.automation_outputs(workshop.outputs)
    print(f"EventBridge rule on GuardDuty findings -> {scorer} (asynchronous; the stack deployed it)")
    print(f"unusual findings -> SNS {topic}")
    print(f"failed scorings and undeliverable events -> {dead_letters}")


def step_3_2(workshop: Workshop) -> None:
    from secml.workshop import live_scoring

    run = workshop.training_run()
    if workshop.report is None:  # exercise 2 ran in another process: its newest model
        run = TrainingRun(run.bucket, live_scoring.latest_trained_run(run.bucket), run.tuples)
    decision = live_scoring.promote_run(run)
    print(f"model {run.model}: {decision.record['decision']} ({decision.reason})")
    print(f"registry: s3://{run.bucket}/models/current.json now serves {live_scoring.current_model_id(run.bucket)}")


def step_3_3(workshop: Workshop) -> None:
    from secml.workshop import live_scoring

    outputs = workshop.outputs
    live = live_scoring.follow(
        workshop.target, outputs, workshop.options.findings, bool(outputs.get("automation_security_hub_enabled"))
    )
    workshop.live = live
    print(live.counts())
    sns = live.sns_latencies()
    print(
        f"latency emission -> SNS: p50 {live_scoring.percentile(sns, 0.5):.2f} s, p95 "
        f"{live_scoring.percentile(sns, 0.95):.2f} s over {len(sns)} messages ({live.wall_s:.0f} s in all)"
    )
    auc, judged = live_scoring.live_auc(live.tracked)
    if auc is not None:
        bucket = outputs["tuples_bucket_name"]
        model_run = TrainingRun(bucket, live_scoring.current_model_id(bucket), workshop.training_run().tuples)
        truth_path = workshop.target.state_dir / "truth.csv"
        truth = quality.parse_truth(truth_path.read_text(encoding="utf-8"), str(truth_path))
        batch = live_scoring.batch_auc(model_run, truth, judged)
        print(f"ROC AUC on {len(judged)} labelled findings: live {auc:.4f}, batch report {batch:.4f}")
        if batch is None or abs(auc - batch) > live_scoring.AUC_AGREEMENT:
            raise ServiceError(f"live ROC AUC {auc:.4f} differs from the batch report's {batch} on the same findings")
    problems = live.problems()
    if problems:
        raise ServiceError("the automation broke its promise: " + "; ".join(problems))
    if not workshop.target.is_emulator:
        print(live_scoring.RUNNING_ON_AWS)


Step = Callable[[Workshop], None]
STEP_FUNCTIONS: dict[str, Step] = {
    "1.1": step_1_1,
    "1.2": step_1_2,
    "2.1": step_2_1,
    "2.2": step_2_2,
    "2.4": step_2_4,
    "3.1": step_3_1,
    "3.2": step_3_2,
    "3.3": step_3_3,
}
STEPS: dict[str, tuple[str, Step]] = {step: (title, STEP_FUNCTIONS[step]) for step, title in STEP_TITLES.items()}


def run_exercise(name: str, workshop: Workshop) -> None:
    if name not in EXERCISES:
        raise InputError(f"no exercise {name}: choose one of {', '.join(EXERCISES)}")
    if not workshop.target.is_emulator:
        stack.check_aws_credentials(workshop.target)
    for step in EXERCISES[name]:
        title, function = STEPS[step]
        announce(step, title)
        function(workshop)
