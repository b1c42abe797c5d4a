"""The runnable examples in terraform/examples: each one initialises offline and validates, and
each one applies to the embedded emulator and destroys cleanly, leaving alone what it was given
(an existing GuardDuty detector, an organisation trail's bucket and key, the user's KMS key).

Every run works on a copy of terraform/ and notebooks/ in a temporary folder, so Terraform's
working data, lock file and state never land in the checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from secml.emulator.server import EmulatorFiles
from secml.infra.terraform import unrecorded_resources

CHECKOUT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(path.parent.name for path in (CHECKOUT / "terraform" / "examples").glob("*/main.tf"))
# What an example reads: the stack it calls (source = "../..") and the notebook the stack installs.
COPIED_FOLDERS = ("terraform", "notebooks")
NOT_COPIED = shutil.ignore_patterns(
    ".terraform", ".terraform.lock.hcl", "*.tfstate", "*.tfstate.*", "*.tfvars", "*.tfvars.json"
)

ORGANIZATION_ID = "o-a1b2c3d4e5"
TRAIL_ACCOUNT_ID = "111122223333"


def plugin_dir_args() -> list[str]:
    """`-plugin-dir=$TF_PLUGIN_DIR` where a provider mirror is given (offline), else nothing."""
    plugin_dir = os.environ.get("TF_PLUGIN_DIR")
    return [f"-plugin-dir={plugin_dir}"] if plugin_dir else []


@dataclass(frozen=True)
class Example:
    """One example folder in a copy of the checkout, run by Terraform with `env`."""

    directory: Path
    env: dict[str, str]
    # The emulator's request log, whose refusals a failed Terraform run's message includes.
    emulator_log: Path | None = None

    @classmethod
    def copied(cls, name: str, tmp_path: Path, env: dict[str, str], emulator_log: Path | None = None) -> Example:
        for folder in COPIED_FOLDERS:
            shutil.copytree(CHECKOUT / folder, tmp_path / "checkout" / folder, ignore=NOT_COPIED)
        directory = tmp_path / "checkout" / "terraform" / "examples" / name
        return cls(directory, {**env, "TF_IN_AUTOMATION": "1", "TF_INPUT": "0"}, emulator_log)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        binary = shutil.which("terraform")
        assert binary, "terraform is not on PATH"
        return subprocess.run(
            [binary, f"-chdir={self.directory}", *args], env=self.env, capture_output=True, text=True, check=False
        )

    def terraform(self, *args: str) -> str:
        completed = self.run(*args)
        assert completed.returncode == 0, (
            f"terraform {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}\n{self.emulator_answers()}"
        )
        return completed.stdout

    def emulator_answers(self, limit: int = 60) -> str:
        """The emulator's Lambda requests and non-2xx answers (the last `limit`), which tell a
        refusal from a request the provider retried after its answer was lost."""
        if self.emulator_log is None or not self.emulator_log.exists():
            return ""
        lines = self.emulator_log.read_text(errors="replace").splitlines()
        telling = [line for line in lines if "/functions" in line or not re.search(r'" 2\d\d ', line)]
        return "emulator answers (Lambda requests, and all but 2xx):\n" + "\n".join(telling[-limit:])


@dataclass(frozen=True)
class ExampleStack:
    """An initialised example with its variables in a file; its state stays in the copy."""

    example: Example
    var_file: Path

    def apply(self) -> dict[str, Any]:
        apply = ("apply", "-no-color", "-auto-approve", f"-var-file={self.var_file}")
        completed = self.example.run(*apply)
        if completed.returncode != 0 and self.import_retried_creates(completed.stderr):
            completed = self.example.run(*apply)
        assert completed.returncode == 0, (
            f"terraform apply failed:\n{completed.stdout}\n{completed.stderr}\n{self.example.emulator_answers()}"
        )
        outputs = json.loads(self.example.terraform("output", "-no-color", "-json"))
        return {name: entry["value"] for name, entry in outputs.items()}

    def import_retried_creates(self, errors: str) -> bool:
        """Recover as a user would from creates the provider retried after losing their answer
        (hashicorp/terraform-provider-aws#30135; Terraform's Go client drops a connection now and
        then on these busy 2-core machines): import what already exists, by the address Terraform
        named, so the next apply carries on. Only when every failure is such a create; says so."""
        unrecorded = unrecorded_resources(errors.splitlines())
        failures = errors.count("Error: ")
        if not unrecorded or len(unrecorded) != failures or any(r.address is None for r in unrecorded):
            return False
        for resource in unrecorded:
            self.example.terraform(
                "import", "-no-color", f"-var-file={self.var_file}", str(resource.address), resource.name
            )
        warnings.warn(
            f"imported {', '.join(map(str, unrecorded))}, created by a retried request, and applied again", stacklevel=2
        )
        return True

    def apply_refused(self) -> str:
        """Apply expecting Terraform to fail; its error output."""
        completed = self.example.run("apply", "-no-color", "-auto-approve", f"-var-file={self.var_file}")
        assert completed.returncode != 0, f"the apply succeeded:\n{completed.stdout}"
        return completed.stderr

    def destroy(self) -> None:
        self.example.terraform("destroy", "-no-color", "-auto-approve", f"-var-file={self.var_file}")
        assert self.example.terraform("state", "list").strip() == "", "destroy left resources in the state"


@pytest.fixture
def example_stack(emulator_env, built_artifacts, tmp_path: Path) -> Callable[[str, dict[str, Any]], ExampleStack]:
    """An example ready to apply on the emulator: copied, initialised, and its variables (the
    emulator's region and this session's Lambda zips and driver wheel, plus the test's own) in
    a var file."""

    def prepare(name: str, variables: dict[str, Any]) -> ExampleStack:
        example = Example.copied(name, tmp_path, emulator_env.environment(), EmulatorFiles.of(emulator_env).log)
        example.terraform("init", "-no-color", "-input=false", *plugin_dir_args())
        var_file = tmp_path / f"{name}.tfvars.json"
        defaults = {
            "region": emulator_env.region,
            "lambda_package_dir": str(built_artifacts.lambda_dir),
            "driver_wheel_path": str(built_artifacts.driver_wheel),
        }
        var_file.write_text(json.dumps(defaults | variables))
        return ExampleStack(example, var_file)

    return prepare


@dataclass(frozen=True)
class Network:
    subnet_id: str
    security_group_id: str


@dataclass(frozen=True)
class Trail:
    bucket: str
    kms_key_arn: str


@pytest.fixture
def notebook_network(emulator_env) -> Iterator[Network]:
    """A VPC subnet and security group for a notebook without direct internet access."""
    ec2 = boto3.client("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.42.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="secml-notebook", Description="secml notebook", VpcId=vpc_id)
    group_id = group["GroupId"]
    yield Network(subnet_id, group_id)
    ec2.delete_security_group(GroupId=group_id)
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_vpc(VpcId=vpc_id)


def kms_key(description: str) -> str:
    return boto3.client("kms").create_key(Description=description)["KeyMetadata"]["Arn"]


def schedule_key_deletion(key_arn: str) -> None:
    # By key id: moto 5.2.5 answers 500 to ScheduleKeyDeletion by ARN (AWS accepts either).
    boto3.client("kms").schedule_key_deletion(KeyId=key_arn.rsplit("/", 1)[1], PendingWindowInDays=7)


def key_state(key_arn: str) -> str:
    return boto3.client("kms").describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"]


def bucket_key(bucket: str) -> str:
    (rule,) = boto3.client("s3").get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    return rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]


@pytest.fixture
def customer_kms_key(emulator_env) -> Iterator[str]:
    """A KMS key the user manages, which the stack must use and never delete."""
    key_arn = kms_key("the user's key")
    yield key_arn
    schedule_key_deletion(key_arn)


@pytest.fixture
def organisation_trail(emulator_env) -> Iterator[Trail]:
    """An organisation trail's bucket, encrypted by default with the trail's own key."""
    s3, region = boto3.client("s3"), emulator_env.region
    trail = Trail(bucket="secml-example-org-trail", kms_key_arn=kms_key("the organisation trail's key"))
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=trail.bucket, **location)
    s3.put_bucket_encryption(
        Bucket=trail.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": trail.kms_key_arn,
                    }
                }
            ]
        },
    )
    yield trail
    s3.delete_bucket(Bucket=trail.bucket)
    schedule_key_deletion(trail.kms_key_arn)


@pytest.fixture
def existing_detector(emulator_env) -> Iterator[str]:
    """The region's GuardDuty detector, enabled before the stack (GuardDuty allows one)."""
    guardduty = boto3.client("guardduty")
    detector_id = guardduty.create_detector(Enable=True)["DetectorId"]
    yield detector_id
    guardduty.delete_detector(DetectorId=detector_id)


def role_statement(role_arn: str, sid: str) -> dict[str, Any]:
    iam = boto3.client("iam")
    role_name = role_arn.rsplit("/", 1)[1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    statements = (json.loads(document) if isinstance(document, str) else document)["Statement"]
    (statement,) = [s for s in statements if s.get("Sid") == sid]
    return statement


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def notebook_instance(name: str) -> dict[str, Any]:
    return boto3.client("sagemaker").describe_notebook_instance(NotebookInstanceName=name)


@pytest.mark.terraform
@pytest.mark.parametrize("name", EXAMPLES)
def test_example_initialises_offline_and_validates(name: str, tmp_path: Path) -> None:
    example = Example.copied(name, tmp_path, dict(os.environ))
    example.terraform("init", "-no-color", "-backend=false", "-input=false", *plugin_dir_args())
    assert "The configuration is valid" in example.terraform("validate", "-no-color")


def test_every_example_is_applied_on_the_emulator() -> None:
    """Each example below has its own apply-and-destroy test; a new example needs one too."""
    assert EXAMPLES == ["existing-account", "private-notebook-byo-kms", "workshop"]


@pytest.mark.emulator
@pytest.mark.terraform
def test_workshop_example_applies_and_destroys(example_stack) -> None:
    stack = example_stack("workshop", {"name_prefix": "secmlex-ws"})
    try:
        outputs = stack.apply()
        detector_id = outputs["guardduty_detector_id"]
        assert boto3.client("guardduty").get_detector(DetectorId=detector_id)["Status"] == "ENABLED"
        assert notebook_instance(outputs["notebook_instance_name"])["DirectInternetAccess"] == "Enabled"
    finally:
        stack.destroy()
    assert detector_id not in boto3.client("guardduty").list_detectors()["DetectorIds"], "its own detector goes"


def stack_resources(name_prefix: str) -> list[str]:
    """What of a stack named name_prefix exists: buckets, KMS aliases, roles, functions, log groups."""
    buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(name_prefix)]
    aliases = [a["AliasName"] for a in boto3.client("kms").list_aliases()["Aliases"] if name_prefix in a["AliasName"]]
    roles = [r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(name_prefix)]
    functions = [
        f["FunctionName"]
        for f in boto3.client("lambda").list_functions()["Functions"]
        if f["FunctionName"].startswith(name_prefix)
    ]
    log_groups = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name_prefix}")["logGroups"]
    return buckets + aliases + roles + functions + [group["logGroupName"] for group in log_groups]


