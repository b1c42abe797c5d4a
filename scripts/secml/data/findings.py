"""GuardDuty findings in the GetFindings JSON shape, for every finding type secml simulates.

Field names are the API's wire names (camelCase), so boto3 parses them and the ingest reads them
as it reads real findings. IAM finding types carry `resource.accessKeyDetails` and an
`AWS_API_CALL` action (one remote IP); EC2 types carry `resource.instanceDetails` and a
`NETWORK_CONNECTION` or `PORT_PROBE` action (no principal, possibly several remote IPs).
`sample_findings` is what the emulator's CreateSampleFindings stores: one finding of each type,
marked `sample` as GuardDuty marks its own.
"""

from __future__ import annotations

import ipaddress
import json
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from secml.data.ids import stable_hex
from secml.data.networks import NetworkTable, build_table
from secml.ipinsights.addresses import format_ipv4

SCHEMA_VERSION = "2.0"
ActionType = Literal["AWS_API_CALL", "NETWORK_CONNECTION", "PORT_PROBE"]


@dataclass(frozen=True)
class FindingType:
    name: str
    severity: float
    action: ActionType
    title: str
    description: str
    api: str = ""  # the API call named in an AWS_API_CALL action
    service: str = ""  # that call's service


IAM_TYPES: tuple[FindingType, ...] = (
    FindingType(
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        8.0,
        "AWS_API_CALL",
        "Credentials for instance role {user} used from external IP address.",
        "Credentials created exclusively for an EC2 instance using instance role {user} have been used from external IP address {ip}.",
        "DescribeInstances",
        "ec2.amazonaws.com",
    ),
    FindingType(
        "Recon:IAMUser/MaliciousIPCaller",
        5.0,
        "AWS_API_CALL",
        "Reconnaissance API {api} was invoked from a known malicious IP address.",
        "API {api}, commonly used in reconnaissance attacks, was invoked from a known malicious IP address {ip}. Unauthorized actors perform this type of activity to gather information and discover resources like databases, S3 buckets etc., in order to further tailor the attack.",
        "ListBuckets",
        "s3.amazonaws.com",
    ),
    FindingType(
        "UnauthorizedAccess:IAMUser/TorIPCaller",
        5.0,
        "AWS_API_CALL",
        "The API {api} was invoked from a Tor exit node IP address.",
        "The API {api} was invoked by {user} from a Tor exit node IP address {ip}.",
        "GetCallerIdentity",
        "sts.amazonaws.com",
    ),
    FindingType(
        "UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B",
        5.0,
        "AWS_API_CALL",
        "Unusual console login was seen for principal {user}.",
        "Principal {user} was not observed logging in to the console from {ip} before.",
        "ConsoleLogin",
        "signin.amazonaws.com",
    ),
    FindingType(
        "PenTest:IAMUser/KaliLinux",
        5.0,
        "AWS_API_CALL",
        "API {api} was invoked from a Kali Linux computer.",
        "API {api} was invoked from a remote host {ip} running Kali Linux, a penetration-testing distribution.",
        "ListUsers",
        "iam.amazonaws.com",
    ),
    FindingType(
        "Discovery:IAMUser/AnomalousBehavior",
        2.0,
        "AWS_API_CALL",
        "User {user} is anomalously invoking APIs commonly used in discovery tactics.",
        "APIs commonly used in discovery tactics were invoked by user {user} from {ip}, under unusual circumstances. Such activity is not typically seen from this user.",
        "DescribeSecurityGroups",
        "ec2.amazonaws.com",
    ),
    FindingType(
        "Policy:IAMUser/RootCredentialUsage",
        2.0,
        "AWS_API_CALL",
        "API {api} was invoked using root credentials.",
        "API {api} was invoked using root credentials from IP address {ip}.",
        "GetAccountSummary",
        "iam.amazonaws.com",
    ),
    FindingType(
        "Stealth:IAMUser/CloudTrailLoggingDisabled",
        2.0,
        "AWS_API_CALL",
        "AWS CloudTrail trail {trail} was disabled.",
        "The user {user} called StopLogging to turn off AWS CloudTrail trail {trail} from {ip}.",
        "StopLogging",
        "cloudtrail.amazonaws.com",
    ),
    FindingType(
        "Stealth:IAMUser/PasswordPolicyChange",
        2.0,
        "AWS_API_CALL",
        "Password policy was weakened.",
        "The account password policy was weakened by {user} from {ip}: minimum length and complexity were reduced.",
        "UpdateAccountPasswordPolicy",
        "iam.amazonaws.com",
    ),
)
EC2_TYPES: tuple[FindingType, ...] = (
    FindingType(
        "Recon:EC2/PortProbeUnprotectedPort",
        2.0,
        "PORT_PROBE",
        "Unprotected port on EC2 instance {instance} is being probed.",
        "EC2 instance {instance} has an unprotected port which is being probed by a known malicious host.",
    ),
    FindingType(
        "UnauthorizedAccess:EC2/SSHBruteForce",
        2.0,
        "NETWORK_CONNECTION",
        "{ip} is performing SSH brute force attacks against {instance}.",
        "{ip} is performing SSH brute force attacks against {instance}. Brute force attacks are used to gain unauthorized access to your instance by guessing the SSH password.",
    ),
    FindingType(
        "UnauthorizedAccess:EC2/RDPBruteForce",
        2.0,
        "NETWORK_CONNECTION",
        "{ip} is performing RDP brute force attacks against {instance}.",
        "{ip} is performing RDP brute force attacks against {instance}. Brute force attacks are used to gain unauthorized access to your instance by guessing the RDP password.",
    ),
)
FINDING_TYPES: dict[str, FindingType] = {t.name: t for t in IAM_TYPES + EC2_TYPES}
PROBED_PORTS: tuple[tuple[int, str], ...] = (
    (22, "SSH"),
    (80, "HTTP"),
    (443, "HTTPS"),
    (3389, "RDP"),
    (8080, "HTTP-ALT"),
    (3306, "MYSQL"),
)


