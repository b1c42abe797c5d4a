"""The scorer Lambda's handler against moto's in-process S3, SNS and SQS (mock_aws), with a model
promoted by the driver's promotion step."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import scoring_fixtures
from moto import mock_aws
from scoring_fixtures import finding, trained

from secml.automation.promotion import Candidate, promote_trained_model
from secml.automation.registry import registry_location
from secml_ingest.model_registry import ModelUnavailableError

BUCKET = "example-tuples"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    finding_scorer = importlib.import_module("finding_scorer")  # its clients need the region at import
    with mock_aws():
        s3, sns, sqs = boto3.client("s3"), boto3.client("sns"), boto3.client("sqs")
        s3.create_bucket(Bucket=BUCKET)
        topic = sns.create_topic(Name="unusual")["TopicArn"]
        queue = sqs.create_queue(QueueName="analysts")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
        monkeypatch.setattr(finding_scorer, "s3_client", s3)
        monkeypatch.setattr(finding_scorer, "sns_client", sns)
        monkeypatch.setattr(finding_scorer, "_loaded", {})
        monkeypatch.setenv("TUPLES_BUCKET", BUCKET)
        monkeypatch.setenv("TOPIC_ARN", topic)
        yield {"s3": s3, "sqs": sqs, "queue": queue, "handler": finding_scorer.handler}


def put_trained_model(tmp_path: Path, model_id: str, auc: float) -> Candidate:
    return scoring_fixtures.put_trained_model(tmp_path, BUCKET, model_id, auc, trained(0))


def event(detail: dict[str, Any], event_id: str = "e-1") -> dict[str, Any]:
    return {"id": event_id, "time": "2026-01-01T00:00:00Z", "source": "aws.guardduty",
            "detail-type": "GuardDuty Finding", "detail": detail}  # fmt: skip


def test_a_missing_pointer_fails_with_one_clear_line_and_nothing_cached(
    aws: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ModelUnavailableError, match="is missing: promote a model"):
        aws["handler"](event(finding("AIDAPRINCIPAL0003", ["10.6.1.1"])), None)
    assert capsys.readouterr().out.startswith("secml scorer: not scored: s3://example-tuples/models/current.json")
    # Once a model is promoted the very next finding is scored: no crash loop.
    decision = promote_trained_model(
        f"s3://{BUCKET}/models", registry_location(BUCKET), put_trained_model(tmp_path, "m1", 0.9)
    )
    assert decision.promoted
    assert aws["handler"](event(finding("AIDAPRINCIPAL0003", ["10.6.1.1"])), None)["verdict"] == "usual"


def test_a_corrupt_pointer_and_a_malformed_event_raise(aws: dict[str, Any]) -> None:
    aws["s3"].put_object(Bucket=BUCKET, Key="models/current.json", Body=b"{oops")
    with pytest.raises(ModelUnavailableError, match="is damaged"):
        aws["handler"](event(finding("AIDAPRINCIPAL0003", ["10.6.1.1"])), None)
    with pytest.raises(importlib.import_module("finding_scorer").MalformedEventError):
        aws["handler"]({"detail": {"no": "id"}}, None)


def test_unusual_findings_reach_sns_and_every_finding_reaches_live_scores(
    aws: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    promote_trained_model(f"s3://{BUCKET}/models", registry_location(BUCKET), put_trained_model(tmp_path, "m1", 0.9))
    monkeypatch.setenv("ARTEFACT_READ", "whole")
    usual = aws["handler"](event(finding("AIDAPRINCIPAL0003", ["10.6.1.1"], "a" * 32), "e-1"), None)
    unusual = aws["handler"](event(finding("AIDAPRINCIPAL0003", ["198.51.100.7"], "b" * 32), "e-2"), None)
    again = aws["handler"](event(finding("AIDAPRINCIPAL0003", ["198.51.100.7"], "b" * 32), "e-2"), None)
    assert (usual["verdict"], unusual["verdict"]) == ("usual", "unusual")
    assert unusual["delivered"]["live"] == again["delivered"]["live"]  # a retry overwrites its record
    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=BUCKET, Prefix="scores/live/")["Contents"]]
    assert len(keys) == 2
    messages = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10,
                                          MessageAttributeNames=["All"])["Messages"]  # fmt: skip
    body = json.loads(messages[0]["Body"])
    assert (body["finding_id"], body["verdict"], body["ip"]) == ("b" * 32, "unusual", "198.51.100.7")
    assert body["score"] < body["threshold"]
