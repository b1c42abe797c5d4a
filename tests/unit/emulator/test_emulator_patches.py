"""Each emulator patch: the gap is still upstream (these tests fail once moto fixes it, so the
patch can go), and the patched emulator behaves as AWS does."""

from __future__ import annotations

import base64
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import IAMPolicyStatement, PermissionResult
from moto.sagemaker.models import sagemaker_backends

from secml.core.target import Target
from secml.emulator.patches import (
    s3_policy_conditions,
    sagemaker_lifecycle_config_tags,
    sagemaker_notebook_instance_settings,
)

REGION = "us-west-2"
DENY_WITHOUT_TLS = {
    "Sid": "DenyRequestsWithoutTls",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::bucket", "arn:aws:s3:::bucket/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
ON_START = [{"Content": base64.b64encode(b"#!/bin/bash\n").decode()}]


# --- s3_policy_conditions -------------------------------------------------------------------


def test_upstream_denies_everything_under_a_tls_only_policy() -> None:
    statement = IAMPolicyStatement(DENY_WITHOUT_TLS)
    verdict = s3_policy_conditions.UPSTREAM_IS_ACTION_PERMITTED(statement, "s3:PutObject", "arn:aws:s3:::bucket/key")
    assert verdict == PermissionResult.DENIED


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"Bool": {"aws:SecureTransport": "false"}}, False),
        ({"Bool": {"aws:SecureTransport": ["true"]}}, True),
        ({"StringEquals": {"aws:SourceAccount": "123456789012"}}, False),
        ({"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}}, True),
        ({"NumericLessThan": {"aws:SecureTransport": "1"}}, False),
    ],
)
def test_conditions_evaluate_against_the_emulator_request_context(condition: dict, holds: bool) -> None:
    assert s3_policy_conditions.condition_holds(condition) is holds


@pytest.mark.emulator
def test_patched_emulator_serves_tls_only_buckets(emulator_env: Target) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="tls-only", CreateBucketConfiguration={"LocationConstraint": REGION})
    policy = {**DENY_WITHOUT_TLS, "Resource": ["arn:aws:s3:::tls-only", "arn:aws:s3:::tls-only/*"]}
    s3.put_bucket_policy(Bucket="tls-only", Policy=json.dumps({"Version": "2012-10-17", "Statement": [policy]}))
    s3.put_object(Bucket="tls-only", Key="k", Body=b"tuples")
    assert s3.get_object(Bucket="tls-only", Key="k")["Body"].read() == b"tuples"

    denied = {**policy, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    s3.put_bucket_policy(Bucket="tls-only", Policy=json.dumps({"Version": "2012-10-17", "Statement": [denied]}))
    with pytest.raises(ClientError, match=r"403|Forbidden|AccessDenied"):
        s3.put_object(Bucket="tls-only", Key="k2", Body=b"x")


# --- sagemaker_lifecycle_config_tags --------------------------------------------------------


def test_upstream_cannot_resolve_lifecycle_config_arns() -> None:
    with mock_aws():
        backend = sagemaker_backends[DEFAULT_ACCOUNT_ID][REGION]
        config = backend.create_notebook_instance_lifecycle_config("cfg", on_create=[], on_start=ON_START)
        with pytest.raises(AttributeError):
            sagemaker_lifecycle_config_tags.UPSTREAM_GET_RESOURCE_FROM_ARN(backend, config.arn)


@pytest.mark.emulator
def test_patched_emulator_tags_lifecycle_configs(emulator_env: Target) -> None:
    sagemaker = boto3.client("sagemaker")
    arn = sagemaker.create_notebook_instance_lifecycle_config(
        NotebookInstanceLifecycleConfigName="tagged-config",
        OnStart=ON_START,
        Tags=[{"Key": "Project", "Value": "secml"}],
    )["NotebookInstanceLifecycleConfigArn"]
    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "Project", "Value": "secml"}]
    sagemaker.add_tags(ResourceArn=arn, Tags=[{"Key": "Owner", "Value": "team"}])
    sagemaker.delete_tags(ResourceArn=arn, TagKeys=["Project"])
    assert sagemaker.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "Owner", "Value": "team"}]


# --- sagemaker_notebook_instance_settings ---------------------------------------------------

NOTEBOOK_SETTINGS = {
    "PlatformIdentifier": "notebook-al2-v3",
    "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": "2"},
}


