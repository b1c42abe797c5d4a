"""`secml doctor`: what a real account must allow before Terraform creates anything, one check a
line (ok / what to change). `secml stack up` runs it first and stops on a blocker.

The checks read the target's account (credentials, the region's GuardDuty detector, Lambda
concurrency, the input buckets and their keys, a brought KMS key's policy, SageMaker quotas) and
the variables the next plan will use, evaluated by `terraform console` (defaults, the user's tfvars,
TF_VAR_*). They call read-only APIs only, and the same calls run on AWS and on the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from secml.core.target import Target
from secml.infra.terraform import TerraformRunner, provider_source
from secml.ipinsights.choices import TRAINING_INSTANCE_TYPE

Status = Literal["ok", "note", "blocker"]
# The root variables the checks read.
VARIABLES = [
    "create_guardduty_detector",
    "guardduty_export_findings",
    "kms_key_arn",
    "input_kms_key_arns",
    "lambda_reserved_concurrency",
    "cloudtrail_input_bucket",
    "cloudtrail_input_prefix",
    "guardduty_input_bucket",
    "guardduty_input_prefix",
    "notebook_instance_type",
    "notebook_platform_identifier",
]
# Lambda keeps this much of the account's concurrency unreserved (all of it below this quota).
MINIMUM_UNRESERVED_CONCURRENCY = 100
# GuardDuty's own 5 minutes between generating a finding and exporting it.
EXPORT_DELAY_NOTE = "GuardDuty exports a finding about 5 minutes after generating it"


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    message: str

    def line(self) -> str:
        return f"{self.status:<7} {self.name}: {self.message}"


@dataclass
class Findings:
    """What the checks found that `stack up` acts on, beside the lines printed."""

    checks: list[Check] = field(default_factory=list)
    existing_detector: str | None = None

    @property
    def blockers(self) -> list[Check]:
        return [check for check in self.checks if check.status == "blocker"]


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code") or "unknown")


def check_credentials(session: boto3.Session) -> Check:
    try:
        identity = session.client("sts").get_caller_identity()
    except (ClientError, BotoCoreError) as error:
        return Check("credentials", "blocker", f"no working AWS credentials ({error}): configure a profile or SSO")
    return Check("credentials", "ok", f"account {identity['Account']} as {identity['Arn']}")


def existing_detector(session: boto3.Session) -> str | None:
    """The region's GuardDuty detector, if any (there is at most one per account and region)."""
    detectors = session.client("guardduty").list_detectors().get("DetectorIds", [])
    return str(detectors[0]) if detectors else None


def check_detector(detector: str | None, create: bool, owned: bool | None) -> Check:
    """`owned` is this stack's own record (state) of having created the detector, if applied."""
    if owned:
        return Check("guardduty detector", "ok", f"{detector} was created by this stack")
    if detector is None:
        return Check("guardduty detector", "ok", "none in this region: the stack creates one")
    if create and owned is None:
        return Check(
            "guardduty detector", "note",
            f"{detector} already exists (one per account and region): `secml stack up` reuses it "
            "(create_guardduty_detector=false); plain terraform needs that setting",
        )  # fmt: skip
    return Check("guardduty detector", "ok", f"{detector} exists and is reused (never deleted by `make down`)")


def check_concurrency(session: boto3.Session, reserved_per_function: int, functions: int = 2) -> Check:
    try:
        limit = session.client("lambda").get_account_settings()["AccountLimit"]
    except (ClientError, BotoCoreError) as error:
        return Check("lambda concurrency", "note", f"cannot read the account's Lambda settings ({error})")
    quota, unreserved = int(limit["ConcurrentExecutions"]), int(limit["UnreservedConcurrentExecutions"])
    floor = min(MINIMUM_UNRESERVED_CONCURRENCY, quota)
    headroom = unreserved - floor
    if reserved_per_function < 1:
        return Check(
            "lambda concurrency", "ok", f"functions unreserved; account quota {quota}, {unreserved} unreserved"
        )
    wanted = reserved_per_function * functions
    if wanted > headroom:
        return Check(
            "lambda concurrency", "blocker",
            f"reserving {wanted} would leave the account below its minimum unreserved {floor} "
            f"(quota {quota}, {unreserved} unreserved): set lambda_reserved_concurrency = -1 "
            "or ask for a higher concurrency quota",
        )  # fmt: skip
    return Check("lambda concurrency", "ok", f"reserving {wanted} of {headroom} available (quota {quota})")


