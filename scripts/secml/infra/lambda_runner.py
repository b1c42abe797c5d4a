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
    log = base64.b64decode(answer.get("LogResult", "")).decode("utf-8", "replace")
    return InvokeResult(json.loads(answer["Payload"].read() or b"null"), log, answer.get("FunctionError"))


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
