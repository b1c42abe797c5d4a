"""Per-object training parts (lambda_src/secml_ingest/parts.py, cloudtrail_parts handler): part
names derive from the source object only; on the emulator, S3 notifications run the deployed zip
for each new object, and a poisoned object reaches the dead-letter queue with its key."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest
from ingest_fixtures import account_key, delivered_log, org_key, records

from secml.core.checkout import lambda_src_dir
from secml.core.target import Target
from secml.infra.artefacts import build_lambda_zip
from secml_ingest.errors import BadObjectError
from secml_ingest.parts import SourceObject, outside_window, part_name, sources_of_event

ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                          "Principal": {"Service": "lambda.amazonaws.com"}}]})  # fmt: skip
PARTS_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::parts-logs/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::parts-tuples/*"}]})  # fmt: skip


def test_part_names_are_dated_and_derived_from_the_source_only() -> None:
    one = part_name(SourceObject("logs", account_key("abc")))
    assert one.startswith("2024/03/01/111122223333_CloudTrail_us-west-2_20240301T1000Z_abc-") and one.endswith(".csv")
    assert part_name(SourceObject("logs", account_key("abc"))) == one
    assert part_name(SourceObject("logs", org_key("abc"))) != one
    assert part_name(SourceObject("other", account_key("abc"))) != one
    with pytest.raises(BadObjectError, match="YYYY/MM/DD"):
        part_name(SourceObject("logs", "loose/file.json.gz"))


def test_the_three_event_shapes_name_their_objects() -> None:
    notification = {
        "Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "a/my+key%3D1.json.gz", "size": 3}}}]
    }
    eventbridge = {"detail": {"bucket": {"name": "b"}, "object": {"key": "a/k.json.gz", "size": 3}}}
    batch = {
        "Items": [{"Key": "a/1.json.gz", "Size": 4}, {"Key": "a/2.json.gz", "Size": 5}],
        "BatchInput": {"bucket": "b"},
    }
    assert list(sources_of_event(notification, "")) == [SourceObject("b", "a/my key=1.json.gz", 3)]
    assert list(sources_of_event(eventbridge, "")) == [SourceObject("b", "a/k.json.gz", 3)]
    assert [s.key for s in sources_of_event(batch, "")] == ["a/1.json.gz", "a/2.json.gz"]


@pytest.mark.parametrize(
    ("since", "until", "outside"),
    [("", "", False), ("2024/03/01", "2024/03/01", False), ("2024/03/02", "", True), ("", "2024/02/29", True)],
)
def test_date_window(since: str, until: str, outside: bool) -> None:
    assert outside_window(SourceObject("b", account_key("x")), since, until) is outside


def _wait_for(check: object, timeout_s: float = 60) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()  # type: ignore[operator]
        if found:
            return found
        time.sleep(0.3)
    return check()  # type: ignore[operator]


@pytest.mark.emulator
def test_new_objects_become_parts_and_a_poisoned_one_reaches_the_dead_letter_queue(
    emulator_env: Target, tmp_path: Path
) -> None:
    region = emulator_env.region
    s3, sqs, lam = boto3.client("s3"), boto3.client("sqs"), boto3.client("lambda")
    for bucket in ("parts-logs", "parts-tuples"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    queue_url = sqs.create_queue(QueueName="parts-dead-letter")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="parts-test", AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    # The emulator runs the code with this role's credentials: read the logs, write the parts.
    iam.put_role_policy(RoleName="parts-test", PolicyName="parts", PolicyDocument=PARTS_POLICY)
    package = build_lambda_zip(lambda_src_dir(), "cloudtrail_parts", tmp_path / "cloudtrail_parts.zip")
    arn = lam.create_function(
        FunctionName="parts-test", Runtime="python3.12", Role=role, Handler="cloudtrail_parts.handler",
        Code={"ZipFile": package.read_bytes()}, Timeout=60, MemorySize=512,
        Environment={"Variables": {"OUTPUT_BUCKET": "parts-tuples", "INPUT_BUCKET": "parts-logs"}},
    )["FunctionArn"]  # fmt: skip
    lam.put_function_event_invoke_config(
        FunctionName="parts-test", MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )
    s3.put_bucket_notification_configuration(
        Bucket="parts-logs",
        NotificationConfiguration={"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn,
            "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".json.gz"}]}}}]},
    )  # fmt: skip
    good = [account_key("one"), org_key("two")]
    for key in good:
        s3.put_object(Bucket="parts-logs", Key=key, Body=delivered_log(records()))
    poisoned = account_key("poisoned")
    s3.put_object(Bucket="parts-logs", Key=poisoned, Body=delivered_log(records())[:-30])

    def parts() -> list[str]:
        listed = s3.list_objects_v2(Bucket="parts-tuples", Prefix="train/parts/").get("Contents", [])
        return sorted(item["Key"] for item in listed)

    assert len(_wait_for(lambda: len(parts()) == 2 and parts())) == 2  # type: ignore[arg-type]
    expected = sorted("train/parts/" + part_name(SourceObject("parts-logs", key)) for key in good)
    assert parts() == expected
    body = s3.get_object(Bucket="parts-tuples", Key=expected[0])["Body"].read().decode()
    assert body.splitlines()[0] == "AIDAEXAMPLEUSER00001,203.0.113.10" and len(body.splitlines()) == 7

    messages = _wait_for(lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"))
    record = json.loads(messages[0]["Body"])  # type: ignore[index]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"].replace("%2F", "/") == poisoned
    assert poisoned in record["responsePayload"]["errorMessage"]
    assert "corrupt gzip" in record["responsePayload"]["errorMessage"]
