"""Strictness patches: unpatched moto accepts what AWS refuses (so each test here fails once
upstream becomes as strict, and the patch can go), and the patched emulator refuses it as AWS does.

The emulator tests use their own region of the shared session emulator, so the stack tests in
the default region never meet what they create."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import lambda_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.guardduty.models import guardduty_backends

from secml.core.target import Target
from secml.emulator.patches import guardduty_one_detector, lambda_concurrency_quota

REGION = "us-west-2"
ISOLATED_REGION = "eu-north-1"  # nothing else in the test suite uses it


def _detector_kwargs() -> dict[str, Any]:
    return {"enable": True, "finding_publishing_frequency": "SIX_HOURS", "data_sources": {}, "tags": {}, "features": []}


# --- guardduty_one_detector -----------------------------------------------------------------


def test_upstream_creates_a_second_detector_in_one_region() -> None:
    with mock_aws():
        backend = guardduty_backends[DEFAULT_ACCOUNT_ID][REGION]
        guardduty_one_detector.UPSTREAM_CREATE_DETECTOR(backend, **_detector_kwargs())
        guardduty_one_detector.UPSTREAM_CREATE_DETECTOR(backend, **_detector_kwargs())
        assert len(backend.detectors) == 2


def test_patched_backend_refuses_a_second_detector() -> None:
    with mock_aws():
        backend = guardduty_backends[DEFAULT_ACCOUNT_ID][REGION]
        first = guardduty_one_detector.create_detector(backend, **_detector_kwargs())
        with pytest.raises(Exception, match="a detector already exists"):
            guardduty_one_detector.create_detector(backend, **_detector_kwargs())
        assert list(backend.detectors) == [first]
        other_region = guardduty_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"]
        guardduty_one_detector.create_detector(other_region, **_detector_kwargs())  # one per region


@pytest.mark.emulator
def test_patched_emulator_answers_bad_request_for_a_second_detector(emulator_env: Target) -> None:
    guardduty = boto3.client("guardduty", region_name=ISOLATED_REGION)
    first = guardduty.create_detector(Enable=True)["DetectorId"]
    try:
        with pytest.raises(ClientError) as refused:
            guardduty.create_detector(Enable=True)
        assert refused.value.response["Error"]["Code"] == "BadRequestException"
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert guardduty.list_detectors()["DetectorIds"] == [first]
    finally:
        guardduty.delete_detector(DetectorId=first)


# --- lambda_concurrency_quota ---------------------------------------------------------------


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _create_function(client: Any, iam: Any, name: str) -> None:
    role = iam.create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler", Code={"ZipFile": _zip()}
    )


@pytest.fixture
def unquoted_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.delenv("MOTO_LAMBDA_CONCURRENCY_QUOTA", raising=False)
    monkeypatch.delenv(lambda_concurrency_quota.QUOTA_VARIABLE, raising=False)
    with mock_aws():
        client = boto3.client("lambda", region_name=REGION)
        _create_function(client, boto3.client("iam", region_name=REGION), "f")
        yield lambda_backends[DEFAULT_ACCOUNT_ID][REGION]


def test_upstream_reserves_below_the_account_minimum(unquoted_moto: Any) -> None:
    assert unquoted_moto.put_function_concurrency("f", 1000) == 1000  # AWS keeps 100 unreserved


def test_upstream_has_no_account_settings() -> None:
    with mock_aws(), pytest.raises(ClientError, match=r"not yet implemented|NotImplemented|404"):
        boto3.client("lambda", region_name=REGION).get_account_settings()


def test_patched_backend_keeps_the_minimum_unreserved(unquoted_moto: Any) -> None:
    assert lambda_concurrency_quota.put_function_concurrency(unquoted_moto, "f", 900) == "900"
    with pytest.raises(InvalidParameterValueException, match=r"minimum value of \[100\]"):
        lambda_concurrency_quota.put_function_concurrency(unquoted_moto, "f", 901)


def test_a_lowered_quota_refuses_any_reservation(unquoted_moto: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new account's quota of 10 is all unreserved minimum: even 1 reserved is refused."""
    monkeypatch.setenv(lambda_concurrency_quota.QUOTA_VARIABLE, "10")
    with pytest.raises(InvalidParameterValueException, match=r"minimum value of \[10\]"):
        lambda_concurrency_quota.put_function_concurrency(unquoted_moto, "f", 1)
    settings = lambda_concurrency_quota.account_settings(unquoted_moto)["AccountLimit"]
    assert (settings["ConcurrentExecutions"], settings["UnreservedConcurrentExecutions"]) == (10, 10)


@pytest.mark.emulator
def test_patched_emulator_refuses_and_reports_concurrency(emulator_env: Target) -> None:
    client = boto3.client("lambda", region_name=ISOLATED_REGION)
    _create_function(client, boto3.client("iam", region_name=ISOLATED_REGION), "strict-concurrency")
    try:
        client.put_function_concurrency(FunctionName="strict-concurrency", ReservedConcurrentExecutions=2)
        with pytest.raises(ClientError) as refused:
            client.put_function_concurrency(FunctionName="strict-concurrency", ReservedConcurrentExecutions=901)
        assert refused.value.response["Error"]["Code"] == "InvalidParameterValueException"
        limit = client.get_account_settings()["AccountLimit"]
        assert limit["ConcurrentExecutions"] == lambda_concurrency_quota.DEFAULT_ACCOUNT_QUOTA
        assert limit["UnreservedConcurrentExecutions"] == lambda_concurrency_quota.DEFAULT_ACCOUNT_QUOTA - 2
    finally:
        client.delete_function(FunctionName="strict-concurrency")
        boto3.client("iam", region_name=ISOLATED_REGION).delete_role(RoleName="strict-concurrency-role")


