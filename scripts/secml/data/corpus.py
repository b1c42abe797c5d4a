"""`secml data generate`: one simulated AWS account's CloudTrail logs and GuardDuty findings,
with the ground truth the pipeline never reads.

The account's normal activity comes from `population`; on top of it the corpus plants the
activity behind each finding, which appears in CloudTrail as in the workshop:

- attacks: an attacker uses a principal's credentials from a range that principal never uses,
  for a few calls (about 1% of that principal's records, 3 to 25), and GuardDuty reports it;
- benign findings: the principal itself, from one of its usual addresses, does something
  GuardDuty flags (root use, a console login, an internal pen test, a policy change);
- EC2 findings (port probes, brute force): scanners on the internet; no principal, no label.

Truth (`finding_id,label,reason`) labels exactly the findings that carry a principal and an IPv4
address, i.e. the findings IP Insights can score; EC2 findings have no principal tuple, so
they are left out of the truth file (the summary counts them as unlabelled).
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from secml.data import cloudtrail_files, cloudtrail_records, findings
from secml.data.cloudtrail_records import CATALOGUES, SERVICE_EVENTS, USER_AGENTS, ApiCall, Resources
from secml.data.destinations import Destination
from secml.data.findings import AccessKey, FindingType, Instance, Occurrence
from secml.data.networks import PROVIDERS, NetworkTable, build_table, format_ipv4
from secml.data.population import (
    ACTIVITY_SHARES,
    AWS_SERVICE_SHARE,
    Actor,
    Place,
    Population,
    Principal,
    build_population,
)

START = calendar.timegm((2025, 3, 3, 0, 0, 0))  # a Monday
REGIONS = ("us-west-2", "us-east-1", "eu-west-1")
REGION_WEIGHTS = (0.86, 0.12, 0.02)
CORPUS_RANGES = 200_000
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
class CorpusSize:
    """Defaults make the workshop-sized corpus; every option scales it up or down."""

    records: int = 300_000
    days: int = 2
    people: int = 40
    findings: int = 150

    def __post_init__(self) -> None:
        if self.records < 1000 or self.days < 1 or self.people < 4 or self.findings < 10:
            raise ValueError("a corpus needs at least 1000 records, 1 day, 4 people and 10 findings")


@dataclass(frozen=True)
class CorpusSummary:
    account_id: str
    records: int
    cloudtrail_files: int
    findings: int
    attack_findings: int
    benign_findings: int
    unlabelled_findings: int
    start: str
    end: str
    seconds: float
    cloudtrail_url: str
    guardduty_url: str
    truth_path: Path

    def lines(self) -> list[str]:
        return [
            f"account {self.account_id}, {self.start} .. {self.end}",
            f"cloudtrail: {self.records} records in {self.cloudtrail_files} files -> {self.cloudtrail_url}",
            f"guardduty: {self.findings} findings ({self.attack_findings} attack, {self.benign_findings} benign, "
            f"{self.unlabelled_findings} without a principal) -> {self.guardduty_url}",
            f"truth: {self.truth_path}",
            f"generated in {self.seconds:.1f} s",
        ]

    def __str__(self) -> str:
        return (
            f"{self.records} CloudTrail records in {self.cloudtrail_files} files, {self.findings} findings "
            f"({self.attack_findings} attack, {self.benign_findings} benign, {self.unlabelled_findings} unlabelled) "
            f"in {self.seconds:.1f} s; truth in {self.truth_path}"
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
    Plan("UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS", ("ec2_app",), ("workload_role",), 3, ("hosting", "residential", "anonymiser")),
    Plan("Recon:IAMUser/MaliciousIPCaller", ("person", "lambda", "ci", "admin"), ("iam_user", "workload_role", "sso_role"), 3, ("hosting",)),
    Plan("UnauthorizedAccess:IAMUser/TorIPCaller", ("person",), ("iam_user",), 2, ("anonymiser",)),
    Plan("UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B", ("person",), ("iam_user",), 2, ("residential", "mobile")),
    Plan("PenTest:IAMUser/KaliLinux", ("person", "admin"), ("iam_user", "sso_role"), 2, ("hosting", "residential")),
    Plan("Discovery:IAMUser/AnomalousBehavior", ("person", "lambda", "ecs_task"), ("iam_user", "sso_role", "workload_role"), 2, ("hosting", "residential")),
)
BENIGN_PLANS: tuple[Plan, ...] = (
    Plan("Policy:IAMUser/RootCredentialUsage", ("root",), ("root",), 3),
    Plan("UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B", ("person",), ("iam_user",), 3),
    Plan("PenTest:IAMUser/KaliLinux", ("person", "admin"), ("iam_user", "sso_role"), 1),
    Plan("Discovery:IAMUser/AnomalousBehavior", ("person", "ec2_app", "lambda", "ci", "ecs_task"), ("iam_user", "sso_role", "workload_role"), 3),
    Plan("Stealth:IAMUser/CloudTrailLoggingDisabled", ("admin",), ("sso_role",), 1),
    Plan("Stealth:IAMUser/PasswordPolicyChange", ("admin",), ("sso_role",), 1),
)
EC2_PLANS: tuple[tuple[str, float], ...] = (
    ("Recon:EC2/PortProbeUnprotectedPort", 3),
    ("UnauthorizedAccess:EC2/SSHBruteForce", 2),
    ("UnauthorizedAccess:EC2/RDPBruteForce", 1),
)
_RECON_CALLS = ("ListBuckets", "DescribeInstances", "GetCallerIdentity", "ListUsers", "DescribeSecurityGroups", "ListRoles")


@dataclass
class Events:
    """Column arrays of every CloudTrail record to write; principal -1 marks AWS service events
    (whose `actor` then indexes SERVICE_EVENTS)."""

    principal: list[np.ndarray] = field(default_factory=list)
    actor: list[np.ndarray] = field(default_factory=list)
    place: list[np.ndarray] = field(default_factory=list)
    call: list[np.ndarray] = field(default_factory=list)
    second: list[np.ndarray] = field(default_factory=list)
    agent: list[np.ndarray] = field(default_factory=list)

    def add(self, principal: int, actor: Any, place: Any, call: Any, second: Any, agent: Any) -> None:
        n = np.size(second)
        for column, values in zip(
            (self.principal, self.actor, self.place, self.call, self.second, self.agent),
            (principal, actor, place, call, second, agent),
        ):
            column.append(np.broadcast_to(np.asarray(values, dtype=np.int64), (n,)).copy())

    def columns(self) -> tuple[np.ndarray, ...]:
        return tuple(np.concatenate(c) for c in (self.principal, self.actor, self.place, self.call, self.second, self.agent))


class CallIndex:
    """Every ApiCall the corpus can emit, by position, so events store small integers."""

    def __init__(self) -> None:
        self.calls: list[ApiCall] = []
        self._positions: dict[ApiCall, int] = {}
        self.agents: list[str] = []
        self._agent_positions: dict[str, int] = {}

    def of(self, call: ApiCall) -> int:
        if call not in self._positions:
            self._positions[call] = len(self.calls)
            self.calls.append(call)
        return self._positions[call]

    def agent(self, user_agent: str) -> int:
        if user_agent not in self._agent_positions:
            self._agent_positions[user_agent] = len(self.agents)
            self.agents.append(user_agent)
        return self._agent_positions[user_agent]

    def named(self, name: str) -> int:
        for catalogue in CATALOGUES.values():
            for call in catalogue:
                if call.name == name:
                    return self.of(call)
        finding_type = next(t for t in findings.IAM_TYPES if t.api == name)
        source = finding_type.service.split(".")[0]
        return self.of(cloudtrail_records.api_call(source, name, 1, global_service=source in ("iam", "sts", "signin")))


def _times(rng: np.random.Generator, n: int, days: int, diurnal: bool) -> np.ndarray:
    """Seconds from START: people work weekdays around 13:00 Pacific; machines never stop."""
    if not diurnal:
        return rng.integers(0, days * 86_400, size=n)
    weekday = np.array([1.0 if (d % 7) < 5 else 0.25 for d in range(days)])
    day = rng.choice(days, size=n, p=weekday / weekday.sum())
    working = rng.random(n) < 0.8
    clock = np.where(working, rng.normal(21 * 3600, 2.5 * 3600, size=n), rng.uniform(0, 86_400, size=n))
    return day * 86_400 + np.mod(clock, 86_400).astype(np.int64)


def _normal_events(pop: Population, size: CorpusSize, rng: np.random.Generator, index: CallIndex) -> Events:
    events = Events()
    by_profile: dict[str, list[int]] = defaultdict(list)
    for i, principal in enumerate(pop.principals):
        by_profile[principal.profile].append(i)
    budget = size.records * (1 - AWS_SERVICE_SHARE)
    share_total = sum(ACTIVITY_SHARES.values())
    console_login = index.named("ConsoleLogin")
    list_buckets = index.named("ListBuckets")
    for profile, members in by_profile.items():
        weights = np.array([pop.principals[i].weight for i in members])
        counts = rng.multinomial(round(budget * ACTIVITY_SHARES[profile] / share_total), weights / weights.sum())  # type: ignore[index]
        catalogue = CATALOGUES[profile]  # type: ignore[index]
        call_ids = np.array([index.of(c) for c in catalogue])
        call_p = np.array([c.weight for c in catalogue])
        agents = [index.agent(a) for a in USER_AGENTS.get(profile, ("",))]  # type: ignore[arg-type]
        for principal_index, n in zip(members, counts.tolist()):
            if n == 0:
                continue
            principal = pop.principals[principal_index]
            actor_p = np.array([a.weight for a in principal.actors])
            actor = rng.choice(len(principal.actors), size=n, p=actor_p / actor_p.sum())
            place = np.zeros(n, dtype=np.int64)
            for a, chosen in enumerate(principal.actors):
                mask = actor == a
                place_p = np.array([p.weight for p in chosen.places])
                place[mask] = rng.choice(len(chosen.places), size=int(mask.sum()), p=place_p / place_p.sum())
            call = call_ids[rng.choice(len(call_ids), size=n, p=call_p / call_p.sum())]
            kinds = np.array([principal.actors[a].places[p].kind for a, p in zip(actor.tolist(), place.tolist())])
            call = np.where((kinds == "aws_internal") & (call == console_login), list_buckets, call)
            agent = np.array(agents)[(actor + (rng.random(n) < 0.3)) % len(agents)]
            diurnal = profile in ("person", "admin", "root")
            events.add(principal_index, actor, place, call, _times(rng, n, size.days, diurnal), agent)
    n_service = round(size.records * AWS_SERVICE_SHARE)
    service_p = np.array([call.weight for _, call in SERVICE_EVENTS])
    for _, call in SERVICE_EVENTS:
        index.of(call)
    which = rng.choice(len(SERVICE_EVENTS), size=n_service, p=service_p / service_p.sum())
    events.add(-1, which, 0, [index.of(SERVICE_EVENTS[w][1]) for w in which.tolist()], _times(rng, n_service, size.days, False), 0)
    return events


@dataclass(frozen=True)
class PlannedFinding:
    finding: dict[str, Any]
    label: str | None  # None: no principal tuple, not in the truth file
    reason: str


@dataclass
class FindingPlanner:
    """Plants the activity behind each finding in `events` and builds the finding itself."""

    pop: Population
    table: NetworkTable
    size: CorpusSize
    rng: np.random.Generator
    index: CallIndex
    events: Events
    detector_id: str
    normal_counts: np.ndarray  # CloudTrail records per principal before findings
    seed: int
    planned: list[PlannedFinding] = field(default_factory=list)
    ranges_by_kind: dict[tuple[str, ...], np.ndarray] = field(default_factory=dict)

    def _ranges_of_kind(self, kinds: tuple[str, ...]) -> np.ndarray:
        if kinds not in self.ranges_by_kind:
            self.ranges_by_kind[kinds] = self.table.ranges_of_kind(*kinds)  # type: ignore[arg-type]
        return self.ranges_by_kind[kinds]

    def _eligible(self, plan: Plan, minimum: int) -> np.ndarray:
        return np.array(
            [
                i for i, p in enumerate(self.pop.principals)
                if p.profile in plan.profiles and p.kind in plan.kinds and self.normal_counts[i] >= minimum
                and any(pl.kind == "ipv4" for a in p.actors for pl in a.places)
            ],
            dtype=np.int64,
        )

    def _pick_principal(self, plan: Plan, minimum: int) -> int:
        eligible = self._eligible(plan, minimum)
        weights = np.sqrt(self.normal_counts[eligible].astype(float))
        return int(self.rng.choice(eligible, p=weights / weights.sum()))

    def _key(self, principal: Principal, session: str, second: int) -> AccessKey:
        if principal.kind == "root":
            return AccessKey(session_key(principal.principal_id, "root", second // 86_400), principal.principal_id, "Root", "Root")
        if principal.kind == "iam_user":
            return AccessKey(principal.access_keys[0], principal.principal_id, principal.name, "IAMUser")
        return AccessKey(
            session_key(principal.principal_id, session, second // 3600),
            principal.session_principal_id(session), principal.name, "AssumedRole",
        )

    def _region(self, call: int) -> str:
        return cloudtrail_records.GLOBAL_REGION if self.index.calls[call].global_service else REGIONS[0]

    def _add(self, kind: FindingType, principal_index: int, actor: int, place: int, seconds: np.ndarray,
             calls: np.ndarray, agent: str, label: str, reason: str) -> None:
        principal = self.pop.principals[principal_index]
        all_actors = principal.actors + principal.extra_actors
        chosen = all_actors[actor].places[place]
        ip = chosen.addresses[0]
        self.events.add(principal_index, actor, place, calls, seconds, self.index.agent(agent))
        fid = findings.finding_id(self.seed, len(self.planned), kind.name)
        seen = Occurrence(int(seconds.min()) + START, int(seconds.max()) + START, int(seconds.size))
        finding = findings.api_call_finding(
            kind, fid, account=self.pop.account_id, region=self._region(int(calls[0])), detector_id=self.detector_id,
            key=self._key(principal, all_actors[actor].session, int(seconds[0])), ip=ip, table=self.table,
            seen=seen, user_agent=agent,
        )
        self.planned.append(PlannedFinding(finding, label, reason))

    def possible(self, plans: tuple[Plan, ...], minimum: int) -> list[Plan]:
        return [plan for plan in plans if self._eligible(plan, minimum).size]

    def attack(self, plan: Plan) -> None:
        principal_index = self._pick_principal(plan, ATTACKED_MINIMUM_RECORDS)
        principal = self.pop.principals[principal_index]
        candidates = self._ranges_of_kind(plan.attacker_networks)
        usual = principal.usual_ranges()
        attacker_range = int(self.rng.choice(candidates))
        while attacker_range in usual:  # a range this principal never uses
            attacker_range = int(self.rng.choice(candidates))
        ip = format_ipv4(self.table.draw_ips(self.rng, np.array([attacker_range])))[0]
        victim = int(self.rng.integers(len(principal.actors)))
        session = principal.actors[victim].session
        principal.extra_actors.append(Actor(session, (Place("ipv4", (ip,), 1.0, (attacker_range,)),), 0.0))
        actor = len(principal.actors) + len(principal.extra_actors) - 1
        low, high = ATTACK_RECORDS
        n = int(np.clip(round(ATTACK_RECORD_SHARE * self.normal_counts[principal_index]), low, high))
        start = int(self.rng.integers(0, self.size.days * 86_400 - 6 * 3600))
        seconds = np.sort(start + self.rng.integers(0, int(self.rng.integers(600, 6 * 3600)), size=n))
        kind = findings.FINDING_TYPES[plan.finding_type]
        recon = [self.index.named(name) for name in _RECON_CALLS]
        calls = np.r_[self.index.named(kind.api), self.rng.choice(recon, size=n - 1)]
        agent = KALI_USER_AGENT if "Kali" in kind.name else str(self.rng.choice(ATTACKER_USER_AGENTS))
        provider = PROVIDERS[int(self.table.provider[attacker_range])]
        reason = f"attacker {ip} ({provider.kind}, {provider.country_code}) using {principal.name}'s credentials; range never used by it"
        self._add(kind, principal_index, actor, 0, seconds, calls, agent, "attack", reason)

    def benign(self, plan: Plan) -> None:
        principal_index = self._pick_principal(plan, BENIGN_MINIMUM_RECORDS)
        principal = self.pop.principals[principal_index]
        usual = [(a, p) for a, actor in enumerate(principal.actors) for p, place in enumerate(actor.places) if place.kind == "ipv4"]
        weights = np.array([principal.actors[a].weight * principal.actors[a].places[p].weight for a, p in usual])
        actor, place = usual[int(self.rng.choice(len(usual), p=weights / weights.sum()))]
        chosen = principal.actors[actor].places[place]
        ip = chosen.addresses[int(self.rng.integers(len(chosen.addresses)))]
        # The planted calls come from exactly the finding's address, one of the actor's usual ones.
        principal.extra_actors.append(Actor(principal.actors[actor].session, (Place("ipv4", (ip,), 1.0, chosen.ranges),), 0.0))
        actor = len(principal.actors) + len(principal.extra_actors) - 1
        kind = findings.FINDING_TYPES[plan.finding_type]
        n = int(self.rng.integers(1, 4))
        start = int(self.rng.integers(0, self.size.days * 86_400 - 3600))
        seconds = np.sort(start + self.rng.integers(0, 1800, size=n))
        calls = np.full(n, self.index.named(kind.api))
        agent = KALI_USER_AGENT if "Kali" in kind.name else cloudtrail_records.CONSOLE_USER_AGENT
        reason = f"{principal.name} from its usual address {ip}"
        self._add(kind, principal_index, actor, 0, seconds, calls, agent, "benign", reason)

    def network(self, finding_type: str, instances: list[tuple[Instance, str]]) -> None:
        instance, _ = instances[int(self.rng.integers(len(instances)))]
        kind = findings.FINDING_TYPES[finding_type]
        scanners = self._ranges_of_kind(("hosting", "anonymiser", "residential"))
        n_ips = int(self.rng.integers(2, 6)) if kind.action == "PORT_PROBE" else 1
        ips = format_ipv4(self.table.draw_ips(self.rng, self.rng.choice(scanners, size=n_ips)))
        first = START + int(self.rng.integers(0, self.size.days * 86_400 - 7200))
        seen = Occurrence(first, first + int(self.rng.integers(60, 7200)), int(self.rng.integers(1, 200)))
        fid = findings.finding_id(self.seed, len(self.planned), kind.name)
        finding = findings.network_finding(
            kind, fid, account=self.pop.account_id, region=REGIONS[0], detector_id=self.detector_id,
            instance=instance, remote_ips=ips, table=self.table, seen=seen,
        )
        self.planned.append(PlannedFinding(finding, None, f"internet scanner against {instance.instance_id}"))


@lru_cache(maxsize=None)
def session_key(principal_id: str, session: str, period: int) -> str:
    """The temporary access key (ASIA...) of one session period, stable for its inputs."""
    digest = hashlib.blake2b(f"{principal_id}/{session}/{period}".encode(), digest_size=16).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    return "ASIA" + "".join(alphabet[b % 32] for b in digest)


def _instances(pop: Population) -> list[tuple[Instance, str]]:
    found = []
    for principal in pop.principals:
        if principal.profile != "ec2_app":
            continue
        for actor in principal.actors:
            public = next(p for p in actor.places if p.kind == "ipv4").addresses[0]
            private = next(p for p in actor.places if p.kind == "vpc_endpoint").addresses[0]
            found.append((Instance(actor.session, public, private, f"{REGIONS[0]}a"), principal.name))
    return found


def _plan_findings(planner: FindingPlanner) -> None:
    rng, size = planner.rng, planner.size
    n_network = round(size.findings * EC2_SHARE)
    n_attack = round((size.findings - n_network) * ATTACK_SHARE)
    n_benign = size.findings - n_network - n_attack
    for plans, minimum, count, plant in (
        (ATTACK_PLANS, ATTACKED_MINIMUM_RECORDS, n_attack, planner.attack),
        (BENIGN_PLANS, BENIGN_MINIMUM_RECORDS, n_benign, planner.benign),
    ):
        usable = planner.possible(plans, minimum)
        if not usable:
            raise ValueError("too few records per principal for findings: ask for more records or fewer people")
        weights = np.array([p.weight for p in usable])
        for _ in range(count):
            plant(usable[int(rng.choice(len(usable), p=weights / weights.sum()))])
    instances = _instances(planner.pop)
    weights = np.array([w for _, w in EC2_PLANS])
    for _ in range(n_network):
        planner.network(EC2_PLANS[int(rng.choice(len(EC2_PLANS), p=weights / weights.sum()))][0], instances)


class RecordWriter:
    """Turns event rows into CloudTrail records; identities are cached, as sessions repeat."""

    def __init__(self, pop: Population, index: CallIndex) -> None:
        self.pop = pop
        resources = Resources(pop.account_id, tuple(pop.bucket_names), tuple(pop.instance_ids), tuple(pop.function_names))
        self.variants = [c.parameters(resources) for c in index.calls]
        self.identities: dict[tuple[int, str, str, int | None], dict[str, Any]] = {}

    def identity(self, principal_index: int, session: str, place_kind: str, call: ApiCall, second: int) -> dict[str, Any]:
        principal = self.pop.principals[principal_index]
        console = place_kind == "aws_internal" or call.event_type == "AwsConsoleSignIn"
        if principal.kind == "iam_user":
            day = second // 86_400
            key = session_key(principal.principal_id, "console", day) if console else principal.access_keys[day % len(principal.access_keys)]
            created = START + day * 86_400 + 8 * 3600 if console else None
        elif principal.kind == "root":
            key, created = session_key(principal.principal_id, "root", second // 86_400), None
        else:
            period = second // 3600
            key, created = session_key(principal.principal_id, session, period), START + period * 3600
        cache_key = (principal_index, session, key, created)
        if cache_key not in self.identities:
            self.identities[cache_key] = cloudtrail_records.user_identity(principal, session, key, created)
        return self.identities[cache_key]


def _regions(pop: Population, index: CallIndex, principal: np.ndarray, actor: np.ndarray, call: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """Region index of each event: global services log in us-east-1; people and AWS services
    use a few regions; workloads and the activity behind findings stay in the home region."""
    global_call = np.array([c.global_service for c in index.calls])[call]
    wanders = np.array([p.profile in ("person", "admin") for p in pop.principals] + [True])[principal]
    usual_actor = actor < np.array([len(p.actors) for p in pop.principals] + [len(SERVICE_EVENTS)])[principal]
    regional = np.where(wanders & usual_actor, rng.choice(len(REGIONS), size=call.size, p=REGION_WEIGHTS), 0)
    return np.where(global_call, REGIONS.index(cloudtrail_records.GLOBAL_REGION), regional)


def _write_cloudtrail(pop: Population, index: CallIndex, events: Events, rng: np.random.Generator,
                      out: Destination) -> tuple[int, int]:
    principal, actor, place, call, second, agent = events.columns()
    writer = RecordWriter(pop, index)
    region = _regions(pop, index, principal, actor, call, rng)
    n = principal.size
    ids = rng.bytes(32 * n).hex()
    picks = rng.random(n)
    windows = list(cloudtrail_files.delivery_windows(region, second))
    suffixes = cloudtrail_files.random_suffixes(rng, len(windows))
    agents = index.agents
    for (region_index, window_end, rows), suffix in zip(
        tqdm(windows, desc="cloudtrail files", unit="file", disable=not sys.stderr.isatty()), suffixes
    ):
        region_name = REGIONS[region_index]
        records = []
        for row in rows.tolist():
            call_obj = index.calls[call[row]]
            variants = writer.variants[call[row]]
            parameters = variants[int(picks[row] * len(variants))]
            seconds = int(second[row])
            request_id, event_id = _uuid(ids, 2 * row), _uuid(ids, 2 * row + 1)
            if principal[row] < 0:
                service = SERVICE_EVENTS[actor[row]][0]
                records.append(cloudtrail_records.record(
                    identity=cloudtrail_records.service_identity(service), call=call_obj, epoch_seconds=START + seconds,
                    region=region_name, source_ip=service, user_agent=service, parameters=parameters,
                    request_id=request_id, event_id=event_id, account=pop.account_id, vpc_endpoint_id=None,
                ))
                continue
            who = pop.principals[principal[row]]
            acting = (who.actors + who.extra_actors)[actor[row]]
            where = acting.places[place[row]]
            address = where.addresses[int(picks[row] * 7919) % len(where.addresses)]
            if where.kind == "aws_internal":
                user_agent = "AWS Internal"
            elif where.kind == "service_host":
                user_agent = address
            elif call_obj.event_type == "AwsConsoleSignIn":
                user_agent = cloudtrail_records.CONSOLE_USER_AGENT
            else:
                user_agent = agents[agent[row]]
            records.append(cloudtrail_records.record(
                identity=writer.identity(int(principal[row]), acting.session, where.kind, call_obj, seconds),
                call=call_obj, epoch_seconds=START + seconds, region=region_name, source_ip=address,
                user_agent=user_agent, parameters=parameters, request_id=request_id, event_id=event_id,
                account=pop.account_id, vpc_endpoint_id=where.vpc_endpoint_id,
            ))
        out.write(cloudtrail_files.log_key(pop.account_id, region_name, START + window_end, suffix), cloudtrail_files.log_file(records))
    return n, len(windows)


def _uuid(hex_ids: str, position: int) -> str:
    h = hex_ids[32 * position : 32 * position + 32]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _write_guardduty(pop: Population, planned: list[PlannedFinding], out: Destination) -> None:
    """JSON arrays of findings, one file per region and day of last update."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in planned:
        groups[(item.finding["region"], item.finding["updatedAt"][:10])].append(item.finding)
    for (region, day), group in sorted(groups.items()):
        year, month, dom = day.split("-")
        key = f"AWSLogs/{pop.account_id}/GuardDuty/{region}/{year}/{month}/{dom}/findings-{region}-{year}{month}{dom}.json"
        group.sort(key=lambda f: (f["updatedAt"], f["id"]))
        out.write(key, json.dumps(group, indent=2).encode())


