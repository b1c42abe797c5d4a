"""CloudTrail records with the fields CloudTrail writes, and the API calls each kind of caller makes.

Field names, order and value forms follow real management and data events (eventVersion 1.08):
userIdentity by identity type (IAMUser, AssumedRole with sessionContext, Root, AWSService),
`invokedBy` for services acting for a principal, `vpcEndpointId` for calls through an endpoint,
`tlsDetails` for calls that reached a public endpoint, console sign-ins as `AwsConsoleSignIn`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from secml.data.population import Principal, Profile

EVENT_VERSION = "1.08"
GLOBAL_REGION = "us-east-1"  # IAM, STS's global endpoint and console sign-in log here


@dataclass(frozen=True)
class Resources:
    """Names the simulated account's calls refer to."""

    account_id: str
    buckets: tuple[str, ...]
    instance_ids: tuple[str, ...]
    function_names: tuple[str, ...]


Parameters = Callable[[Resources], list[dict[str, Any] | None]]


def _none(_: Resources) -> list[dict[str, Any] | None]:
    return [None]


def _buckets(r: Resources) -> list[dict[str, Any] | None]:
    return [{"bucketName": b, "Host": f"{b}.s3.amazonaws.com"} for b in r.buckets]


def _objects(r: Resources) -> list[dict[str, Any] | None]:
    return [
        {"bucketName": b, "Host": f"{b}.s3.amazonaws.com", "key": f"{folder}/part-{n:05d}.json"}
        for b in r.buckets
        for folder in ("incoming", "processed")
        for n in range(3)
    ]


def _instances(r: Resources) -> list[dict[str, Any] | None]:
    by_id: list[dict[str, Any] | None] = [
        {"instancesSet": {"items": [{"instanceId": i}]}, "filterSet": {}} for i in r.instance_ids
    ]
    return [*by_id, {"instancesSet": {}, "filterSet": {}}]


def _functions(r: Resources) -> list[dict[str, Any] | None]:
    return [{"functionName": f} for f in r.function_names]


def _parameters(_: Resources) -> list[dict[str, Any] | None]:
    return [{"name": f"/app/{n}", "withDecryption": True} for n in ("db-password", "api-key", "feature-flags")]


def _kms(r: Resources) -> list[dict[str, Any] | None]:
    return [
        {"encryptionAlgorithm": "SYMMETRIC_DEFAULT", "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{b}"}}
        for b in r.buckets
    ]


def _log_streams(r: Resources) -> list[dict[str, Any] | None]:
    return [
        {"logGroupName": f"/aws/lambda/{f}", "logStreamName": "2025/03/03/[$LATEST]0f1e2d3c"} for f in r.function_names
    ]


def _tables(_: Resources) -> list[dict[str, Any] | None]:
    return [
        {"tableName": t, "key": {"pk": "HIDDEN_DUE_TO_SECURITY_REASONS"}} for t in ("orders", "sessions", "customers")
    ]


def _queues(r: Resources) -> list[dict[str, Any] | None]:
    return [{"queueUrl": f"https://sqs.us-west-2.amazonaws.com/{r.account_id}/{q}"} for q in ("orders", "emails")]


def _assume_role(r: Resources) -> list[dict[str, Any] | None]:
    return [
        {
            "roleArn": f"arn:aws:iam::{r.account_id}:role/github-actions-deploy",
            "roleSessionName": "GitHubActions",
            "durationSeconds": 3600,
        }
    ]


def _metric_data(_: Resources) -> list[dict[str, Any] | None]:
    return [
        {"namespace": n, "metricData": [{"metricName": "Latency", "unit": "Milliseconds"}]} for n in ("App", "Orders")
    ]


@dataclass(frozen=True)
class ApiCall:
    source: str
    name: str
    read_only: bool
    weight: float
    parameters: Parameters = _none
    data_event: bool = False
    global_service: bool = False
    event_type: Literal["AwsApiCall", "AwsConsoleSignIn"] = "AwsApiCall"


def api_call(source: str, name: str, weight: float, parameters: Parameters = _none, **kw: Any) -> ApiCall:
    read_only = name.startswith(("Get", "List", "Describe", "Head", "Lookup", "Filter", "Query", "Scan"))
    return ApiCall(f"{source}.amazonaws.com", name, read_only, weight, parameters, **kw)


