"""On AWS a run's saved log is its whole CloudWatch log, found by request id, not Invoke's
4 KB tail: read here from the (in-process) emulator's CloudWatch Logs."""

from __future__ import annotations

import time

import boto3
from moto import mock_aws

from secml.infra.lambda_runner import full_log

GROUP = "/aws/lambda/secml-cloudtrail-ingest"


def _put(logs, stream: str, messages: list[str], start_ms: int) -> None:
    logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
    events = [{"timestamp": start_ms + n, "message": message} for n, message in enumerate(messages)]
    logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events)


def test_the_whole_run_is_read_from_its_start_to_its_report_line() -> None:
    with mock_aws():
        logs = boto3.client("logs", region_name="us-west-2")
        logs.create_log_group(logGroupName=GROUP)
        body = [f"bad object s3://trail/key-{n}.json.gz: cannot read: AccessDenied" for n in range(500)]
        earlier = ["START RequestId: other Version: $LATEST", "earlier run", "REPORT RequestId: other\tDuration: 1 ms"]
        ours = ["START RequestId: abc-123 Version: $LATEST", *body, "END RequestId: abc-123"]
        now_ms = int(time.time() * 1000)  # CloudWatch Logs keeps no events older than 14 days
        _put(logs, "2026/12/02/[$LATEST]1", [*earlier, *ours, "REPORT RequestId: abc-123\tDuration: 9 ms"], now_ms)
        log = full_log(logs, GROUP, "abc-123", wait_s=0)
    assert log is not None
    lines = log.splitlines()
    assert lines[0].startswith("START RequestId: abc-123") and lines[-1].startswith("REPORT RequestId: abc-123")
    assert len(lines) == 503 and "earlier run" not in log  # far more than Invoke's 4 KB tail


def test_an_undelivered_log_gives_none_so_the_tail_is_kept() -> None:
    with mock_aws():
        logs = boto3.client("logs", region_name="us-west-2")
        logs.create_log_group(logGroupName=GROUP)
        assert full_log(logs, GROUP, "missing", wait_s=0) is None
        assert full_log(logs, "/aws/lambda/no-such-group", "missing", wait_s=0) is None