@pytest.mark.emulator
@pytest.mark.terraform
def test_creating_a_second_detector_fails_before_anything_else_is_created(
    example_stack, existing_detector: str
) -> None:
    """create_guardduty_detector = true (the default) where a detector exists: CreateDetector runs
    first and fails with GuardDuty's error, whose quoted source line names the variable to change,
    and the stack has created nothing."""
    stack = example_stack("workshop", {"name_prefix": "secmlex-dd"})
    error = stack.apply_refused()
    assert "a detector already exists for the current account" in error
    assert "module.guardduty.aws_guardduty_detector.this[0]" in error
    assert "set create_guardduty_detector = false" in error, "the error shows the source line naming the variable"
    assert stack_resources("secmlex-dd") == []
    assert stack.example.terraform("state", "list").strip() == "", "nothing entered the state"
    assert boto3.client("guardduty").list_detectors()["DetectorIds"] == [existing_detector]


@pytest.mark.emulator
@pytest.mark.terraform
def test_existing_account_example_reuses_the_detector_and_reads_the_organisation_trail(
    example_stack, existing_detector: str, organisation_trail: Trail, notebook_network: Network, emulator_env
) -> None:
    stack = example_stack(
        "existing-account",
        {
            "name_prefix": "secmlex-ea",
            "trail_bucket": organisation_trail.bucket,
            "organization_id": ORGANIZATION_ID,
            "trail_account_id": TRAIL_ACCOUNT_ID,
            "trail_kms_key_arn": organisation_trail.kms_key_arn,
            "notebook_subnet_id": notebook_network.subnet_id,
            "notebook_security_group_ids": [notebook_network.security_group_id],
        },
    )
    try:
        outputs = stack.apply()
        assert outputs["guardduty_detector_id"] == existing_detector
        assert outputs["cloudtrail_input"] == {
            "bucket": organisation_trail.bucket,
            "prefix": f"AWSLogs/{ORGANIZATION_ID}/{TRAIL_ACCOUNT_ID}/CloudTrail/",
        }
        for role_arn in outputs["ingest_role_arns"].values():
            decrypt = role_statement(role_arn, "DecryptInputObjects")
            assert as_list(decrypt["Action"]) == ["kms:Decrypt"]
            assert as_list(decrypt["Resource"]) == [organisation_trail.kms_key_arn]
            via_service = decrypt["Condition"]["StringEquals"]["kms:ViaService"]
            assert as_list(via_service) == [f"s3.{emulator_env.region}.amazonaws.com"]
        notebook = notebook_instance(outputs["notebook_instance_name"])
        assert notebook["DirectInternetAccess"] == "Disabled"
        assert notebook["SubnetId"] == notebook_network.subnet_id
    finally:
        stack.destroy()
    guardduty = boto3.client("guardduty")
    assert guardduty.get_detector(DetectorId=existing_detector)["Status"] == "ENABLED", "the reused detector stays"
    assert bucket_key(organisation_trail.bucket) == organisation_trail.kms_key_arn, "the trail bucket stays"
    assert key_state(organisation_trail.kms_key_arn) == "Enabled", "the trail's key stays"


