"""The finding scenarios the corpus plants, and how many of each: who each can happen to, where
attackers sit, how many calls they make, and which user agents they show.

The mix follows the workshop: most findings carry a principal (IAM finding types), of those a
share are attacks and the rest benign; the remaining findings are EC2 findings from scanners.
"""

from __future__ import annotations

from dataclasses import dataclass

ATTACK_SHARE = 0.4  # of the findings that carry a principal
EC2_SHARE = 0.2  # of all findings
ATTACK_RECORD_SHARE = 0.01
ATTACK_RECORDS = (3, 25)
ATTACKED_MINIMUM_RECORDS = 100  # attackers' calls stay a small share of their victim's records
BENIGN_MINIMUM_RECORDS = 5
KALI_USER_AGENT = "aws-cli/1.32.49 Python/3.11.8 Linux/6.6.9-amd64 botocore/1.34.49 distrib/kali.2024"
ATTACKER_USER_AGENTS = (
    "aws-cli/2.15.30 Python/3.11.8 Linux/5.15.0-101-generic exe/x86_64.ubuntu.22 prompt/off",
    "Boto3/1.34.51 Python/3.10.12 Linux/5.15.0-1056-aws Botocore/1.34.51",
    "python-requests/2.31.0",
)


@dataclass(frozen=True)
class Plan:
    """A finding scenario: its type, who it can happen to, and (attacks) where attackers sit."""

    finding_type: str
    profiles: tuple[str, ...]
    kinds: tuple[str, ...]
    weight: float
    attacker_networks: tuple[str, ...] = ()


ATTACK_PLANS: tuple[Plan, ...] = (
    Plan(
        "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
        ("ec2_app",),
        ("workload_role",),
        3,
        ("hosting", "residential", "anonymiser"),
    ),
    Plan(
        "Recon:IAMUser/MaliciousIPCaller",
        ("person", "lambda", "ci", "admin"),
        ("iam_user", "workload_role", "sso_role"),
        3,
        ("hosting",),
    ),
    Plan("UnauthorizedAccess:IAMUser/TorIPCaller", ("person",), ("iam_user",), 2, ("anonymiser",)),
    Plan("UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B", ("person",), ("iam_user",), 2, ("residential", "mobile")),
    Plan("PenTest:IAMUser/KaliLinux", ("person", "admin"), ("iam_user", "sso_role"), 2, ("hosting", "residential")),
    Plan(
        "Discovery:IAMUser/AnomalousBehavior",
        ("person", "lambda", "ecs_task"),
        ("iam_user", "sso_role", "workload_role"),
        2,
        ("hosting", "residential"),
    ),
)
BENIGN_PLANS: tuple[Plan, ...] = (
    Plan("Policy:IAMUser/RootCredentialUsage", ("root",), ("root",), 3),
    Plan("UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B", ("person",), ("iam_user",), 3),
    Plan("PenTest:IAMUser/KaliLinux", ("person", "admin"), ("iam_user", "sso_role"), 1),
    Plan(
        "Discovery:IAMUser/AnomalousBehavior",
        ("person", "ec2_app", "lambda", "ci", "ecs_task"),
        ("iam_user", "sso_role", "workload_role"),
        3,
    ),
    Plan("Stealth:IAMUser/CloudTrailLoggingDisabled", ("admin",), ("sso_role",), 1),
    Plan("Stealth:IAMUser/PasswordPolicyChange", ("admin",), ("sso_role",), 1),
)
EC2_PLANS: tuple[tuple[str, float], ...] = (
    ("Recon:EC2/PortProbeUnprotectedPort", 3),
    ("UnauthorizedAccess:EC2/SSHBruteForce", 2),
    ("UnauthorizedAccess:EC2/RDPBruteForce", 1),
)
RECON_CALLS = (
    "ListBuckets",
    "DescribeInstances",
    "GetCallerIdentity",
    "ListUsers",
    "DescribeSecurityGroups",
    "ListRoles",
)
