"""GuardDuty -> EventBridge -> Lambda on the emulator (patches guardduty_to_eventbridge and
events_lambda_target): upstream moto does neither, and the patched emulator does both as AWS does."""

from __future__ import annotations

import inspect
import json
import time
from typing import Any

import boto3
import moto.guardduty.models
import pytest
from lambda_functions import make_function
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.events.models import events_backends

from secml.core.target import Target
from secml.data.findings import sample_findings
from secml.emulator.findings import emit_findings
from secml.emulator.patches import events_lambda_target
from secml.emulator.patches.guardduty_to_eventbridge import DETAIL_TYPE, SOURCE

REGION = "us-west-2"
GUARDDUTY_PATTERN = json.dumps({"source": [SOURCE], "detail-type": [DETAIL_TYPE]})
# Sends the event it was given to the queue named by its environment: the test reads it there.
ECHO_SOURCE = (
    "import boto3, json, os\n"
    "def handler(event, context):\n"
    "    boto3.client('sqs').send_message(QueueUrl=os.environ['OUT'], MessageBody=json.dumps(event))\n"
)


def test_upstream_eventbridge_cannot_deliver_to_lambda() -> None:
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        events.put_rule(Name="to-lambda", EventPattern=GUARDDUTY_PATTERN)
        function_arn = f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT_ID}:function:anything"
        events.put_targets(Rule="to-lambda", Targets=[{"Id": "1", "Arn": function_arn}])
        rule = events_backends[DEFAULT_ACCOUNT_ID][REGION].describe_rule("to-lambda", None)
        event = {"id": "1", "source": SOURCE, "detail-type": DETAIL_TYPE, "account": DEFAULT_ACCOUNT_ID,
                 "region": REGION, "resources": [], "detail": {}, "time": 0, "ingestion-time": 0}  # fmt: skip
        with pytest.raises(NotImplementedError):
            events_lambda_target.UPSTREAM_SEND_TO_TARGETS(rule, event)


def test_upstream_guardduty_publishes_nothing_to_eventbridge() -> None:
    """No code path in moto's GuardDuty reaches EventBridge (fails once one does)."""
    assert "events" not in inspect.getsource(moto.guardduty.models).replace("moto.events", "")


def _queue(name: str) -> tuple[str, str]:
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _messages(url: str, count: int, timeout_s: float = 60) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while len(found) < count and time.monotonic() < deadline:
        answer = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"]
        )
        for message in answer.get("Messages", []):
            found.append(message)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


@pytest.fixture
def detector_id(emulator_env: Target) -> Any:
    guardduty = boto3.client("guardduty")
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    yield detector
    guardduty.delete_detector(DetectorId=detector)


@pytest.mark.emulator
def test_findings_reach_eventbridge_and_a_lambda_target(emulator_env: Target, detector_id: str) -> None:
    out_url, _ = _queue("events-echo-out")
    function_arn = make_function(
        "events-echo",
        ECHO_SOURCE,
        allowed=[{"Action": "sqs:SendMessage", "Resource": "*"}],  # its code runs with its role
        Environment={"Variables": {"OUT": out_url}},
        Timeout=30,
    )
    events = boto3.client("events")
    events.put_rule(Name="findings-to-echo", EventPattern=GUARDDUTY_PATTERN)
    events.put_targets(Rule="findings-to-echo", Targets=[{"Id": "echo", "Arn": function_arn}])
    try:
        findings = sample_findings(DEFAULT_ACCOUNT_ID, emulator_env.region, detector_id, int(time.time()), None)[:3]
        assert emit_findings(emulator_env, detector_id, findings) == [f["id"] for f in findings]
        received = [json.loads(m["Body"]) for m in _messages(out_url, 3)]
        assert sorted(e["detail"]["id"] for e in received) == sorted(f["id"] for f in findings)
        for event in received:
            assert event["source"] == SOURCE and event["detail-type"] == DETAIL_TYPE
            assert event["account"] == DEFAULT_ACCOUNT_ID and event["region"] == emulator_env.region
            assert time.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ") and "ingestion-time" not in event
        stored = boto3.client("guardduty").get_findings(DetectorId=detector_id, FindingIds=[findings[0]["id"]])
        assert stored["Findings"][0]["Id"] == findings[0]["id"]

        boto3.client("guardduty").create_sample_findings(
            DetectorId=detector_id, FindingTypes=["Recon:EC2/PortProbeUnprotectedPort"]
        )
        (sample_event,) = [json.loads(m["Body"]) for m in _messages(out_url, 1)]
        assert sample_event["detail"]["type"] == "Recon:EC2/PortProbeUnprotectedPort"
    finally:
        events.remove_targets(Rule="findings-to-echo", Ids=["echo"])
        events.delete_rule(Name="findings-to-echo")


