"""Lambda Invoke runs the deployed code (the shared patch every Lambda caller goes through).

Upstream (moto 5.2.5): `LambdaFunction.invoke` runs the function in a Docker container; without a
Docker engine it answers the payload "error running docker: ..." with a function error, so
nothing that invokes Lambda through moto runs any code: not the Invoke API, not S3 bucket
notifications, not EventBridge targets, not Step Functions Task states.

Patch: `LambdaFunction.invoke`, the one method all of those callers reach, runs the function's
deployment package in a subprocess (secml.emulator.lambda_process): its handler, its environment
variables plus the emulator's endpoint and its role's credentials (lambda_role_credentials), its timeout, and its MemorySize as a
resident-memory limit. The answer keeps moto's contract (payload, `x-amz-function-error`, the
base64 log tail for RequestResponse) and the log also goes to CloudWatch Logs, as moto does.
The answer's request id is the invocation's, as Lambda's is (moto gives every answer a random one
of its own, so a caller could never find the run's log by it).
Functions other than Python zip packages answer the runtime error AWS would give a broken one.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from moto import settings
from moto.awslambda.models import LambdaFunction
from moto.awslambda.responses import LambdaResponse

from secml.core.target import EMULATOR_HOST
from secml.emulator import lambda_process
from secml.emulator.patches.lambda_role_credentials import function_role_credentials

UPSTREAM_INVOKE = LambdaFunction.invoke
UPSTREAM_ENRICH_RESPONSE = LambdaResponse._enrich_response
LOG_TAIL_BYTES = 4096  # Lambda returns the last 4 KB of the log with LogType=Tail


def emulator_endpoint() -> str:
    """This emulator's address, as the function's code must reach it (moto's own port setting,
    which the emulator process sets from its --port)."""
    return f"http://{EMULATOR_HOST}:{settings.moto_server_port()}"


def function_spec(function: LambdaFunction) -> lambda_process.FunctionSpec | None:
    """The runtime's view of a moto function, or None when it is not a Python zip package."""
    if not function.code_bytes or not function.handler or not str(function.run_time or "").startswith("python"):
        return None
    environment = {
        **{str(k): str(v) for k, v in (function.environment_vars or {}).items()},
        **function_role_credentials(function.account_id, function.region, function.role, function.function_name),
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_ENDPOINT_URL": emulator_endpoint(),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
    }
    return lambda_process.FunctionSpec(
        name=function.function_name,
        handler=str(function.handler),
        code_zip=function.code_bytes,
        environment=environment,
        timeout_s=float(function.timeout or 3),
        memory_mb=int(function.memory_size or 128),
    )


def run_function(function: LambdaFunction, body: str | None) -> lambda_process.HandlerRun:
    """Run the function once; `body` is the request payload (JSON text, empty for `{}`)."""
    spec = function_spec(function)
    if spec is None:
        message = f"the emulator runs Python zip packages only, not {function.run_time or function.package_type}"
        payload = json.dumps({"errorMessage": message, "errorType": "Runtime.InvalidRuntime"})
        return lambda_process.HandlerRun(payload, "Unhandled", message + "\n", "", 0)
    return lambda_process.run(spec, body or "{}")


def _invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
    self.logs_backend.ensure_log_group(self.logs_group_name)
    run = run_function(self, body)
    self.save_logs(run.log)
    if run.function_error:
        response_headers["x-amz-function-error"] = run.function_error
    response_headers["x-amz-executed-version"] = "$LATEST"
    if run.request_id:
        # The invocation's request id, as Lambda answers it: the one its START/REPORT log lines
        # carry, by which callers find the run's whole log in CloudWatch Logs.
        response_headers["x-amzn-requestid"] = run.request_id
    if request_headers.get("x-amz-invocation-type", "RequestResponse") == "RequestResponse":
        tail = run.log.encode("utf-8")[-LOG_TAIL_BYTES:]
        response_headers["x-amz-log-result"] = base64.b64encode(tail).decode("ascii")
    return run.payload.encode("utf-8")


def _enrich_response(headers: dict[str, str], body: Any) -> tuple[dict[str, str], Any]:
    """moto's finishing of every Lambda answer, keeping the invocation's request id set above."""
    invocation_request_id = headers.get("x-amzn-requestid")
    headers, body = UPSTREAM_ENRICH_RESPONSE(headers, body)
    if invocation_request_id:
        headers["x-amzn-requestid"] = invocation_request_id
    return headers, body


def apply() -> None:
    LambdaFunction.invoke = _invoke
    LambdaResponse._enrich_response = staticmethod(_enrich_response)
