"""Invoke a deployed Lambda function and return its result and log, on AWS or on the emulator.

The emulator stores functions but cannot run them without Docker, so there the runner does what
Lambda would: read the function's configuration and code (GetFunction), unpack exactly that code,
and run its handler in a subprocess with the function's environment plus the target's (endpoint,
credentials, region), under the function's timeout. Either way the caller gets the same
InvokeResult, and the log is framed with the START/END/REPORT lines Lambda writes.
"""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from secml.core.errors import NotReadyError, ServiceError
from secml.core.target import Target

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
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


def invoke(target: Target, function_name: str, event: dict[str, Any]) -> InvokeResult:
    client = boto3.client("lambda", region_name=target.region, config=INVOKE_CLIENT_CONFIG)
    if target.is_emulator:
        return _run_deployed_code(target, client, function_name, event)
    return _invoke_on_aws(client, function_name, event)


def _invoke_on_aws(client: Any, function_name: str, event: dict[str, Any]) -> InvokeResult:
    try:
        answer = client.invoke(FunctionName=function_name, LogType="Tail", Payload=json.dumps(event).encode())
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
                lines = _stream_from(logs, log_group, start["logStreamName"], start["timestamp"], request_id)
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


def _deployed_function(client: Any, function_name: str) -> dict[str, Any]:
    try:
        return dict(client.get_function(FunctionName=function_name))
    except ClientError as error:
        raise NotReadyError(f"function {function_name} not found on the emulator ({error}); run `make up`") from None


def _unpack_code(location: str, into: Path) -> None:
    with urllib.request.urlopen(location, timeout=60) as answer:
        archive = answer.read()
    with zipfile.ZipFile(io.BytesIO(archive)) as code:
        code.extractall(into)


def _function_environment(target: Target, configuration: dict[str, Any], request_id: str) -> dict[str, str]:
    """The function's variables, then the target's AWS settings and what the runtime sets."""
    variables = (configuration.get("Environment") or {}).get("Variables") or {}
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        **variables,
        **target.environment(base={}),
        "AWS_LAMBDA_FUNCTION_NAME": configuration["FunctionName"],
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(configuration.get("MemorySize", 128)),
        "SECML_LAMBDA_TIMEOUT_S": str(configuration.get("Timeout", 3)),
        "SECML_LAMBDA_REQUEST_ID": request_id,
    }


def _captured_text(captured: bytes | str | None) -> str:
    """What a timed-out process wrote: `subprocess` hands over the raw bytes read before the
    timeout, even in text mode."""
    if isinstance(captured, bytes):
        return captured.decode("utf-8", "replace")
    return captured or ""


def _runtime_error(message: str) -> dict[str, Any]:
    """The outcome the Lambda runtime reports when the handler returned nothing itself."""
    return {"error": "Unhandled", "payload": {"errorMessage": message}}


def _run_deployed_code(target: Target, client: Any, function_name: str, event: dict[str, Any]) -> InvokeResult:
    function = _deployed_function(client, function_name)
    configuration = function["Configuration"]
    timeout_s = float(configuration.get("Timeout", 3))
    request_id = str(uuid.uuid4())
    with tempfile.TemporaryDirectory(prefix="secml-lambda-") as workdir:
        code_dir, result_file = Path(workdir) / "task", Path(workdir) / "result.json"
        _unpack_code(function["Code"]["Location"], code_dir)
        started = time.monotonic()
        try:
            process = subprocess.run(
                [sys.executable, "-I", str(BOOTSTRAP), str(code_dir), configuration["Handler"], str(result_file)],
                input=json.dumps(event), capture_output=True, text=True, timeout=timeout_s, cwd=code_dir,
                env=_function_environment(target, configuration, request_id),
            )  # fmt: skip
            output = process.stdout + process.stderr
            outcome = json.loads(result_file.read_text()) if result_file.exists() else None
        except subprocess.TimeoutExpired as expired:
            output = _captured_text(expired.stdout) + _captured_text(expired.stderr)
            outcome = _runtime_error(f"Task timed out after {timeout_s:.2f} seconds")
        duration_ms = (time.monotonic() - started) * 1000
    if outcome is None:
        outcome = _runtime_error(f"Runtime exited with status {process.returncode}")
    log = (
        f"START RequestId: {request_id} Version: $LATEST\n{output}"
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\n"
    )
    return InvokeResult(outcome["payload"], log, outcome.get("error"))