@pytest.mark.emulator
def test_failures_reach_the_on_failure_destination_and_the_target_dead_letter_queue(
    emulator_env: Target, detector_id: str
) -> None:
    failed_url, failed_arn = _queue("events-failed")
    undelivered_url, undelivered_arn = _queue("events-undelivered")
    broken = make_function("events-broken", "def handler(event, context):\n    raise ValueError('no model')\n")
    boto3.client("lambda").put_function_event_invoke_config(
        FunctionName="events-broken",
        MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": failed_arn}},
    )
    gone = f"arn:aws:lambda:{emulator_env.region}:{DEFAULT_ACCOUNT_ID}:function:events-gone"
    events = boto3.client("events")
    events.put_rule(Name="findings-to-broken", EventPattern=GUARDDUTY_PATTERN)
    events.put_targets(
        Rule="findings-to-broken",
        Targets=[
            {"Id": "broken", "Arn": broken, "DeadLetterConfig": {"Arn": undelivered_arn}},
            {"Id": "gone", "Arn": gone, "DeadLetterConfig": {"Arn": undelivered_arn}},
        ],
    )
    try:
        finding = sample_findings(DEFAULT_ACCOUNT_ID, emulator_env.region, detector_id, int(time.time()), None)[0]
        emit_findings(emulator_env, detector_id, [finding])
        (record,) = [json.loads(m["Body"]) for m in _messages(failed_url, 1)]
        assert record["requestContext"]["condition"] == "RetriesExhausted"
        assert record["requestContext"]["approximateInvokeCount"] == 2
        assert record["requestPayload"]["detail"]["id"] == finding["id"]
        (undelivered,) = _messages(undelivered_url, 1)
        assert json.loads(undelivered["Body"])["detail"]["id"] == finding["id"]
        attributes = {k: v["StringValue"] for k, v in undelivered["MessageAttributes"].items()}
        assert attributes["TARGET_ARN"] == gone and attributes["ERROR_CODE"] == "ResourceNotFoundException"
    finally:
        events.remove_targets(Rule="findings-to-broken", Ids=["broken", "gone"])
        events.delete_rule(Name="findings-to-broken")


@pytest.mark.emulator
def test_the_seeding_route_refuses_what_is_not_a_finding(emulator_env: Target, detector_id: str) -> None:
    from secml.core.errors import ServiceError

    with pytest.raises(ServiceError, match="400"):
        emit_findings(emulator_env, detector_id, [{"id": "x"}])


# --- securityhub_batch_update_findings ------------------------------------------------------


def test_upstream_security_hub_lacks_batch_update_findings() -> None:
    from botocore.exceptions import ClientError

    with mock_aws():
        hub = boto3.client("securityhub", region_name=REGION)
        hub.enable_security_hub()
        with pytest.raises((ClientError, NotImplementedError)):
            hub.batch_update_findings(
                FindingIdentifiers=[{"Id": "x", "ProductArn": "y"}], Note={"Text": "t", "UpdatedBy": "u"}
            )


@pytest.mark.emulator
def test_guardduty_findings_get_a_security_hub_twin_that_batch_update_findings_annotates(
    emulator_env: Target, detector_id: str
) -> None:
    hub = boto3.client("securityhub")
    hub.enable_security_hub()
    try:
        finding = sample_findings(DEFAULT_ACCOUNT_ID, emulator_env.region, detector_id, int(time.time()), None)[0]
        emit_findings(emulator_env, detector_id, [finding])
        product = f"arn:aws:securityhub:{emulator_env.region}::product/aws/guardduty"
        answer = hub.batch_update_findings(
            FindingIdentifiers=[
                {"Id": finding["arn"], "ProductArn": product},
                {"Id": "missing", "ProductArn": product},
            ],
            Note={"Text": "secml IP Insights: unusual", "UpdatedBy": "secml-finding-scorer"},
            UserDefinedFields={"secml_verdict": "unusual"},
        )
        assert answer["ProcessedFindings"] == [{"Id": finding["arn"], "ProductArn": product}]
        assert answer["UnprocessedFindings"][0]["ErrorCode"] == "FindingNotFound"
        (twin,) = [f for f in hub.get_findings()["Findings"] if f["Id"] == finding["arn"]]
        assert twin["UserDefinedFields"] == {"secml_verdict": "unusual"}
        assert twin["Note"]["Text"] == "secml IP Insights: unusual"
    finally:
        hub.disable_security_hub()