def test_upstream_drops_platform_and_metadata_settings() -> None:
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name=REGION)
        sagemaker.create_notebook_instance(
            NotebookInstanceName="nb",
            InstanceType="ml.t3.medium",
            RoleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/r",
            **NOTEBOOK_SETTINGS,
        )
        instance = sagemaker_backends[DEFAULT_ACCOUNT_ID][REGION].get_notebook_instance("nb")
        described = sagemaker_notebook_instance_settings.UPSTREAM_TO_DICT(instance)
        assert not set(NOTEBOOK_SETTINGS) & set(described)


@pytest.mark.emulator
def test_patched_emulator_keeps_platform_and_metadata_settings(emulator_env: Target) -> None:
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_notebook_instance(
        NotebookInstanceName="hardened-nb",
        InstanceType="ml.t3.medium",
        RoleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/r",
        **NOTEBOOK_SETTINGS,
    )
    described = sagemaker.describe_notebook_instance(NotebookInstanceName="hardened-nb")
    assert {key: described[key] for key in NOTEBOOK_SETTINGS} == NOTEBOOK_SETTINGS


def _empty_a_versioned_bucket_with_a_delete_marker() -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket="versioned", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket="versioned", Key="k", Body=b"v1")
    s3.delete_object(Bucket="versioned", Key="k")  # leaves a delete marker
    # terraform destroy removes the versioning resource (suspends it) before force_destroy empties
    s3.put_bucket_versioning(Bucket="versioned", VersioningConfiguration={"Status": "Suspended"})
    listed = s3.list_object_versions(Bucket="versioned")
    entries = [*listed.get("Versions", []), *listed.get("DeleteMarkers", [])]
    objects = [{"Key": entry["Key"], "VersionId": entry["VersionId"]} for entry in entries]
    s3.delete_objects(Bucket="versioned", Delete={"Objects": objects})  # what force_destroy does
    assert "Versions" not in s3.list_object_versions(Bucket="versioned")


def test_upstream_cannot_empty_a_bucket_holding_a_delete_marker() -> None:
    with mock_aws(), pytest.raises((AttributeError, ClientError)):  # in-process, or a 500 from the server
        _empty_a_versioned_bucket_with_a_delete_marker()


def test_patched_emulator_empties_a_bucket_holding_a_delete_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.s3.models import FakeDeleteMarker

    from secml.emulator.patches import s3_delete_marker_dispose

    monkeypatch.setattr(FakeDeleteMarker, "dispose", None, raising=False)  # undone after the test
    s3_delete_marker_dispose.apply()
    with mock_aws():
        _empty_a_versioned_bucket_with_a_delete_marker()


# --- scheduler_client_token -----------------------------------------------------------------

RETRAINING_SCHEDULE = {
    "Name": "retraining",
    "ScheduleExpression": "rate(7 days)",
    "FlexibleTimeWindow": {"Mode": "OFF"},
    "Target": {
        "Arn": f"arn:aws:lambda:{REGION}:{DEFAULT_ACCOUNT_ID}:function:retrainer",
        "RoleArn": f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/scheduler",
    },
}


def test_upstream_refuses_a_create_retried_with_its_own_client_token() -> None:
    with mock_aws():
        scheduler = boto3.client("scheduler", region_name=REGION)
        scheduler.create_schedule(ClientToken="first-attempt", **RETRAINING_SCHEDULE)
        with pytest.raises(ClientError, match="ConflictException"):
            scheduler.create_schedule(ClientToken="first-attempt", **RETRAINING_SCHEDULE)


@pytest.mark.emulator
def test_patched_emulator_answers_a_retried_create_and_still_refuses_a_new_one(emulator_env: Target) -> None:
    scheduler = boto3.client("scheduler")
    arn = scheduler.create_schedule(ClientToken="first-attempt", **RETRAINING_SCHEDULE)["ScheduleArn"]
    assert scheduler.create_schedule(ClientToken="first-attempt", **RETRAINING_SCHEDULE)["ScheduleArn"] == arn
    with pytest.raises(ClientError, match="ConflictException"):
        scheduler.create_schedule(ClientToken="another-apply", **RETRAINING_SCHEDULE)
    assert [s["Arn"] for s in scheduler.list_schedules()["Schedules"]] == [arn]
    scheduler.delete_schedule(Name="retraining")