def _write_truth(path: Path, planned: list[PlannedFinding]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["finding_id", "label", "reason"])
        for item in sorted(planned, key=lambda p: p.finding["id"]):
            if item.label is not None:
                writer.writerow([item.finding["id"], item.label, item.reason])


def generate_into(cloudtrail_url: str, guardduty_url: str, truth_path: Path, seed: int = 0,
                  size: CorpusSize = CorpusSize(), s3_client: Any = None) -> CorpusSummary:
    """The corpus for `seed` and `size`, CloudTrail under `cloudtrail_url` and findings under
    `guardduty_url` (local folders or s3:// prefixes); byte-identical for the same arguments."""
    began = time.perf_counter()
    rng = np.random.default_rng([seed, 0xC0])
    table = build_table(CORPUS_RANGES, seed)
    pop = build_population(table, rng, size.people)
    index = CallIndex()
    events = _normal_events(pop, size, rng, index)
    normal_principals = np.concatenate(events.principal)
    counts = np.bincount(normal_principals[normal_principals >= 0], minlength=len(pop.principals))
    detector_id = hashlib.md5(f"detector/{seed}".encode()).hexdigest()
    planner = FindingPlanner(pop, table, size, rng, index, events, detector_id, counts, seed)
    _plan_findings(planner)
    with Destination(cloudtrail_url, s3_client) as out:
        records, files = _write_cloudtrail(pop, index, events, rng, out)
    with Destination(guardduty_url, s3_client) as out:
        _write_guardduty(pop, planner.planned, out)
    _write_truth(truth_path, planner.planned)
    labels = [p.label for p in planner.planned]
    return CorpusSummary(
        account_id=pop.account_id,
        records=records,
        cloudtrail_files=files,
        findings=len(planner.planned),
        attack_findings=labels.count("attack"),
        benign_findings=labels.count("benign"),
        unlabelled_findings=labels.count(None),
        start=cloudtrail_records.iso_time(START),
        end=cloudtrail_records.iso_time(START + size.days * 86_400),
        seconds=time.perf_counter() - began,
        cloudtrail_url=cloudtrail_url,
        guardduty_url=guardduty_url,
        truth_path=truth_path,
    )


def generate(dest: str, truth_path: Path, seed: int = 0, size: CorpusSize = CorpusSize()) -> CorpusSummary:
    """The workshop bucket's layout under `dest`: `cloudtrail/AWSLogs/...`, `guardduty/...`."""
    root = Destination(dest)
    return generate_into(root.child("cloudtrail"), root.child("guardduty"), truth_path, seed, size)
