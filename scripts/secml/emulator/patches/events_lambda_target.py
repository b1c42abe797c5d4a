"""EventBridge rules deliver to Lambda targets: an asynchronous invoke, as on AWS.

Gap (moto 5.2.5): `Rule.send_to_targets` handles log groups, archives, SQS, event buses and API
destinations only; a rule whose target is a Lambda function raises NotImplementedError inside
PutEvents, so no EventBridge-triggered function can run on the emulator.

Patch: Lambda targets are delivered the way AWS does: the event (after the target's input
transformer, with `time` as an ISO-8601 string) becomes one asynchronous invocation, queued by
lambda_async_invocation (the emulator's one asynchronous invoke: the function's retries and its
on-failure destination apply, and the runtime patch runs the deployed code). A delivery that
cannot be made (the function does not exist) goes to the target's dead-letter queue with AWS's
message attributes (RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE), or is dropped with a log
line when the target has none, as EventBridge does. Other targets keep moto's behaviour.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from typing import Any

from moto.events.models import Rule
from moto.events.utils import EventMessageType, EventTemplateParser
from moto.utilities.arns import parse_arn

from secml.emulator.patches import lambda_async_invocation

UPSTREAM_SEND_TO_TARGETS = Rule.send_to_targets
LOG = logging.getLogger(__name__)


def aws_event(event: Any) -> Any:
    """The event as a Lambda target receives it: moto keeps `time` as epoch seconds and adds
    its own `ingestion-time`; AWS sends `time` as `YYYY-MM-DDTHH:MM:SSZ` and no such key."""
    if not isinstance(event, dict):
        return event
    shaped = {key: value for key, value in event.items() if key != "ingestion-time"}
    if isinstance(shaped.get("time"), (int, float)):
        shaped["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(shaped["time"]))
    return shaped


def _dead_letter(rule: Rule, target: dict[str, Any], event: Any, code: str, message: str) -> None:
    queue_arn = (target.get("DeadLetterConfig") or {}).get("Arn")
    if not queue_arn:
        LOG.warning("event for %s dropped (%s: %s): the target has no dead-letter queue", target["Arn"], code, message)
        return
    from moto.sqs.models import sqs_backends

    queue = parse_arn(queue_arn)
    attributes = {
        "RULE_ARN": rule.arn,
        "TARGET_ARN": target["Arn"],
        "ERROR_CODE": code,
        "ERROR_MESSAGE": message,
    }
    sqs_backends[queue.account][queue.region].send_message(
        queue.resource_id,
        json.dumps(event),
        message_attributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )


def deliver_to_lambda(rule: Rule, target: dict[str, Any], event: Any) -> None:
    from moto.awslambda.utils import get_backend

    function = parse_arn(target["Arn"])
    try:
        get_backend(function.account, function.region).get_function(target["Arn"])
    except Exception:  # moto raises its UnknownFunctionException (and others) for a missing function
        _dead_letter(rule, target, event, "ResourceNotFoundException", f"Function not found: {target['Arn']}")
        return
    lambda_async_invocation.queue_invocation(function.account, event, target["Arn"], function.region)


def send_to_targets(self: Rule, original_event: EventMessageType, transform_input: bool = True) -> None:
    if not self.event_pattern.matches_event(original_event):
        return
    lambda_targets = [t for t in self.targets if parse_arn(t["Arn"]).service == "lambda"]
    if len(lambda_targets) < len(self.targets):
        others = copy.copy(self)
        others.targets = [t for t in self.targets if t not in lambda_targets]
        UPSTREAM_SEND_TO_TARGETS(others, original_event, transform_input)
    for target in lambda_targets:
        transformer = target.get("InputTransformer") if transform_input else None
        event = (
            EventTemplateParser.parse(
                input_template=transformer.get("InputTemplate"),
                input_paths_map=transformer.get("InputPathsMap", {}),
                event=original_event,
            )
            if transformer
            else aws_event(original_event)  # the whole event, as AWS sends it without a transformer
        )
        deliver_to_lambda(self, target, event)


def apply() -> None:
    Rule.send_to_targets = send_to_targets
