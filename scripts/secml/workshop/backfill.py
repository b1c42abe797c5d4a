"""The backfill: every CloudTrail object under the stack's input prefix to its training part, by
the stack's Step Functions Distributed Map (the parts function over batches of objects).

Starting it, following its map run's counts (DescribeMapRun, the same API on AWS and on the
emulator) and reading its ResultWriter results (manifest, then the SUCCEEDED/FAILED files) are
all this module does; the parsing runs in the deployed function. The summary adds up the
children's own summaries and lists every failed batch with its keys and error.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from secml.core.errors import InputError, NotReadyError, ServiceError
from secml.core.target import Target
from secml.infra import stack
from secml_ingest.summary import RECORDS, IngestSummary

POLL_S = 1.0
EXCEEDED = "States.ExceedToleratedFailureThreshold"
# A map run's counts once every item has an outcome.
DONE_COUNTS = ("succeeded", "failed", "timedOut", "aborted")


def day(text: str) -> str:
    """A `YYYY-MM-DD` date, checked; InputError otherwise."""
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError as error:
        raise InputError(f"not a date (YYYY-MM-DD): {text!r}") from error


@dataclass(frozen=True)
class Window:
    """Inclusive bounds on the objects' date folders; empty = open."""

    since: str = ""
    until: str = ""

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise InputError(f"--since {self.since} is after --until {self.until}")


@dataclass(frozen=True)
class FailedBatch:
    keys: list[str]
    error: str
    cause: str


@dataclass
class BackfillReport:
    execution_arn: str
    status: str
    error: str = ""
    summary: IngestSummary = field(default_factory=lambda: IngestSummary(unit=RECORDS))
    batches_succeeded: int = 0
    failed: list[FailedBatch] = field(default_factory=list)

    @property
    def beyond_tolerance(self) -> bool:
        return self.error == EXCEEDED

    def lines(self) -> list[str]:
        lines = [f"execution: {self.execution_arn} ({self.status})"]
        lines += [f"batches succeeded: {self.batches_succeeded}", f"batches failed: {len(self.failed)}"]
        lines += self.summary.lines()
        for batch in self.failed:
            lines.append(f"failed batch ({batch.error}): {batch.cause}")
            lines += [f"  {key}" for key in batch.keys]
        return lines


def _lambda_message(cause: str) -> str:
    """The function's own error message when the cause is Lambda's error document."""
    try:
        document = json.loads(cause)
    except ValueError:
        return cause
    return str(document.get("errorMessage", cause)) if isinstance(document, dict) else cause


def read_results(s3: Any, bucket: str, manifest_key: str) -> tuple[IngestSummary, int, list[FailedBatch]]:
    """The children's summaries added up, how many batches succeeded, and the failed batches,
    from a map run's ResultWriter manifest and result files."""
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=manifest_key)["Body"].read())
    summary, succeeded, failed = IngestSummary(unit=RECORDS), 0, []
    files = manifest["ResultFiles"]
    for status, entries in (("SUCCEEDED", files.get("SUCCEEDED", [])), ("FAILED", files.get("FAILED", []))):
        for entry in entries:
            for child in json.loads(s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()):
                if status == "SUCCEEDED":
                    summary.merge(IngestSummary.from_dict(json.loads(child["Output"]), RECORDS))
                    succeeded += 1
                else:
                    keys = [str(item["Key"]) for item in json.loads(child["Input"]).get("Items", [])]
                    failed.append(FailedBatch(keys, child.get("Error", ""), _lambda_message(child.get("Cause", ""))))
    return summary, succeeded, failed


def _map_run_arn(sfn: Any, execution_arn: str) -> str | None:
    runs = sfn.list_map_runs(executionArn=execution_arn).get("mapRuns", [])
    return str(runs[0]["mapRunArn"]) if runs else None


def follow(sfn: Any, execution_arn: str, on_progress: Callable[[int, int], None], poll_s: float = POLL_S) -> dict:
    """Wait for the execution, reporting (items done, items in the map run) as they change."""
    map_run_arn = None
    while True:
        execution = sfn.describe_execution(executionArn=execution_arn)
        map_run_arn = map_run_arn or _map_run_arn(sfn, execution_arn)
        if map_run_arn is not None:
            counts = sfn.describe_map_run(mapRunArn=map_run_arn)["itemCounts"]
            on_progress(sum(int(counts.get(name, 0)) for name in DONE_COUNTS), int(counts.get("total", 0)))
        if execution["status"] != "RUNNING":
            return dict(execution)
        time.sleep(poll_s)


def start(target: Target, window: Window) -> tuple[str, dict[str, Any]]:
    """Start the backfill over the stack's input prefix; its execution ARN and the outputs."""
    values = stack.outputs(target)
    if "backfill_state_machine_arn" not in values:
        raise NotReadyError(f"the stack on {target.name} has no backfill state machine yet; run `make up` again")
    sfn = boto3.client("stepfunctions", region_name=target.region)
    name = "backfill-" + datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    request = {"prefix": values["cloudtrail_input"]["prefix"], "since": window.since, "until": window.until}
    started = sfn.start_execution(
        stateMachineArn=values["backfill_state_machine_arn"], name=name, input=json.dumps(request)
    )
    return str(started["executionArn"]), values


def run(target: Target, window: Window, on_progress: Callable[[int, int], None]) -> BackfillReport:
    """Start the backfill, follow it, and read its results. ServiceError when it failed for
    another reason than failed batches (then there are no results to read), or when Step
    Functions or S3 cannot be reached."""
    try:
        return _run(target, window, on_progress)
    except (ClientError, BotoCoreError) as error:
        raise ServiceError(f"backfill: {error}") from error


def _run(target: Target, window: Window, on_progress: Callable[[int, int], None]) -> BackfillReport:
    execution_arn, values = start(target, window)
    sfn = boto3.client("stepfunctions", region_name=target.region)
    execution = follow(sfn, execution_arn, on_progress)
    report = BackfillReport(execution_arn, execution["status"], str(execution.get("error") or ""))
    if execution["status"] != "SUCCEEDED" and not report.beyond_tolerance:
        cause = execution.get("cause") or "no cause given"
        raise ServiceError(f"backfill {execution['status'].lower()}: {report.error or 'no error'}: {cause}")
    if report.beyond_tolerance:
        map_run_arn = _map_run_arn(sfn, execution_arn)
        manifest_key = f"{values['backfill_results_prefix']}{str(map_run_arn).split(':')[-1]}/manifest.json"
        bucket = values["tuples_bucket_name"]
    else:
        details = json.loads(execution["output"])["ResultWriterDetails"]
        bucket, manifest_key = details["Bucket"], details["Key"]
    s3 = boto3.client("s3", region_name=target.region)
    report.summary, report.batches_succeeded, report.failed = read_results(s3, bucket, manifest_key)
    return report
