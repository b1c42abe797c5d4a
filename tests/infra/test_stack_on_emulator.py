"""The root stack applied once on the embedded emulator by pytest-terraform, checked with boto3
as a user's AWS account would show it, then destroyed, leaving nothing behind."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from pytest_terraform import terraform

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.usefixtures("stack_environment")]

# pytest-terraform applies tests/infra/terraform/secml_stack (the root stack as a module) once
# for this module; the last test destroys it, so teardown has nothing left to do.
terraform("secml_stack", scope="module", teardown=terraform.TEARDOWN_OFF)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"

CONTRACT_OUTPUTS = {
    "tuples_bucket_name",
    "tuples_kms_key_arn",
    "cloudtrail_ingest_function_name",
    "cloudtrail_ingest_function_arn",
    "guardduty_ingest_function_name",
    "guardduty_ingest_function_arn",
    "cloudtrail_ingest_role_arn",
    "guardduty_ingest_role_arn",
    "guardduty_detector_id",
    "notebook_instance_name",
    "notebook_url",
    "notebook_role_arn",
    "cloudtrail_input",
    "guardduty_input",
    "region",
}


def outputs_of(secml_stack: Any) -> dict[str, Any]:
    return secml_stack.outputs["stack"]["value"]


def role_policy_statements(role_arn: str) -> list[dict[str, Any]]:
    iam = boto3.client("iam")
    role_name = role_arn.rsplit("/", 1)[1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    return document["Statement"]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_outputs_follow_the_contract(secml_stack: Any) -> None:
    outputs = outputs_of(secml_stack)
    assert set(outputs) >= CONTRACT_OUTPUTS
    assert outputs["cloudtrail_input"] == {"bucket": outputs["tuples_bucket_name"], "prefix": "cloudtrail/"}
    assert outputs["region"] == "us-west-2"


def test_tuples_bucket_is_encrypted_versioned_private_and_tls_only(secml_stack: Any, stack_name_prefix: str) -> None:
    outputs = outputs_of(secml_stack)
    s3, bucket = boto3.client("s3"), outputs["tuples_bucket_name"]
    assert bucket.startswith(f"{stack_name_prefix}-tuples-")
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": outputs["tuples_kms_key_arn"],
    }
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags["Project"] == "secml" and tags["ManagedBy"] == "terraform"
    kms = boto3.client("kms")
    assert kms.get_key_rotation_status(KeyId=outputs["tuples_kms_key_arn"])["KeyRotationEnabled"]


def test_ingest_functions_match_the_lambda_contract(secml_stack: Any) -> None:
    outputs = outputs_of(secml_stack)
    lambda_client, bucket = boto3.client("lambda"), outputs["tuples_bucket_name"]
    expected = {
        "cloudtrail": {
            "INPUT_BUCKET": bucket,
            "INPUT_PREFIX": "cloudtrail/",
            "OUTPUT_BUCKET": bucket,
            "OUTPUT_KEY": "train/cloudtrail_tuples.csv",
            "IPV6_OUTPUT_KEY": "train/cloudtrail_tuples_ipv6.csv",
        },
        "guardduty": {
            "INPUT_BUCKET": bucket,
            "INPUT_PREFIX": "guardduty/",
            "OUTPUT_BUCKET": bucket,
            "OUTPUT_KEY": "infer/guardduty_tuples.csv",
            "INDEX_KEY": "infer/guardduty_findings.csv",
        },
    }
    for kind, environment in expected.items():
        name = outputs[f"{kind}_ingest_function_name"]
        config = lambda_client.get_function_configuration(FunctionName=name)
        assert config["Runtime"] == "python3.12"
        assert config["Handler"] == f"{kind}_ingest.handler"
        assert config["Environment"]["Variables"] == environment
        assert config["TracingConfig"]["Mode"] == "Active"
        assert config["KMSKeyArn"] == outputs["tuples_kms_key_arn"]
        assert config["Role"] == outputs[f"{kind}_ingest_role_arn"]
        # Unreserved by default: AWS refuses reservations below the account's unreserved minimum.
        assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(FunctionName=name)


def test_ingest_roles_are_least_privilege(secml_stack: Any) -> None:
    outputs = outputs_of(secml_stack)
    bucket = outputs["tuples_bucket_name"]
    for kind, own_keys in {
        "cloudtrail": {"train/cloudtrail_tuples.csv", "train/cloudtrail_tuples_ipv6.csv"},
        "guardduty": {"infer/guardduty_tuples.csv", "infer/guardduty_findings.csv"},
    }.items():
        statements = {s["Sid"]: s for s in role_policy_statements(outputs[f"{kind}_ingest_role_arn"])}
        wildcard = [sid for sid, s in statements.items() if "*" in as_list(s["Resource"])]
        assert wildcard == ["SendTraces"]
        assert set(as_list(statements["WriteOwnOutputKeys"]["Resource"])) == {
            f"arn:aws:s3:::{bucket}/{key}" for key in own_keys
        }
        assert as_list(statements["ReadInputPrefix"]["Resource"]) == [f"arn:aws:s3:::{bucket}/{kind}/*"]
        assert as_list(statements["UseTuplesKey"]["Resource"]) == [outputs["tuples_kms_key_arn"]]


def test_guardduty_detector_is_enabled(secml_stack: Any) -> None:
    detector = boto3.client("guardduty").get_detector(DetectorId=outputs_of(secml_stack)["guardduty_detector_id"])
    assert detector["Status"] == "ENABLED"
    assert detector["FindingPublishingFrequency"] == "FIFTEEN_MINUTES"


def test_notebook_instance_is_hardened_and_installs_the_workshop(secml_stack: Any) -> None:
    outputs = outputs_of(secml_stack)
    sagemaker, bucket = boto3.client("sagemaker"), outputs["tuples_bucket_name"]
    notebook = sagemaker.describe_notebook_instance(NotebookInstanceName=outputs["notebook_instance_name"])
    assert notebook["InstanceType"] == "ml.t3.medium"
    assert notebook["PlatformIdentifier"] == "notebook-al2-v3"
    assert notebook["RootAccess"] == "Disabled"
    assert notebook["KmsKeyId"] == outputs["tuples_kms_key_arn"]
    assert notebook["RoleArn"] == outputs["notebook_role_arn"]
    assert notebook["InstanceMetadataServiceConfiguration"]["MinimumInstanceMetadataServiceVersion"] == "2"
    config_name = notebook["NotebookInstanceLifecycleConfigName"]
    config = sagemaker.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=config_name)
    script = base64.b64decode(config["OnStart"][0]["Content"]).decode()
    assert f"s3://{bucket}/notebook/workshop-ipinsights.ipynb" in script
    assert (
        json.dumps(
            {
                "bucket": bucket,
                "kms_key_arn": outputs["tuples_kms_key_arn"],
                "region": "us-west-2",
                "role_arn": outputs["notebook_role_arn"],
            },
            separators=(",", ":"),
        )
        in script
    )
    tags = sagemaker.list_tags(ResourceArn=config["NotebookInstanceLifecycleConfigArn"])["Tags"]
    assert {"Key": "Project", "Value": "secml"} in tags
    uploaded = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="notebook/")["Contents"]
    names = {item["Key"].rsplit("/", 1)[1] for item in uploaded}
    assert "workshop-ipinsights.ipynb" in names
    assert any(name.startswith("secml-") and name.endswith(".whl") for name in names)
    pass_role = [
        s for s in role_policy_statements(outputs["notebook_role_arn"]) if s["Sid"] == "PassOwnRoleToSageMaker"
    ]
    assert as_list(pass_role[0]["Resource"]) == [outputs["notebook_role_arn"]]


def test_ingest_runs_with_its_role_and_is_refused_what_the_role_lacks(secml_stack: Any) -> None:
    """The emulator runs a function's code with its role's credentials and checks the role's
    policy (emulator/patches/lambda_role_credentials.py): the deployed CloudTrail ingest runs
    clean with its own role, and fails with S3's AccessDenied once its role may not write its output."""
    outputs = outputs_of(secml_stack)
    bucket, function_name = outputs["tuples_bucket_name"], outputs["cloudtrail_ingest_function_name"]
    records = (FIXTURES / "cloudtrail_records.json").read_bytes()
    boto3.client("s3").put_object(Bucket=bucket, Key="cloudtrail/2019/records.json.gz", Body=gzip.compress(records))
    lambda_client, iam = boto3.client("lambda"), boto3.client("iam")

    answer = lambda_client.invoke(FunctionName=function_name, Payload=b"{}")
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert boto3.client("s3").head_object(Bucket=bucket, Key="train/cloudtrail_tuples.csv")["ContentLength"] > 0

    role_name = outputs["cloudtrail_ingest_role_arn"].rsplit("/", 1)[1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    statements = role_policy_statements(outputs["cloudtrail_ingest_role_arn"])
    without_write = [statement for statement in statements if statement["Sid"] != "WriteOwnOutputKeys"]
    assert len(without_write) == len(statements) - 1
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName=policy_name,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": without_write}),
    )
    try:
        refused = lambda_client.invoke(FunctionName=function_name, Payload=b"{}")
    finally:
        iam.put_role_policy(
            RoleName=role_name,
            PolicyName=policy_name,
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    assert refused["FunctionError"] == "Unhandled"
    assert "AccessDenied" in refused["Payload"].read().decode()


def test_destroy_leaves_nothing(secml_stack: Any, stack_name_prefix: str) -> None:
    outputs = outputs_of(secml_stack)
    secml_stack.terraform.destroy()
    buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith(stack_name_prefix)]
    functions = boto3.client("lambda").list_functions()["Functions"]
    assert not [f for f in functions if f["FunctionName"].startswith(stack_name_prefix)]
    roles = boto3.client("iam").list_roles()["Roles"]
    assert not [r for r in roles if r["RoleName"].startswith(stack_name_prefix)]
    groups = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{stack_name_prefix}")
    assert groups["logGroups"] == []
    assert outputs["guardduty_detector_id"] not in boto3.client("guardduty").list_detectors()["DetectorIds"]
    sagemaker = boto3.client("sagemaker")
    assert sagemaker.list_notebook_instances(NameContains=stack_name_prefix)["NotebookInstances"] == []
    with pytest.raises(sagemaker.exceptions.ClientError, match=r"does not exist|Could not find"):
        sagemaker.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=outputs["notebook_lifecycle_config_name"]
        )
    key = boto3.client("kms").describe_key(KeyId=outputs["tuples_kms_key_arn"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"  # AWS never deletes a key at once