_PERSON: tuple[ApiCall, ...] = (
    api_call("s3", "ListBuckets", 6),
    api_call("s3", "GetBucketAcl", 3, _buckets),
    api_call("s3", "GetBucketPolicy", 2, _buckets),
    api_call("s3", "GetObject", 4, _objects, data_event=True),
    api_call("s3", "PutObject", 1, _objects, data_event=True),
    api_call("ec2", "DescribeInstances", 8, _instances),
    api_call("ec2", "DescribeSecurityGroups", 3),
    api_call("ec2", "DescribeVpcs", 2),
    api_call("cloudwatch", "GetMetricData", 5, _metric_data),
    api_call("logs", "FilterLogEvents", 3, _log_streams),
    api_call("lambda", "GetFunction", 2, _functions),
    api_call("lambda", "ListFunctions20150331", 2),
    api_call("sts", "GetCallerIdentity", 6, global_service=True),
    api_call("iam", "ListRoles", 1, global_service=True),
    api_call("iam", "GetUser", 1, global_service=True),
    api_call("dynamodb", "DescribeTable", 2, _tables),
    api_call("ssm", "GetParameter", 2, _parameters),
    api_call("signin", "ConsoleLogin", 0.6, global_service=True, event_type="AwsConsoleSignIn"),
)
_ADMIN: tuple[ApiCall, ...] = (
    *_PERSON,
    api_call("iam", "ListUsers", 2, global_service=True),
    api_call("iam", "ListAccessKeys", 1, global_service=True),
    api_call("iam", "AttachRolePolicy", 0.3, global_service=True),
    api_call("iam", "CreatePolicyVersion", 0.2, global_service=True),
    api_call("cloudtrail", "DescribeTrails", 1),
    api_call("guardduty", "ListFindings", 1),
    api_call("ec2", "AuthorizeSecurityGroupIngress", 0.3),
    api_call("kms", "DescribeKey", 1),
)
_EC2_APP: tuple[ApiCall, ...] = (
    api_call("s3", "GetObject", 10, _objects, data_event=True),
    api_call("s3", "PutObject", 4, _objects, data_event=True),
    api_call("s3", "ListObjects", 3, _buckets, data_event=True),
    api_call("kms", "Decrypt", 6, _kms),
    api_call("kms", "GenerateDataKey", 3, _kms),
    api_call("ssm", "GetParameter", 3, _parameters),
    api_call("ssm", "UpdateInstanceInformation", 2),
    api_call("dynamodb", "GetItem", 6, _tables, data_event=True),
    api_call("dynamodb", "PutItem", 3, _tables, data_event=True),
    api_call("sqs", "ReceiveMessage", 4, _queues, data_event=True),
    api_call("cloudwatch", "PutMetricData", 3, _metric_data),
    api_call("sts", "GetCallerIdentity", 1, global_service=True),
)
_LAMBDA: tuple[ApiCall, ...] = (
    api_call("logs", "CreateLogStream", 4, _log_streams),
    api_call("s3", "GetObject", 6, _objects, data_event=True),
    api_call("s3", "PutObject", 5, _objects, data_event=True),
    api_call("kms", "Decrypt", 4, _kms),
    api_call("dynamodb", "Query", 3, _tables, data_event=True),
    api_call("sqs", "SendMessage", 3, _queues, data_event=True),
    api_call("ses", "SendEmail", 1),
)
_CI: tuple[ApiCall, ...] = (
    api_call("sts", "GetCallerIdentity", 3, global_service=True),
    api_call("s3", "PutObject", 4, _objects, data_event=True),
    api_call("s3", "GetObject", 3, _objects, data_event=True),
    api_call("lambda", "UpdateFunctionCode20150331v2", 2, _functions),
    api_call("lambda", "GetFunction", 3, _functions),
    api_call("cloudformation", "DescribeStacks", 3),
    api_call("ecr", "GetAuthorizationToken", 2),
    api_call("ecs", "UpdateService", 1),
    api_call("iam", "GetRole", 2, global_service=True),
    api_call("ec2", "DescribeInstances", 2, _instances),
)
_ECS_TASK: tuple[ApiCall, ...] = (
    api_call("dynamodb", "GetItem", 6, _tables, data_event=True),
    api_call("dynamodb", "UpdateItem", 3, _tables, data_event=True),
    api_call("sqs", "SendMessage", 4, _queues, data_event=True),
    api_call("secretsmanager", "GetSecretValue", 2),
    api_call("kms", "Decrypt", 3, _kms),
)
_SERVICE_LINKED: tuple[ApiCall, ...] = (
    api_call("ec2", "DescribeInstances", 4, _instances),
    api_call("ec2", "DescribeInstanceStatus", 3),
    api_call("elasticloadbalancing", "DescribeTargetHealth", 3),
    api_call("config", "DescribeConfigurationRecorders", 1),
    api_call("kms", "ListAliases", 1),
)
_ROOT: tuple[ApiCall, ...] = (
    api_call("signin", "ConsoleLogin", 3, global_service=True, event_type="AwsConsoleSignIn"),
    api_call("iam", "GetAccountSummary", 2, global_service=True),
    api_call("account", "GetContactInformation", 1),
    api_call("billing", "GetBillingPreferences", 1),
)
CATALOGUES: dict[Profile, tuple[ApiCall, ...]] = {
    "person": _PERSON,
    "admin": _ADMIN,
    "ec2_app": _EC2_APP,
    "lambda": _LAMBDA,
    "ci": _CI,
    "ecs_task": _ECS_TASK,
    "service_linked": _SERVICE_LINKED,
    "root": _ROOT,
}
# Calls that AWS services make with their own identity (no principal to learn from).
SERVICE_EVENTS: tuple[tuple[str, ApiCall], ...] = (
    ("lambda.amazonaws.com", api_call("sts", "AssumeRole", 5, _assume_role)),
    ("ec2.amazonaws.com", api_call("sts", "AssumeRole", 4, _assume_role)),
    ("ecs-tasks.amazonaws.com", api_call("sts", "AssumeRole", 2, _assume_role)),
    ("cloudtrail.amazonaws.com", api_call("kms", "GenerateDataKey", 2, _kms)),
    ("s3.amazonaws.com", api_call("kms", "Decrypt", 2, _kms)),
    ("config.amazonaws.com", api_call("config", "PutEvaluations", 1)),
)