@dataclass(frozen=True)
class AccessKey:
    """Who acted, as `resource.accessKeyDetails` names them."""

    access_key_id: str
    principal_id: str  # AIDA..., AROA...:session, or the account id for root
    user_name: str
    user_type: Literal["IAMUser", "AssumedRole", "Root"]


@dataclass(frozen=True)
class Instance:
    instance_id: str
    public_ip: str
    private_ip: str
    availability_zone: str


@dataclass(frozen=True)
class Occurrence:
    """When and how often GuardDuty saw the activity (epoch seconds)."""

    first_seen: int
    last_seen: int
    count: int


def iso_millis(epoch_seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(epoch_seconds))


def remote_ip_details(table: NetworkTable, ip: str) -> dict[str, Any]:
    provider = table.provider_of_ip(int(ipaddress.IPv4Address(ip)))
    return {
        "city": {"cityName": provider.city},
        "country": {"countryCode": provider.country_code, "countryName": provider.country},
        "geoLocation": {"lat": provider.lat, "lon": provider.lon},
        "ipAddressV4": ip,
        "organization": {
            "asn": str(provider.asn),
            "asnOrg": provider.name.upper(),
            "isp": provider.name,
            "org": provider.name,
        },
    }


def _envelope(
    kind: FindingType,
    fid: str,
    account: str,
    region: str,
    detector_id: str,
    resource: dict[str, Any],
    action: dict[str, Any],
    seen: Occurrence,
    text: dict[str, str],
    sample: bool,
) -> dict[str, Any]:
    return {
        "schemaVersion": SCHEMA_VERSION,
        "accountId": account,
        "region": region,
        "partition": "aws",
        "id": fid,
        "arn": f"arn:aws:guardduty:{region}:{account}:detector/{detector_id}/finding/{fid}",
        "type": kind.name,
        "resource": resource,
        "service": {
            "serviceName": "guardduty",
            "detectorId": detector_id,
            "action": action,
            "resourceRole": "TARGET",
            "additionalInfo": {"value": json.dumps({"sample": True} if sample else {}), "type": "default"},
            "eventFirstSeen": iso_millis(seen.first_seen),
            "eventLastSeen": iso_millis(seen.last_seen),
            "archived": False,
            "count": seen.count,
        },
        "severity": kind.severity,
        "createdAt": iso_millis(seen.first_seen + 300),
        "updatedAt": iso_millis(seen.last_seen + 300),
        "title": kind.title.format(**text),
        "description": kind.description.format(**text),
    }


def api_call_finding(
    kind: FindingType,
    fid: str,
    *,
    account: str,
    region: str,
    detector_id: str,
    key: AccessKey,
    ip: str,
    table: NetworkTable,
    seen: Occurrence,
    user_agent: str,
    sample: bool = False,
) -> dict[str, Any]:
    """An IAM finding: one principal, one remote IP."""
    action = {
        "actionType": "AWS_API_CALL",
        "awsApiCallAction": {
            "api": kind.api,
            "callerType": "Remote IP",
            "remoteIpDetails": remote_ip_details(table, ip),
            "serviceName": kind.service,
            "userAgent": {"fullUserAgent": user_agent},
            "affectedResources": {},
        },
    }
    resource = {
        "resourceType": "AccessKey",
        "accessKeyDetails": {
            "accessKeyId": key.access_key_id,
            "principalId": key.principal_id,
            "userName": key.user_name,
            "userType": key.user_type,
        },
    }
    text = {"user": key.user_name, "ip": ip, "api": kind.api, "trail": "management-events"}
    return _envelope(kind, fid, account, region, detector_id, resource, action, seen, text, sample)


