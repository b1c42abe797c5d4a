"""Who acts in the simulated account, from where, and how much.

An account looks like this to CloudTrail: IAM users (people with access keys and console
sessions), IAM Identity Center roles that several people assume (one session per person), workload
roles whose sessions are EC2 instances, Lambda functions, CI runs or ECS tasks, a few
service-linked roles that only services use, and rare root use. Every principal acts through
*actors* (a person, an instance, a function) and every actor from *places* (a pool of addresses
with a weight): a person's home (sometimes IPv6), their office's NAT addresses, trips, the
console (`AWS Internal`); a workload's stable cloud addresses or a VPC endpoint's private ones.
People follow the habits of SageMaker's IP Insights tutorial: heavy-tailed activity
(Pareto), travel ~ Beta(1, 30), home rather than office ~ Beta(3, 5).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from secml.data.networks import NetworkTable, ProviderKind
from secml.ipinsights.addresses import format_ipv4

PrincipalKind = Literal["iam_user", "sso_role", "workload_role", "service_linked_role", "root"]
Profile = Literal["person", "admin", "ec2_app", "lambda", "ci", "ecs_task", "service_linked", "root"]
PlaceKind = Literal["ipv4", "ipv6", "vpc_endpoint", "aws_internal", "service_host"]

_ID_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"))
_FIRST_NAMES = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "ken",
    "laura",
    "mallory",
    "nina",
    "oscar",
    "peggy",
    "quinn",
    "rupert",
    "sybil",
    "trent",
    "ursula",
    "victor",
    "wendy",
    "xavier",
    "yolanda",
    "zack",
    "amir",
    "bianca",
    "chen",
    "dmitri",
    "elena",
    "farah",
    "goran",
    "hana",
    "ines",
    "jamal",
    "kenji",
    "lena",
    "mateo",
    "noor",
]
_LAST_INITIALS = "abcdefghijklmnopqrstuvwxyz"
_RESIDENTIAL_KINDS: tuple[ProviderKind, ...] = ("residential", "mobile")
# Shares of CloudTrail records by who causes them (the rest are AWS service events).
ACTIVITY_SHARES: dict[Profile, float] = {
    "person": 0.30,
    "admin": 0.05,
    "ec2_app": 0.22,
    "lambda": 0.14,
    "ci": 0.05,
    "ecs_task": 0.07,
    "service_linked": 0.04,
    "root": 0.0005,
}
AWS_SERVICE_SHARE = 0.08
CONSOLE_SHARE = 0.03  # of a person's calls, made by the console on their behalf ("AWS Internal")
IPV6_HOME_USERS = 0.2  # people whose home ISP gives them IPv6
IPV6_SHARE_AT_HOME = 0.4


@dataclass(frozen=True)
class Place:
    """Where an actor's calls come from: `addresses` are literal IPs except for the console
    (`AWS Internal`) and services acting for a principal (their host name)."""

    kind: PlaceKind
    addresses: tuple[str, ...]
    weight: float
    ranges: tuple[int, ...] = ()  # network-table ranges of IPv4 addresses, for "never seen" checks
    vpc_endpoint_id: str | None = None


@dataclass(frozen=True)
class Actor:
    """One person, instance, function or service acting as a principal."""

    session: str  # role session name; for IAM users and root the actor's own name
    places: tuple[Place, ...]
    weight: float


@dataclass
class Principal:
    kind: PrincipalKind
    profile: Profile
    name: str  # IAM user or role name
    principal_id: str  # AIDA..., AROA... or the account id for root
    arn: str
    actors: list[Actor]
    weight: float
    access_keys: tuple[str, ...] = ()  # long-term AKIA keys of IAM users
    invoked_by: str | None = None  # service-linked roles: the service that uses them
    extra_actors: list[Actor] = field(default_factory=list)  # attackers, added by the corpus

    def session_principal_id(self, session: str) -> str:
        """The principalId CloudTrail and GuardDuty show: `AROA...:session` for a role."""
        return f"{self.principal_id}:{session}" if self.principal_id.startswith("AROA") else self.principal_id

    def usual_ranges(self) -> set[int]:
        return {r for actor in self.actors for place in actor.places for r in place.ranges}


@dataclass
class Person:
    """A human with home, office and trip places; principals' actors reuse them."""

    name: str
    email: str
    places: tuple[Place, ...]
    activity: float


@dataclass
class Population:
    account_id: str
    principals: list[Principal]
    instance_ids: list[str]
    bucket_names: list[str]
    function_names: list[str]