@pytest.mark.emulator
@pytest.mark.terraform
def test_private_notebook_example_encrypts_with_the_given_key_and_leaves_it(
    example_stack, customer_kms_key: str, notebook_network: Network
) -> None:
    stack = example_stack(
        "private-notebook-byo-kms",
        {
            "name_prefix": "secmlex-pn",
            "kms_key_arn": customer_kms_key,
            "notebook_subnet_id": notebook_network.subnet_id,
            "notebook_security_group_ids": [notebook_network.security_group_id],
        },
    )
    try:
        outputs = stack.apply()
        assert outputs["tuples_kms_key_arn"] == customer_kms_key
        assert bucket_key(outputs["tuples_bucket_name"]) == customer_kms_key
        aliases = {alias["AliasName"] for alias in boto3.client("kms").list_aliases()["Aliases"]}
        assert "alias/secmlex-pn-tuples" not in aliases, "no key of its own"
        notebook = notebook_instance(outputs["notebook_instance_name"])
        assert notebook["KmsKeyId"] == customer_kms_key
        assert notebook["DirectInternetAccess"] == "Disabled"
        assert notebook["SubnetId"] == notebook_network.subnet_id
    finally:
        stack.destroy()
    assert key_state(customer_kms_key) == "Enabled", "the user's key is never scheduled for deletion"
