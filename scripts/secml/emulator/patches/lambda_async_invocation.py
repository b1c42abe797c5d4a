"""S3 bucket notifications invoke Lambda asynchronously, with retries and an on-failure destination.

Upstream (moto 5.2.5): `moto.s3.notifications._invoke_awslambda` calls the function inside the
PutObject request and drops whatever goes wrong: no retry, and nothing reaches the function's
on-failure destination (`PutFunctionEventInvokeConfig` is stored but never used). AWS invokes
asynchronously, retries a failed invocation `MaximumRetryAttempts` times (2 by default) and then
sends an invocation record (request payload, condition, the function's error) to the OnFailure
destination, so a poisoned object is never lost silently.

Patch: the notification is queued to worker threads that invoke the function through
`LambdaFunction.invoke` (so the runtime patch runs the deployed code), retries as configured,
and deliver AWS's invocation record to an SQS OnFailure destination. Other destination types
are logged as not delivered. `queue_invocation` is the one asynchronous invoke of the emulator:
EventBridge's Lambda targets (events_lambda_target) queue theirs here too. ASYNC_WORKERS
invocations run at once, as Lambda runs several execution environments.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from datetime import datetime, timezone
from typing import Any

import moto.s3.notifications as s3_notifications
from moto.awslambda.models import LambdaFunction

UPSTREAM_INVOKE_AWSLAMBDA = s3_notifications._invoke_awslambda
DEFAULT_RETRY_ATTEMPTS = 2
LOG = logging.getLogger(__name__)
_work: queue.Queue[tuple[str, Any, str, str]] = queue.Queue()
ASYNC_WORKERS = 4
_workers_started = threading.Lock()
_workers: list[threading.Thread] = []


def _invoke_config(function: LambdaFunction) -> dict[str, Any]:
    return dict(function.event_invoke_config[0].config) if function.event_invoke_config else {}


def failure_record(function: LambdaFunction, event: Any, attempts: int, payload: bytes, error: str) -> dict[str, Any]:
    """The invocation record Lambda sends to an on-failure destination."""
    try:
        response: Any = json.loads(payload)
    except ValueError:
        response = payload.decode("utf-8", "replace")
    return {
        "version": "1.0",
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function.function_arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": error},
        "responsePayload": response,
    }


def _deliver(account_id: str, destination: str, record: dict[str, Any]) -> None:
    service, region, name = destination.split(":")[2], destination.split(":")[3], destination.split(":")[-1]
    if service != "sqs":
        LOG.warning("on-failure destination %s not delivered: the emulator delivers to SQS only", destination)
        return
    from moto.sqs.models import sqs_backends

    sqs_backends[account_id][region].send_message(name, json.dumps(record))


def invoke_asynchronously(account_id: str, event: Any, function_arn: str, region: str) -> None:
    """Run one asynchronous invocation to the end: attempts, then the on-failure destination."""
    from moto.awslambda.utils import get_backend

    try:
        function = get_backend(account_id, region).get_function(function_arn)
    except Exception:  # AWS drops events for a function that no longer exists
        LOG.warning("asynchronous invocation of %s dropped: no such function", function_arn)
        return
    config = _invoke_config(function)
    attempts = 1 + int(config.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS))
    payload: str | bytes = b""
    error = ""
    for _ in range(attempts):
        headers: dict[str, str] = {}
        payload = function.invoke(json.dumps(event), {"x-amz-invocation-type": "Event"}, headers)
        error = headers.get("x-amz-function-error", "")
        if not error:
            return
    destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    if destination:
        raw = payload if isinstance(payload, bytes) else str(payload).encode()
        _deliver(account_id, destination, failure_record(function, event, attempts, raw, error))


def _work_loop() -> None:
    while True:
        account_id, event, function_arn, region = _work.get()
        try:
            invoke_asynchronously(account_id, event, function_arn, region)
        except Exception:  # one broken invocation must not stop the queue
            LOG.exception("asynchronous invocation of %s failed", function_arn)
        finally:
            _work.task_done()


def queue_invocation(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
    """Replaces moto's synchronous call: S3 answers PutObject at once, as AWS does."""
    with _workers_started:
        while len(_workers) < ASYNC_WORKERS:
            worker = threading.Thread(target=_work_loop, name=f"lambda-async-{len(_workers)}", daemon=True)
            worker.start()
            _workers.append(worker)
    _work.put((account_id, event_body, fn_arn, region_name))


def apply() -> None:
    s3_notifications._invoke_awslambda = queue_invocation