def unique_id(rng: np.random.Generator, prefix: str, length: int = 21) -> str:
    """An AWS unique id (AIDA..., AROA..., AKIA..., ASIA...): prefix plus base-32 characters."""
    return prefix + "".join(rng.choice(_ID_ALPHABET, size=length - len(prefix)))


def _hex(rng: np.random.Generator, length: int) -> str:
    return "".join(rng.choice(np.array(list("0123456789abcdef")), size=length))


def _pool(table: NetworkTable, rng: np.random.Generator, candidates: np.ndarray, ranges: int, ips: int) -> Place:
    """`ips` addresses spread over `ranges` ranges drawn from `candidates`."""
    chosen = rng.choice(candidates, size=ranges, replace=False)
    picks = rng.choice(chosen, size=ips)
    return Place(
        "ipv4", tuple(dict.fromkeys(format_ipv4(table.draw_ips(rng, picks)))), 1.0, tuple(int(r) for r in chosen)
    )


def _reweighted(place: Place, weight: float) -> Place:
    return Place(place.kind, place.addresses, weight, place.ranges, place.vpc_endpoint_id)


def _ipv6_home(rng: np.random.Generator) -> tuple[str, ...]:
    """A home /64 from a synthetic ISP /32, with a few privacy addresses in it."""
    prefix = f"2a0{rng.integers(1, 10)}:{rng.integers(0x1000, 0xFFFF):x}:{rng.integers(0, 0xFFFF):x}:{rng.integers(0, 0xFFFF):x}"
    return tuple(
        f"{prefix}:{':'.join(f'{int(g):x}' for g in rng.integers(0, 0xFFFF, size=4))}"
        for _ in range(rng.integers(2, 6))
    )


