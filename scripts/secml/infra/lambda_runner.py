"""Invoke a deployed Lambda function and return its result and log, on AWS or on the emulator.

Both targets take the same path: Lambda Invoke, then the run's whole log from CloudWatch Logs by
request id (Invoke's own log tail is only the last 4 KB, and is the fallback). On the emulator,
moto's Invoke runs the deployed package in a subprocess
(secml.emulator.patches.lambda_subprocess_invoke), so what runs is the function's own code,
configuration and environment, as on AWS.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from secml.core.errors import NotReadyError, ServiceError
from secml.core.target import Target

# A synchronous invoke lasts as long as the function (up to 15 minutes): wait, and never retry.
INVOKE_CLIENT_CONFIG = Config(read_timeout=960, retries={"max_attempts": 0})


@dataclass(frozen=True)
class InvokeResult:
    """What an invocation returned: `payload` is any JSON value a handler may return."""

    payload: Any
    log: str
    function_error: str | None = None

    def error_message(self) -> str:
        """Why a failed invocation failed, in one line: Lambda's ``errorMessage`` when the payload
        is its error object, else the payload itself, else the kind of error."""
        if isinstance(self.payload, dict) and self.payload.get("errorMessage"):
            return str(self.payload["errorMessage"])
        if self.payload is not None:
            return json.dumps(self.payload, default=str)
        return self.function_error or "no error reported"

    def error_summary(self) -> str:
        """The failure in one line as the user sees it: Lambda's error type, then its message."""
        kind = self.payload.get("errorType") if isinstance(self.payload, dict) else None
        return f"{kind or self.function_error}: {self.error_message()}"


def invoke(target: Target, function_name: str, event: dict[str, Any]) -> InvokeResult:
    client = boto3.client("lambda", region_name=target.region, config=INVOKE_CLIENT_CONFIG)
    try:
        answer = client.invoke(FunctionName=function_name, LogType="Tail", Payload=json.dumps(event).encode())
    except client.exceptions.ResourceNotFoundException:
        hint = "; run `make up`" if target.is_emulator else ""
        raise NotReadyError(f"function {function_name} not found{hint}") from None
    except ClientError as error:
        raise ServiceError(f"invoking {function_name}: {error}") from None
    tail = base64.b64decode(answer.get("LogResult", "")).decode("utf-8", "replace")
    request_id = answer.get("ResponseMetadata", {}).get("RequestId", "")
    logs = boto3.client("logs", region_name=client.meta.region_name)
    log = full_log(logs, f"/aws/lambda/{function_name}", request_id) or tail
    return InvokeResult(json.loads(answer["Payload"].read() or b"null"), log, answer.get("FunctionError"))


# CloudWatch Logs receives a run's lines shortly after the invocation returns.
FULL_LOG_WAIT_S = 30.0


def full_log(logs: Any, log_group: str, request_id: str, wait_s: float = FULL_LOG_WAIT_S) -> str | None:
    """The whole log of one invocation (Invoke's LogType=Tail gives only its last 4 KB): its
    START line found by request id, then its stream read on to its REPORT line. None when the
    log cannot be read (no permission, or not delivered within `wait_s`), so the tail is used."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            found = logs.filter_log_events(logGroupName=log_group, filterPattern=f'"START RequestId: {request_id}"')
            start = next(iter(found.get("events", [])), None)
            if start is not None:
                lines = _stream_from(logs, log_group, start["logStreamName"], int(start["timestamp"]), request_id)
                if lines is not None:
                    return lines
        except ClientError:
            return None
        if time.monotonic() >= deadline:
            return None
        time.sleep(2)


def _stream_from(logs: Any, log_group: str, stream: str, start_ms: int, request_id: str) -> str | None:
    """The stream's lines from the START line to this request's REPORT line, or None while the
    REPORT line has not arrived."""
    lines: list[str] = []
    token = None
    while True:
        page = logs.get_log_events(
            logGroupName=log_group, logStreamName=stream, startTime=start_ms, startFromHead=True,
            **({"nextToken": token} if token else {}),
        )  # fmt: skip
        for event in page["events"]:
            lines.append(event["message"].rstrip("\n"))
            if event["message"].startswith(f"REPORT RequestId: {request_id}"):
                return "\n".join(lines) + "\n"
        if not page["events"] or page.get("nextForwardToken") == token:
            return None
        token = page.get("nextForwardToken")