USER_AGENTS: dict[Profile, tuple[str, ...]] = {
    "person": (
        "aws-cli/2.15.30 Python/3.11.8 Darwin/23.3.0 exe/x86_64 prompt/off command/s3.ls",
        "aws-cli/2.13.4 Python/3.11.4 Linux/6.2.0-26-generic exe/x86_64.ubuntu.22 prompt/off command/ec2.describe-instances",
        "Boto3/1.34.51 md/Botocore#1.34.51 ua/2.0 os/macos#23.3.0 md/arch#arm64 lang/python#3.12.2 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.51",
        "APN/1.0 HashiCorp/1.0 Terraform/1.7.4 (+https://www.terraform.io) terraform-provider-aws/5.40.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.25.2 os/macos lang/go#1.21.8 md/GOOS#darwin md/GOARCH#arm64 api/ec2#1.149.1",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
    ),
    "ec2_app": (
        "Boto3/1.34.42 md/Botocore#1.34.42 ua/2.0 os/linux#6.1.77-99.164.amzn2023.x86_64 md/arch#x86_64 lang/python#3.11.6 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.42",
        "aws-sdk-java/2.21.29 Linux/6.1.77-99.164.amzn2023.x86_64 OpenJDK_64-Bit_Server_VM/17.0.10+7-LTS Java/17.0.10 vendor/Amazon.com_Inc. exec-env/AWS_ECS_EC2 io/sync http/Apache cfg/retry-mode/legacy",
    ),
    "lambda": (
        "Boto3/1.34.42 md/Botocore#1.34.42 ua/2.0 os/linux#5.10.209-218.812.amzn2.x86_64 md/arch#x86_64 lang/python#3.12.2 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 cfg/retry-mode#legacy Botocore/1.34.42",
    ),
    "ci": (
        "aws-cli/2.15.30 Python/3.11.8 Linux/6.5.0-1016-azure exe/x86_64.ubuntu.22 prompt/off command/s3.cp",
        "aws-sdk-nodejs/2.1553.0 linux/v20.11.1 exec-env/GitHub-Actions",
    ),
    "ecs_task": (
        "aws-sdk-go-v2/1.25.2 os/linux lang/go#1.22.0 md/GOOS#linux md/GOARCH#amd64 exec-env/AWS_ECS_FARGATE api/dynamodb#1.30.1",
    ),
    "root": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36 Edg/122.0.2365.80",
    ),
}
USER_AGENTS["admin"] = USER_AGENTS["person"]
CONSOLE_USER_AGENT = USER_AGENTS["person"][-1]