def _people(table: NetworkTable, rng: np.random.Generator, count: int) -> list[Person]:
    residential = table.ranges_of_kind(*_RESIDENTIAL_KINDS)
    business = table.ranges_of_kind("business")
    offices = [_pool(table, rng, business, 1, int(rng.integers(2, 5))) for _ in range(max(1, count // 15))]
    people = []
    for index in range(count):
        first = _FIRST_NAMES[index % len(_FIRST_NAMES)]
        name = first if index < len(_FIRST_NAMES) else f"{first}.{_LAST_INITIALS[index // len(_FIRST_NAMES) % 26]}"
        p_travel = float(rng.beta(1, 30))
        p_home = float(rng.beta(3, 5))
        settled = (1 - p_travel) * (1 - CONSOLE_SHARE)
        home = _pool(table, rng, residential, 1, int(rng.integers(1, 4)))
        places = [_reweighted(offices[index % len(offices)], settled * (1 - p_home))]
        if rng.random() < IPV6_HOME_USERS:
            places.append(_reweighted(home, settled * p_home * (1 - IPV6_SHARE_AT_HOME)))
            places.append(Place("ipv6", _ipv6_home(rng), settled * p_home * IPV6_SHARE_AT_HOME))
        else:
            places.append(_reweighted(home, settled * p_home))
        trips = int(rng.integers(1, 4))
        for _ in range(trips):
            places.append(
                _reweighted(_pool(table, rng, np.arange(len(table)), 1, int(rng.integers(1, 3))), p_travel / trips)
            )
        places.append(Place("aws_internal", ("AWS Internal",), CONSOLE_SHARE))
        activity = float(min(rng.pareto(1.0) + 1.0, 200.0))
        people.append(Person(name, f"{name}@example.com", tuple(places), activity))
    return people


def _role(rng: np.random.Generator, account: str, name: str, path: str = "") -> tuple[str, str]:
    return unique_id(rng, "AROA"), f"arn:aws:iam::{account}:role/{path}{name}"


def build_population(table: NetworkTable, rng: np.random.Generator, people_count: int) -> Population:
    """A deterministic account for `rng`: `people_count` people and workloads in proportion."""
    account = str(int(rng.integers(10**11, 10**12)))
    people = _people(table, rng, people_count)
    aws = table.ranges_of_kind("aws")
    hosting = table.ranges_of_kind("hosting")
    principals: list[Principal] = []

    for person in people:
        principals.append(
            Principal(
                kind="iam_user",
                profile="person",
                name=person.name,
                principal_id=unique_id(rng, "AIDA"),
                arn=f"arn:aws:iam::{account}:user/{person.name}",
                actors=[Actor(person.name, person.places, 1.0)],
                weight=person.activity,
                access_keys=tuple(unique_id(rng, "AKIA", 20) for _ in range(int(rng.integers(1, 3)))),
            )
        )
    admins = people[: max(2, people_count // 8)]
    for permission_set, members in (
        ("AdministratorAccess", admins),
        ("PowerUserAccess", people[len(admins) : len(admins) + max(2, people_count // 3)]),
        ("ReadOnlyAccess", people[::3]),
    ):
        name = f"AWSReservedSSO_{permission_set}_{_hex(rng, 16)}"
        role_id, arn = _role(rng, account, name, "aws-reserved/sso.amazonaws.com/")
        actors = [Actor(m.email, m.places, m.activity) for m in members]
        profile: Profile = "admin" if permission_set == "AdministratorAccess" else "person"
        principals.append(Principal("sso_role", profile, name, role_id, arn, actors, sum(a.weight for a in actors)))

    instance_ids: list[str] = []
    for app in ("web-frontend", "orders-api", "batch-worker", "reporting", "search-indexer")[
        : max(1, people_count // 12)
    ]:
        instances = []
        for _ in range(int(rng.integers(2, 7))):
            instance_id = f"i-0{_hex(rng, 16)}"
            instance_ids.append(instance_id)
            public = _pool(table, rng, aws, 1, 1)
            endpoint = Place(
                "vpc_endpoint",
                (f"10.{rng.integers(0, 256)}.{rng.integers(0, 256)}.{rng.integers(1, 255)}",),
                0.3,
                vpc_endpoint_id=f"vpce-0{_hex(rng, 16)}",
            )
            instances.append(Actor(instance_id, (_reweighted(public, 0.7), endpoint), float(rng.uniform(0.5, 2))))
        role_id, arn = _role(rng, account, f"{app}-instance-role")
        principals.append(Principal("workload_role", "ec2_app", f"{app}-instance-role", role_id, arn, instances, 3.0))

    function_names = []
    for function in (
        "thumbnailer",
        "invoice-mailer",
        "audit-exporter",
        "slack-notifier",
        "etl-loader",
        "cost-reporter",
    )[: max(2, people_count // 10)]:
        function_names.append(function)
        role_id, arn = _role(rng, account, f"{function}-lambda-role")
        pool = _pool(table, rng, aws, 2, 12)
        principals.append(
            Principal(
                "workload_role", "lambda", f"{function}-lambda-role", role_id, arn, [Actor(function, (pool,), 1.0)], 2.0
            )
        )

    role_id, arn = _role(rng, account, "github-actions-deploy")
    runners = _pool(table, rng, hosting, 3, 40)
    principals.append(
        Principal(
            "workload_role", "ci", "github-actions-deploy", role_id, arn, [Actor("GitHubActions", (runners,), 1.0)], 1.0
        )
    )
    for service in ("payments", "notifications")[: max(1, people_count // 20)]:
        role_id, arn = _role(rng, account, f"{service}-ecs-task-role")
        nat = _pool(table, rng, aws, 1, 2)
        tasks = [Actor(_hex(rng, 32), (nat,), 1.0) for _ in range(4)]
        principals.append(Principal("workload_role", "ecs_task", f"{service}-ecs-task-role", role_id, arn, tasks, 1.0))

    for service_role, service in (
        ("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com"),
        ("AWSServiceRoleForElasticLoadBalancing", "elasticloadbalancing.amazonaws.com"),
        ("AWSServiceRoleForAmazonGuardDuty", "guardduty.amazonaws.com"),
        ("AWSServiceRoleForConfig", "config.amazonaws.com"),
    ):
        role_id, arn = _role(rng, account, service_role, f"aws-service-role/{service}/")
        place = Place("service_host", (service,), 1.0)
        principals.append(
            Principal(
                "service_linked_role",
                "service_linked",
                service_role,
                role_id,
                arn,
                [Actor(service.split(".")[0].capitalize(), (place,), 1.0)],
                1.0,
                invoked_by=service,
            )
        )

    root_places = tuple(p for p in admins[0].places if p.kind == "ipv4")[:2]
    principals.append(
        Principal(
            "root", "root", "root", account, f"arn:aws:iam::{account}:root", [Actor("root", root_places, 1.0)], 1.0
        )
    )
    buckets = [f"{account}-{suffix}" for suffix in ("app-assets", "invoices", "data-lake", "terraform-state", "logs")]
    return Population(account, principals, instance_ids, buckets, function_names)