# --- lambda_role_credentials ----------------------------------------------------------------


def _role_without_permissions(iam: Any, name: str) -> str:
    return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"])


def test_upstream_never_checks_a_role_session() -> None:
    """moto leaves IAM unchecked by default: a session of a role without any policy writes to S3."""
    with mock_aws():
        iam, sts = boto3.client("iam", region_name=REGION), boto3.client("sts", region_name=REGION)
        role_arn = _role_without_permissions(iam, "no-permissions")
        credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="upstream")["Credentials"]
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="upstream-unchecked")
        session_s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        session_s3.put_object(Bucket="upstream-unchecked", Key="written", Body=b"x")
        assert s3.get_object(Bucket="upstream-unchecked", Key="written")["Body"].read() == b"x"


@contextmanager
def function_with_grant(name: str, source: str, grant: dict[str, Any], variables: dict[str, str]) -> Iterator[Any]:
    """A function `name` running `source` under a role whose one inline policy is `grant`
    (named "grant"); its Lambda client, and the function and role gone afterwards."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    iam, client = boto3.client("iam", region_name=ISOLATED_REGION), boto3.client("lambda", region_name=ISOLATED_REGION)
    role_arn = _role_without_permissions(iam, name)
    iam.put_role_policy(
        RoleName=name, PolicyName="grant", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [grant]})
    )
    client.create_function(
        FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="handler.handler",
        Code={"ZipFile": buffer.getvalue()}, Timeout=30, Environment={"Variables": variables},
    )  # fmt: skip
    try:
        yield client
    finally:
        client.delete_function(FunctionName=name)
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        iam.delete_role(RoleName=name)


@pytest.mark.emulator
def test_patched_emulator_runs_functions_with_their_role_and_checks_it(emulator_env: Target) -> None:
    """A function may write only where its role allows; the deployer's own calls stay unchecked."""
    source = (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket='strict-role', Key=event['key'], Body=b'x')\n"
        "    return boto3.client('sts').get_caller_identity()['Arn']\n"
    )
    s3 = boto3.client("s3", region_name=ISOLATED_REGION)
    s3.create_bucket(Bucket="strict-role", CreateBucketConfiguration={"LocationConstraint": ISOLATED_REGION})
    grant = {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::strict-role/allowed/*"}
    try:
        with function_with_grant("strict-role-writer", source, grant, {}) as client:
            allowed = client.invoke(FunctionName="strict-role-writer", Payload=json.dumps({"key": "allowed/one"}))
            assert "FunctionError" not in allowed, allowed["Payload"].read()
            identity = json.loads(allowed["Payload"].read())
            assert identity.endswith(":assumed-role/strict-role-writer/strict-role-writer")
            refused = client.invoke(FunctionName="strict-role-writer", Payload=json.dumps({"key": "elsewhere/one"}))
            assert refused["FunctionError"] == "Unhandled"
            assert "AccessDenied" in refused["Payload"].read().decode()
        keys = [item["Key"] for item in s3.list_objects_v2(Bucket="strict-role")["Contents"]]
        assert keys == ["allowed/one"]
    finally:
        for item in s3.list_objects_v2(Bucket="strict-role").get("Contents", []):
            s3.delete_object(Bucket="strict-role", Key=item["Key"])
        s3.delete_bucket(Bucket="strict-role")


@pytest.mark.emulator
def test_where_moto_resolves_no_resource_the_role_is_checked_by_action(emulator_env: Target) -> None:
    """SNS requests reach moto's check with resource `*`: a Publish grant scoped to the topic's
    ARN lets the function publish; without any Publish grant it is refused."""
    source = (
        "import boto3, os\n"
        "def handler(event, context):\n"
        "    boto3.client('sns').publish(TopicArn=os.environ['TOPIC'], Message='unusual')\n"
    )
    sns = boto3.client("sns", region_name=ISOLATED_REGION)
    topic = sns.create_topic(Name="strict-role-topic")["TopicArn"]
    grant = {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic}
    try:
        with function_with_grant("strict-role-publisher", source, grant, {"TOPIC": topic}) as client:
            allowed = client.invoke(FunctionName="strict-role-publisher", Payload=b"{}")
            assert "FunctionError" not in allowed, allowed["Payload"].read()
            boto3.client("iam").delete_role_policy(RoleName="strict-role-publisher", PolicyName="grant")
            refused = client.invoke(FunctionName="strict-role-publisher", Payload=b"{}")
            assert refused["FunctionError"] == "Unhandled"
            assert "AccessDenied" in refused["Payload"].read().decode()
    finally:
        sns.delete_topic(TopicArn=topic)