def _key_id(arn_or_id: str) -> str:
    return arn_or_id.rsplit("/", 1)[-1]


def check_input(
    session: boto3.Session, kind: str, bucket: str, prefix: str, readable_keys: set[str]
) -> Check:  # fmt: skip
    """The input bucket exists, its prefix can be listed, and its first object can be read
    (decrypted): the three things an ingest needs, checked as the caller."""
    name = f"{kind} input s3://{bucket}/{prefix}"
    s3 = session.client("s3")
    try:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=20).get("Contents", [])
    except ClientError as error:
        code = _error_code(error)
        if code == "NoSuchBucket":
            return Check(name, "blocker", f"the bucket does not exist: set {kind}_input_bucket to your own")
        return Check(name, "blocker", f"cannot list it ({code}): the bucket must allow s3:ListBucket")
    objects = [item for item in listed if not item["Key"].endswith("/") and item["Size"] > 0]
    if not objects:
        return Check(name, "note", "no objects yet")
    key = objects[0]["Key"]
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        s3.get_object(Bucket=bucket, Key=key, Range="bytes=0-0")["Body"].read()
    except ClientError as error:
        return Check(name, "blocker", f"cannot read {key} ({_error_code(error)})")
    kms_key = head.get("SSEKMSKeyId")
    if kms_key and _key_id(kms_key) not in readable_keys:
        return Check(
            name, "blocker",
            f"objects are encrypted with KMS key {kms_key}: add it to input_kms_key_arns (the ingest "
            "role may decrypt only keys listed there), and let this account use it in the key's policy",
        )  # fmt: skip
    encryption = f"SSE-KMS {kms_key}" if kms_key else head.get("ServerSideEncryption", "unencrypted")
    return Check(name, "ok", f"listable and readable ({encryption})")


