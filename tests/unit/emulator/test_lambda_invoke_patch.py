"""The shared Lambda runtime patch (emulator/patches/lambda_subprocess_invoke.py): upstream moto
cannot run a function without Docker, and the patched emulator runs the deployed zip for every
caller: the Invoke API and S3 bucket notifications here; Step Functions in the backfill tests."""

from __future__ import annotations

import base64
import json
import time

import boto3
import pytest
from lambda_functions import REGION, make_function
from moto import mock_aws
from moto.awslambda.utils import get_backend
from moto.core import DEFAULT_ACCOUNT_ID

from secml.core.target import Target
from secml.emulator.patches import lambda_subprocess_invoke


def test_upstream_invoke_needs_docker() -> None:
    with mock_aws():
        make_function("canary", "def handler(event, context):\n    return 1\n")
        function = get_backend(DEFAULT_ACCOUNT_ID, REGION).get_function("canary")
        headers: dict[str, str] = {}
        payload = lambda_subprocess_invoke.UPSTREAM_INVOKE(function, "{}", {}, headers)
    text = payload.decode() if isinstance(payload, bytes) else payload
    assert text.startswith("error running docker")
    assert headers["x-amz-function-error"] == "Handled"


@pytest.mark.emulator
def test_invoke_runs_the_handler_with_its_environment_and_logs(emulator_env: Target) -> None:
    source = (
        "import os\n"
        "def handler(event, context):\n"
        "    print('hello from', context.function_name)\n"
        "    return {'twice': event['n'] * 2, 'colour': os.environ['COLOUR'],\n"
        "            'memory': context.memory_limit_in_mb, 'left_ms': context.get_remaining_time_in_millis()}\n"
    )
    make_function("patch-echo", source, Environment={"Variables": {"COLOUR": "teal"}}, MemorySize=256, Timeout=7)
    answer = boto3.client("lambda").invoke(FunctionName="patch-echo", Payload=b'{"n": 21}', LogType="Tail")
    payload = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer
    assert payload | {"left_ms": 0} == {"twice": 42, "colour": "teal", "memory": 256, "left_ms": 0}
    assert 0 < payload["left_ms"] <= 7000
    tail = base64.b64decode(answer["LogResult"]).decode()
    assert "hello from patch-echo" in tail and "Memory Size: 256 MB" in tail
    streams = boto3.client("logs").describe_log_streams(logGroupName="/aws/lambda/patch-echo")["logStreams"]
    assert streams


@pytest.mark.emulator
def test_the_answer_carries_the_invocation_request_id_its_log_lines_carry(emulator_env: Target) -> None:
    """Callers find a run's whole log in CloudWatch Logs by the answer's request id, as on AWS
    (upstream moto answers a random id of its own, and the log search then waits in vain)."""
    make_function("patch-request-id", "def handler(event, context):\n    return context.aws_request_id\n")
    answer = boto3.client("lambda").invoke(FunctionName="patch-request-id", Payload=b"{}", LogType="Tail")
    request_id = answer["ResponseMetadata"]["RequestId"]
    assert json.loads(answer["Payload"].read()) == request_id
    assert f"START RequestId: {request_id} " in base64.b64decode(answer["LogResult"]).decode()


@pytest.mark.emulator
def test_a_function_over_its_memory_size_is_stopped(emulator_env: Target) -> None:
    source = "def handler(event, context):\n    hog = bytearray(400 * 1024 * 1024)\n    return len(hog)\n"
    make_function("patch-hog", source, MemorySize=128, Timeout=30)
    answer = boto3.client("lambda").invoke(FunctionName="patch-hog", Payload=b"{}")
    assert answer["FunctionError"] == "Unhandled"
    assert json.loads(answer["Payload"].read())["errorType"] == "Runtime.OutOfMemory"


@pytest.mark.emulator
def test_an_s3_notification_runs_the_function(emulator_env: Target) -> None:
    source = (
        "import boto3, urllib.parse\n"
        "def handler(event, context):\n"
        "    record = event['Records'][0]['s3']\n"
        "    key = urllib.parse.unquote_plus(record['object']['key'])  # event keys are URL-encoded\n"
        "    boto3.client('s3').put_object(Bucket=record['bucket']['name'], Key='seen/' + key, Body=b'ok')\n"
    )
    grant = {"Action": "s3:PutObject", "Resource": "arn:aws:s3:::patch-notify/seen/*"}
    arn = make_function("patch-notified", source, [grant], Timeout=30)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="patch-notify", CreateBucketConfiguration={"LocationConstraint": emulator_env.region})
    s3.put_bucket_notification_configuration(
        Bucket="patch-notify",
        NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [
                {"Name": "prefix", "Value": "in/"}]}}}]},
    )  # fmt: skip
    s3.put_object(Bucket="patch-notify", Key="in/one.json", Body=b"{}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        listed = s3.list_objects_v2(Bucket="patch-notify", Prefix="seen/").get("Contents", [])
        if listed:
            break
        time.sleep(0.2)
    assert [item["Key"] for item in listed] == ["seen/in/one.json"]


def test_upstream_s3_notifications_drop_failures() -> None:
    """moto calls the function inside PutObject and drops its failure: nothing reaches the
    on-failure destination (patched: lambda_async_invocation)."""
    from moto.sqs.models import sqs_backends

    from secml.emulator.patches import lambda_async_invocation

    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(QueueName="dead")["QueueUrl"]
        arn = make_function("fails", "def handler(event, context):\n    raise ValueError('x')\n")
        boto3.client("lambda", region_name=REGION).put_function_event_invoke_config(
            FunctionName="fails",
            DestinationConfig={"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{DEFAULT_ACCOUNT_ID}:dead"}},
        )
        lambda_async_invocation.UPSTREAM_INVOKE_AWSLAMBDA(DEFAULT_ACCOUNT_ID, {"Records": []}, arn, REGION)
        assert sqs.receive_message(QueueUrl=url).get("Messages") is None
        assert sqs_backends[DEFAULT_ACCOUNT_ID][REGION].queues["dead"].approximate_number_of_messages == 0


# --- stepfunctions_validate_definition ------------------------------------------------------


def test_upstream_cannot_validate_definitions() -> None:
    from moto.stepfunctions.responses import StepFunctionResponse

    assert not hasattr(StepFunctionResponse, "validate_state_machine_definition")


@pytest.mark.emulator
def test_patched_emulator_validates_definitions(emulator_env: Target) -> None:
    sfn = boto3.client("stepfunctions")
    good = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    assert sfn.validate_state_machine_definition(definition=json.dumps(good))["result"] == "OK"
    answer = sfn.validate_state_machine_definition(definition='{"StartAt": "Nowhere", "States": {}}')
    assert answer["result"] == "FAIL" and answer["diagnostics"][0]["severity"] == "ERROR"