def _instance_resource(instance: Instance, region: str, account: str) -> dict[str, Any]:
    return {
        "resourceType": "Instance",
        "instanceDetails": {
            "availabilityZone": instance.availability_zone,
            "iamInstanceProfile": {
                "arn": f"arn:aws:iam::{account}:instance-profile/app-instance-profile",
                "id": "AIPA" + instance.instance_id[2:19].upper(),
            },
            "imageId": "ami-0a1b2c3d4e5f60718",
            "imageDescription": "Amazon Linux 2023 AMI",
            "instanceId": instance.instance_id,
            "instanceState": "running",
            "instanceType": "m6i.large",
            "launchTime": "2025-02-20T09:14:02.000Z",
            "networkInterfaces": [
                {
                    "networkInterfaceId": "eni-" + instance.instance_id[2:19],
                    "privateDnsName": f"ip-{instance.private_ip.replace('.', '-')}.{region}.compute.internal",
                    "privateIpAddress": instance.private_ip,
                    "publicIp": instance.public_ip,
                    "publicDnsName": f"ec2-{instance.public_ip.replace('.', '-')}.{region}.compute.amazonaws.com",
                    "subnetId": "subnet-0f1e2d3c4b5a69788",
                    "vpcId": "vpc-0a9b8c7d6e5f40312",
                    "securityGroups": [{"groupId": "sg-0123456789abcdef0", "groupName": "app-servers"}],
                }
            ],
            "tags": [{"key": "Name", "value": "app-server"}],
        },
    }


def network_finding(
    kind: FindingType,
    fid: str,
    *,
    account: str,
    region: str,
    detector_id: str,
    instance: Instance,
    remote_ips: list[str],
    table: NetworkTable,
    seen: Occurrence,
    sample: bool = False,
) -> dict[str, Any]:
    """An EC2 finding: no principal; PORT_PROBE lists one detail per probed port and source."""
    local_ip = {"ipAddressV4": instance.private_ip}
    if kind.action == "PORT_PROBE":
        details = [
            {
                "localPortDetails": {"port": port, "portName": name},
                "localIpDetails": local_ip,
                "remoteIpDetails": remote_ip_details(table, ip),
            }
            for ip, (port, name) in zip(remote_ips, PROBED_PORTS * len(remote_ips), strict=False)
        ]
        action: dict[str, Any] = {
            "actionType": "PORT_PROBE",
            "portProbeAction": {"blocked": False, "portProbeDetails": details},
        }
    else:
        port, name = (22, "SSH") if "SSH" in kind.name else (3389, "RDP")
        action = {
            "actionType": "NETWORK_CONNECTION",
            "networkConnectionAction": {
                "blocked": False,
                "connectionDirection": "INBOUND",
                "localPortDetails": {"port": port, "portName": name},
                "localIpDetails": local_ip,
                "protocol": "TCP",
                "remoteIpDetails": remote_ip_details(table, remote_ips[0]),
                "remotePortDetails": {"port": 32768 + int(fid[:4], 16) % 28000, "portName": "Unknown"},
            },
        }
    text = {"instance": instance.instance_id, "ip": remote_ips[0]}
    return _envelope(
        kind,
        fid,
        account,
        region,
        detector_id,
        _instance_resource(instance, region, account),
        action,
        seen,
        text,
        sample,
    )


_SAMPLE_TABLE_RANGES = 4096


def sample_findings(
    account: str, region: str, detector_id: str, now: int, types: list[str] | None = None
) -> list[dict[str, Any]]:
    """One sample finding of each requested type (all supported types when none are named),
    with stable ids per detector and type, as GuardDuty's sample findings have."""
    unknown = sorted(set(types or ()) - set(FINDING_TYPES))
    if unknown:
        raise ValueError(f"unsupported finding types: {', '.join(unknown)}")
    table = build_table(_SAMPLE_TABLE_RANGES, seed=0)
    rng = np.random.default_rng(0)
    hostile = table.ranges_of_kind("hosting", "anonymiser")
    instance = Instance("i-0sample1234567890", "198.51.100.10", "10.0.1.25", f"{region}a")
    findings = []
    for kind in (FINDING_TYPES[name] for name in (types or FINDING_TYPES)):
        fid = stable_hex("sample", detector_id, kind.name)  # GuardDuty ids: 32 hex characters
        ips = format_ipv4(table.draw_ips(rng, rng.choice(hostile, size=3)))
        seen = Occurrence(now - 3600, now - 300, 1)
        if kind.action == "AWS_API_CALL":
            if kind.name.endswith("RootCredentialUsage"):
                key = AccessKey("ASIASAMPLEROOTKEY000", account, "Root", "Root")
            elif "InstanceCredentialExfiltration" in kind.name:
                key = AccessKey(
                    "ASIASAMPLEINSTANCEKEY",
                    f"AROASAMPLEROLEID00000:{instance.instance_id}",
                    "sample-instance-role",
                    "AssumedRole",
                )
            else:
                key = AccessKey("AKIASAMPLEUSERKEY000", "AIDASAMPLEUSERID00000", "sample-user", "IAMUser")
            findings.append(
                api_call_finding(
                    kind,
                    fid,
                    account=account,
                    region=region,
                    detector_id=detector_id,
                    key=key,
                    ip=ips[0],
                    table=table,
                    seen=seen,
                    user_agent="aws-cli/2.15.30",
                    sample=True,
                )
            )
        else:
            findings.append(
                network_finding(
                    kind,
                    fid,
                    account=account,
                    region=region,
                    detector_id=detector_id,
                    instance=instance,
                    remote_ips=ips,
                    table=table,
                    seen=seen,
                    sample=True,
                )
            )
    return findings