def key_policy_statements(partition: str, region: str, account: str, export: bool) -> list[dict[str, Any]]:
    """The statements a brought key's policy needs: CloudWatch Logs encrypting the ingest log
    groups and, with the export on, GuardDuty encrypting exported findings (the same statements
    the stack writes into a key it creates)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "CloudWatchLogsEncryptsItsLogGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{region}.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:*"
                }
            },
        }
    ]
    if export:
        statements.append(
            {
                "Sid": "GuardDutyEncryptsExportedFindings",
                "Effect": "Allow",
                "Principal": {"Service": "guardduty.amazonaws.com"},
                "Action": "kms:GenerateDataKey",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }
        )
    return statements


def _principals(statement: dict[str, Any]) -> set[str]:
    principal = statement.get("Principal") or {}
    services = principal.get("Service", []) if isinstance(principal, dict) else []
    return set([services] if isinstance(services, str) else services)


def check_brought_key(session: boto3.Session, key_arn: str, export: bool, account: str) -> Check:
    """A brought key's policy lets CloudWatch Logs (and GuardDuty, with the export) use it."""
    region = key_arn.split(":")[3]
    partition = key_arn.split(":")[1]
    try:
        policy = json.loads(session.client("kms").get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    except (ClientError, BotoCoreError) as error:
        return Check("kms key", "blocker", f"cannot read the policy of {key_arn} ({error})")
    allowed = set().union(*(_principals(s) for s in policy.get("Statement", []) if s.get("Effect") == "Allow"))
    needed = key_policy_statements(partition, region, account, export)
    missing = [s for s in needed if not _principals(s) & allowed and not _regional_guardduty(s, allowed)]
    if missing:
        return Check(
            "kms key", "blocker",
            f"the policy of {key_arn} lets no {', '.join(sorted(set().union(*map(_principals, missing))))} use it; "
            f"add these statements: {json.dumps(missing)}",
        )  # fmt: skip
    return Check("kms key", "ok", f"{key_arn} allows CloudWatch Logs" + (" and GuardDuty" if export else ""))


def _regional_guardduty(statement: dict[str, Any], allowed: set[str]) -> bool:
    """GuardDuty in an opt-in region signs as guardduty.<region>.amazonaws.com."""
    return "guardduty.amazonaws.com" in _principals(statement) and any(
        p.startswith("guardduty.") and p.endswith(".amazonaws.com") for p in allowed
    )


def check_notebook_platform(platform: str) -> Check:
    if platform.startswith("notebook-al2-"):
        return Check(
            "notebook platform", "note",
            f"{platform} is Amazon Linux 2, past its end of support: notebook-al2023-v1 is the API's default",
        )  # fmt: skip
    return Check(
        "notebook platform", "note",
        f"{platform}: the lifecycle script has not been run on Amazon Linux 2023; it needs the conda python3 "
        "environment at /home/ec2-user/anaconda3/envs/python3 and says so in .secml/install.failed if it is absent",
    )  # fmt: skip


def check_training_quota(session: boto3.Session, instance_type: str) -> Check:
    """SageMaker's training quota for the instance type, where Service Quotas tells it."""
    name = f"{instance_type} for training job usage"
    try:
        pages = session.client("service-quotas").get_paginator("list_service_quotas").paginate(ServiceCode="sagemaker")
        quotas = {q["QuotaName"]: q["Value"] for page in pages for q in page["Quotas"]}
    except (ClientError, BotoCoreError) as error:
        return Check("sagemaker quota", "note", f"Service Quotas does not tell ({type(error).__name__})")
    if name not in quotas:
        return Check("sagemaker quota", "note", f"no quota named {name!r} listed")
    if quotas[name] < 1:
        return Check("sagemaker quota", "blocker", f"{name} is 0: request an increase, or train with BACKEND=local")
    return Check("sagemaker quota", "ok", f"{name}: {quotas[name]:g}")


def run_checks(target: Target, runner: TerraformRunner | None = None) -> Findings:
    """Every check for `target`; blockers are what Terraform or an exercise would fail on."""
    runner = runner or TerraformRunner(target)
    session = boto3.Session(region_name=target.region)
    found = Findings()
    add: Callable[[Check], None] = found.checks.append
    add(Check("terraform provider", "ok", f"init installs hashicorp/aws from {provider_source()}"))
    credentials = check_credentials(session)
    add(credentials)
    if credentials.status == "blocker":
        return found
    account = credentials.message.split()[1]
    add(Check("region", "ok", target.region + (" (the emulator)" if target.is_emulator else "")))
    runner.init()
    variables = runner.variable_values(VARIABLES)
    state = runner.outputs()
    found.existing_detector = existing_detector(session)
    owned = state.get("guardduty_detector_created") if state else None
    add(check_detector(found.existing_detector, bool(variables["create_guardduty_detector"]), owned))
    add(check_concurrency(session, int(variables["lambda_reserved_concurrency"])))
    if variables["kms_key_arn"]:
        add(check_brought_key(session, variables["kms_key_arn"], bool(variables["guardduty_export_findings"]), account))
    readable = {_key_id(arn) for arn in variables["input_kms_key_arns"] or []}
    if state.get("tuples_kms_key_arn"):
        readable.add(_key_id(state["tuples_kms_key_arn"]))
    for kind in ("cloudtrail", "guardduty"):
        bucket = variables[f"{kind}_input_bucket"]
        if bucket is None:
            where = "the stack's own bucket"
            if kind == "guardduty" and variables["guardduty_export_findings"]:
                add(Check(f"{kind} input", "ok", f"{where}, prefix guardduty-export/ ({EXPORT_DELAY_NOTE})"))
            else:
                add(Check(f"{kind} input", "ok", f"{where}: `secml stack up` uploads the generated corpus"))
            continue
        prefix = variables[f"{kind}_input_prefix"] or ("guardduty/" if kind == "guardduty" else "")
        add(check_input(session, kind, bucket, prefix, readable))
    add(check_training_quota(session, TRAINING_INSTANCE_TYPE))
    add(check_notebook_platform(str(variables["notebook_platform_identifier"])))
    return found
