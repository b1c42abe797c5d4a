"""Invoke a deployed Lambda function and return its result and log, on AWS or on the emulator.

Both targets take the same path: Lambda Invoke with the log tail. On the emulator, moto's Invoke
runs the deployed package in a subprocess (secml.emulator.patches.lambda_subprocess_invoke), so
what runs is the function's own code, configuration and environment, as on AWS.
"""

from __future__ import annotations

import base64
import json
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


def invoke(target: Target, function_name: str, event: dict[str, Any]) -> InvokeResult:
    client = boto3.client("lambda", region_name=target.region, config=INVOKE_CLIENT_CONFIG)
    try:
        answer = client.invoke(FunctionName=function_name, LogType="Tail", Payload=json.dumps(event).encode())
    except client.exceptions.ResourceNotFoundException:
        hint = "; run `make up`" if target.is_emulator else ""
        raise NotReadyError(f"function {function_name} not found{hint}") from None
    except ClientError as error:
        raise ServiceError(f"invoking {function_name}: {error}") from None
    log = base64.b64decode(answer.get("LogResult", "")).decode("utf-8", "replace")
    return InvokeResult(json.loads(answer["Payload"].read() or b"null"), log, answer.get("FunctionError"))
