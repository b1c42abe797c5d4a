"""Planting findings: for each one, the CloudTrail activity behind it (added to the events) and
the GuardDuty finding that reports it, with its truth label and the reason for that label.

Attacks use a principal's credentials from a range that principal never uses; benign findings
come from one of the principal's usual addresses; EC2 findings come from internet scanners and
name no principal (no label).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from secml.data import cloudtrail_records, findings
from secml.data.events import REGIONS, START, CallIndex, Events
from secml.data.findings import AccessKey, FindingType, Instance, Occurrence
from secml.data.ids import session_key, stable_hex
from secml.data.networks import PROVIDERS, NetworkTable
from secml.data.plans import (
    ATTACK_PLANS,
    ATTACK_RECORD_SHARE,
    ATTACK_RECORDS,
    ATTACK_SHARE,
    ATTACKED_MINIMUM_RECORDS,
    ATTACKER_USER_AGENTS,
    BENIGN_MINIMUM_RECORDS,
    BENIGN_PLANS,
    EC2_PLANS,
    EC2_SHARE,
    KALI_USER_AGENT,
    RECON_CALLS,
    Plan,
)
from secml.data.population import Actor, Place, Population, Principal
from secml.ipinsights.addresses import format_ipv4


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
    days: int
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
                i
                for i, p in enumerate(self.pop.principals)
                if p.profile in plan.profiles
                and p.kind in plan.kinds
                and self.normal_counts[i] >= minimum
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
            return AccessKey(
                session_key(principal.principal_id, "root", second // 86_400), principal.principal_id, "Root", "Root"
            )
        if principal.kind == "iam_user":
            return AccessKey(principal.access_keys[0], principal.principal_id, principal.name, "IAMUser")
        return AccessKey(
            session_key(principal.principal_id, session, second // 3600),
            principal.session_principal_id(session),
            principal.name,
            "AssumedRole",
        )

    def _region(self, call: int) -> str:
        return cloudtrail_records.GLOBAL_REGION if self.index.calls[call].global_service else REGIONS[0]

    def _add(
        self,
        kind: FindingType,
        principal_index: int,
        actor: int,
        place: int,
        seconds: np.ndarray,
        calls: np.ndarray,
        agent: str,
        label: str,
        reason: str,
    ) -> None:
        principal = self.pop.principals[principal_index]
        all_actors = principal.actors + principal.extra_actors
        chosen = all_actors[actor].places[place]
        ip = chosen.addresses[0]
        self.events.add(principal_index, actor, place, calls, seconds, self.index.agent(agent))
        fid = stable_hex(self.seed, len(self.planned), kind.name)
        seen = Occurrence(int(seconds.min()) + START, int(seconds.max()) + START, int(seconds.size))
        finding = findings.api_call_finding(
            kind,
            fid,
            account=self.pop.account_id,
            region=self._region(int(calls[0])),
            detector_id=self.detector_id,
            key=self._key(principal, all_actors[actor].session, int(seconds[0])),
            ip=ip,
            table=self.table,
            seen=seen,
            user_agent=agent,
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
        start = int(self.rng.integers(0, self.days * 86_400 - 6 * 3600))
        seconds = np.sort(start + self.rng.integers(0, int(self.rng.integers(600, 6 * 3600)), size=n))
        kind = findings.FINDING_TYPES[plan.finding_type]
        recon = [self.index.named(name) for name in RECON_CALLS]
        calls = np.r_[self.index.named(kind.api), self.rng.choice(recon, size=n - 1)]
        agent = KALI_USER_AGENT if "Kali" in kind.name else str(self.rng.choice(ATTACKER_USER_AGENTS))
        provider = PROVIDERS[int(self.table.provider[attacker_range])]
        reason = f"attacker {ip} ({provider.kind}, {provider.country_code}) using {principal.name}'s credentials; range never used by it"
        self._add(kind, principal_index, actor, 0, seconds, calls, agent, "attack", reason)

    def benign(self, plan: Plan) -> None:
        principal_index = self._pick_principal(plan, BENIGN_MINIMUM_RECORDS)
        principal = self.pop.principals[principal_index]
        usual = [
            (a, p)
            for a, actor in enumerate(principal.actors)
            for p, place in enumerate(actor.places)
            if place.kind == "ipv4"
        ]
        weights = np.array([principal.actors[a].weight * principal.actors[a].places[p].weight for a, p in usual])
        actor, place = usual[int(self.rng.choice(len(usual), p=weights / weights.sum()))]
        chosen = principal.actors[actor].places[place]
        ip = chosen.addresses[int(self.rng.integers(len(chosen.addresses)))]
        # The planted calls come from exactly the finding's address, one of the actor's usual ones.
        principal.extra_actors.append(
            Actor(principal.actors[actor].session, (Place("ipv4", (ip,), 1.0, chosen.ranges),), 0.0)
        )
        actor = len(principal.actors) + len(principal.extra_actors) - 1
        kind = findings.FINDING_TYPES[plan.finding_type]
        n = int(self.rng.integers(1, 4))
        start = int(self.rng.integers(0, self.days * 86_400 - 3600))
        seconds = np.sort(start + self.rng.integers(0, 1800, size=n))
        calls = np.full(n, self.index.named(kind.api))
        agent = KALI_USER_AGENT if "Kali" in kind.name else cloudtrail_records.CONSOLE_USER_AGENT
        reason = f"{principal.name} from its usual address {ip}"
        self._add(kind, principal_index, actor, 0, seconds, calls, agent, "benign", reason)

    def network(self, finding_type: str, instances: list[Instance]) -> None:
        instance = instances[int(self.rng.integers(len(instances)))]
        kind = findings.FINDING_TYPES[finding_type]
        scanners = self._ranges_of_kind(("hosting", "anonymiser", "residential"))
        n_ips = int(self.rng.integers(2, 6)) if kind.action == "PORT_PROBE" else 1
        ips = format_ipv4(self.table.draw_ips(self.rng, self.rng.choice(scanners, size=n_ips)))
        first = START + int(self.rng.integers(0, self.days * 86_400 - 7200))
        seen = Occurrence(first, first + int(self.rng.integers(60, 7200)), int(self.rng.integers(1, 200)))
        fid = stable_hex(self.seed, len(self.planned), kind.name)
        finding = findings.network_finding(
            kind,
            fid,
            account=self.pop.account_id,
            region=REGIONS[0],
            detector_id=self.detector_id,
            instance=instance,
            remote_ips=ips,
            table=self.table,
            seen=seen,
        )
        self.planned.append(PlannedFinding(finding, None, f"internet scanner against {instance.instance_id}"))


def ec2_instances(pop: Population) -> list[Instance]:
    """The account's EC2 instances, as EC2 findings name their target."""
    found = []
    for principal in pop.principals:
        if principal.profile != "ec2_app":
            continue
        for actor in principal.actors:
            public = next(p for p in actor.places if p.kind == "ipv4").addresses[0]
            private = next(p for p in actor.places if p.kind == "vpc_endpoint").addresses[0]
            found.append(Instance(actor.session, public, private, f"{REGIONS[0]}a"))
    return found


def plan_findings(planner: FindingPlanner, count: int) -> None:
    """Plant `count` findings: EC2, attack and benign ones in the shares of `plans`."""
    rng = planner.rng
    n_network = round(count * EC2_SHARE)
    n_attack = round((count - n_network) * ATTACK_SHARE)
    n_benign = count - n_network - n_attack
    for plans, minimum, wanted, plant in (
        (ATTACK_PLANS, ATTACKED_MINIMUM_RECORDS, n_attack, planner.attack),
        (BENIGN_PLANS, BENIGN_MINIMUM_RECORDS, n_benign, planner.benign),
    ):
        usable = planner.possible(plans, minimum)
        if not usable:
            raise ValueError("too few records per principal for findings: ask for more records or fewer people")
        weights = np.array([p.weight for p in usable])
        for _ in range(wanted):
            plant(usable[int(rng.choice(len(usable), p=weights / weights.sum()))])
    instances = ec2_instances(planner.pop)
    weights = np.array([w for _, w in EC2_PLANS])
    for _ in range(n_network):
        planner.network(EC2_PLANS[int(rng.choice(len(EC2_PLANS), p=weights / weights.sum()))][0], instances)
