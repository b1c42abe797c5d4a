"""The corpus's CloudTrail activity as column arrays: who acted (principal, actor, place), which
call, when (seconds from START) and with which user agent, before any record is written.

Events hold small integers (indexes into the population and a `CallIndex`), so hundreds of
thousands of them are drawn with a few numpy calls and written out once.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from secml.data import cloudtrail_records, findings
from secml.data.cloudtrail_records import (
    CATALOGUES,
    SERVICE_EVENTS,
    USER_AGENTS,
    ApiCall,
)
from secml.data.population import ACTIVITY_SHARES, AWS_SERVICE_SHARE, Population, Profile

START = calendar.timegm((2025, 3, 3, 0, 0, 0))  # a Monday
REGIONS = ("us-west-2", "us-east-1", "eu-west-1")
REGION_WEIGHTS = (0.86, 0.12, 0.02)


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
            strict=True,
        ):
            column.append(np.broadcast_to(np.asarray(values, dtype=np.int64), (n,)).copy())

    def columns(self) -> tuple[np.ndarray, ...]:
        return tuple(
            np.concatenate(c) for c in (self.principal, self.actor, self.place, self.call, self.second, self.agent)
        )


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


def event_times(rng: np.random.Generator, n: int, days: int, diurnal: bool) -> np.ndarray:
    """Seconds from START: people work weekdays around 13:00 Pacific; machines never stop."""
    if not diurnal:
        return rng.integers(0, days * 86_400, size=n)
    weekday = np.array([1.0 if (d % 7) < 5 else 0.25 for d in range(days)])
    day = rng.choice(days, size=n, p=weekday / weekday.sum())
    working = rng.random(n) < 0.8
    clock = np.where(working, rng.normal(21 * 3600, 2.5 * 3600, size=n), rng.uniform(0, 86_400, size=n))
    return day * 86_400 + np.mod(clock, 86_400).astype(np.int64)


def normal_events(pop: Population, records: int, days: int, rng: np.random.Generator, index: CallIndex) -> Events:
    """About `records` events of the account's everyday activity over `days`: each profile's share
    spread over its principals by weight, plus AWS services acting with their own identity."""
    events = Events()
    by_profile: dict[Profile, list[int]] = defaultdict(list)
    for i, principal in enumerate(pop.principals):
        by_profile[principal.profile].append(i)
    budget = records * (1 - AWS_SERVICE_SHARE)
    share_total = sum(ACTIVITY_SHARES.values())
    console_login = index.named("ConsoleLogin")
    list_buckets = index.named("ListBuckets")
    for profile, members in by_profile.items():
        weights = np.array([pop.principals[i].weight for i in members])
        counts = rng.multinomial(round(budget * ACTIVITY_SHARES[profile] / share_total), weights / weights.sum())
        catalogue = CATALOGUES[profile]
        call_ids = np.array([index.of(c) for c in catalogue])
        call_p = np.array([c.weight for c in catalogue])
        agents = [index.agent(a) for a in USER_AGENTS.get(profile, ("",))]
        for principal_index, n in zip(members, counts.tolist(), strict=True):
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
            kinds = np.array(
                [principal.actors[a].places[p].kind for a, p in zip(actor.tolist(), place.tolist(), strict=True)]
            )
            call = np.where((kinds == "aws_internal") & (call == console_login), list_buckets, call)
            agent = np.array(agents)[(actor + (rng.random(n) < 0.3)) % len(agents)]
            diurnal = profile in ("person", "admin", "root")
            events.add(principal_index, actor, place, call, event_times(rng, n, days, diurnal), agent)
    n_service = round(records * AWS_SERVICE_SHARE)
    service_p = np.array([call.weight for _, call in SERVICE_EVENTS])
    for _, call in SERVICE_EVENTS:
        index.of(call)
    which = rng.choice(len(SERVICE_EVENTS), size=n_service, p=service_p / service_p.sum())
    events.add(
        -1,
        which,
        0,
        [index.of(SERVICE_EVENTS[w][1]) for w in which.tolist()],
        event_times(rng, n_service, days, False),
        0,
    )
    return events