def iso_time(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def user_identity(principal: Principal, session: str, access_key: str, session_created: int | None) -> dict[str, Any]:
    """The `userIdentity` of a call by `principal` (through `session` for roles)."""
    account = principal.arn.split(":")[4]
    if principal.kind == "root":
        return {
            "type": "Root",
            "principalId": account,
            "arn": principal.arn,
            "accountId": account,
            "accessKeyId": access_key,
        }
    if principal.kind == "iam_user":
        identity: dict[str, Any] = {
            "type": "IAMUser",
            "principalId": principal.principal_id,
            "arn": principal.arn,
            "accountId": account,
            "accessKeyId": access_key,
            "userName": principal.name,
        }
        if session_created is not None:  # temporary console credentials
            identity["sessionContext"] = {
                "sessionIssuer": {},
                "webIdFederationData": {},
                "attributes": {"creationDate": iso_time(session_created), "mfaAuthenticated": "true"},
            }
        return identity
    role_path = principal.arn.split(":role/", 1)[1]
    identity = {
        "type": "AssumedRole",
        "principalId": principal.session_principal_id(session),
        "arn": f"arn:aws:sts::{account}:assumed-role/{principal.name}/{session}",
        "accountId": account,
        "accessKeyId": access_key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": principal.principal_id,
                "arn": f"arn:aws:iam::{account}:role/{role_path}",
                "accountId": account,
                "userName": principal.name,
            },
            "webIdFederationData": {},
            "attributes": {"creationDate": iso_time(session_created or 0), "mfaAuthenticated": "false"},
        },
    }
    if principal.profile == "ec2_app":
        identity["sessionContext"]["ec2RoleDelivery"] = "2.0"
    if principal.invoked_by:
        identity["invokedBy"] = principal.invoked_by
    return identity


def service_identity(service: str) -> dict[str, Any]:
    return {"type": "AWSService", "invokedBy": service}


def _resources(call: ApiCall, parameters: dict[str, Any] | None, account: str) -> list[dict[str, str]] | None:
    if parameters and call.source == "s3.amazonaws.com" and "bucketName" in parameters:
        arn = f"arn:aws:s3:::{parameters['bucketName']}"
        if "key" in parameters:
            return [
                {"type": "AWS::S3::Object", "ARN": f"{arn}/{parameters['key']}"},
                {"accountId": account, "type": "AWS::S3::Bucket", "ARN": arn},
            ]
        return [{"accountId": account, "type": "AWS::S3::Bucket", "ARN": arn}]
    return None


def record(
    *,
    identity: dict[str, Any],
    call: ApiCall,
    epoch_seconds: int,
    region: str,
    source_ip: str,
    user_agent: str,
    parameters: dict[str, Any] | None,
    request_id: str,
    event_id: str,
    account: str,
    vpc_endpoint_id: str | None,
) -> dict[str, Any]:
    """One CloudTrail record, fields in CloudTrail's order."""
    entry: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": identity,
        "eventTime": iso_time(epoch_seconds),
        "eventSource": call.source,
        "eventName": call.name,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": user_agent,
        "requestParameters": parameters,
        "responseElements": {"ConsoleLogin": "Success"} if call.event_type == "AwsConsoleSignIn" else None,
    }
    if call.event_type == "AwsConsoleSignIn":
        entry["additionalEventData"] = {
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": "Yes",
        }
    entry["requestID"] = request_id
    entry["eventID"] = event_id
    entry["readOnly"] = call.read_only
    if (resources := _resources(call, parameters, account)) is not None:
        entry["resources"] = resources
    entry["eventType"] = call.event_type
    entry["managementEvent"] = not call.data_event
    entry["recipientAccountId"] = account
    if vpc_endpoint_id:
        entry["vpcEndpointId"] = vpc_endpoint_id
    entry["eventCategory"] = "Data" if call.data_event else "Management"
    if (not vpc_endpoint_id and source_ip[0].isdigit()) or ":" in source_ip:
        host = f"{call.source.split('.')[0]}.{region}.amazonaws.com"
        entry["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": host,
        }
    return entry
