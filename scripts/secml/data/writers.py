"""Writing the corpus out: events as CloudTrail records in CloudTrail's delivery files, planned
findings as GuardDuty's JSON exports, and the truth CSV.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from secml.core.storage import staged_output
from secml.data import cloudtrail_files, cloudtrail_records
from secml.data.cloudtrail_records import SERVICE_EVENTS, ApiCall, Resources
from secml.data.destinations import Destination
from secml.data.events import REGION_WEIGHTS, REGIONS, START, CallIndex, Events
from secml.data.ids import session_key
from secml.data.planner import PlannedFinding
from secml.data.population import Population


class RecordWriter:
    """Turns event rows into CloudTrail records; identities are cached, as sessions repeat."""

    def __init__(self, pop: Population, index: CallIndex) -> None:
        self.pop = pop
        resources = Resources(
            pop.account_id, tuple(pop.bucket_names), tuple(pop.instance_ids), tuple(pop.function_names)
        )
        self.variants = [c.parameters(resources) for c in index.calls]
        self.identities: dict[tuple[int, str, str, int | None], dict[str, Any]] = {}

    def identity(
        self, principal_index: int, session: str, place_kind: str, call: ApiCall, second: int
    ) -> dict[str, Any]:
        principal = self.pop.principals[principal_index]
        console = place_kind == "aws_internal" or call.event_type == "AwsConsoleSignIn"
        if principal.kind == "iam_user":
            day = second // 86_400
            key = (
                session_key(principal.principal_id, "console", day)
                if console
                else principal.access_keys[day % len(principal.access_keys)]
            )
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


def _regions(
    pop: Population,
    index: CallIndex,
    principal: np.ndarray,
    actor: np.ndarray,
    call: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Region index of each event: global services log in us-east-1; people and AWS services
    use a few regions; workloads and the activity behind findings stay in the home region."""
    global_call = np.array([c.global_service for c in index.calls])[call]
    wanders = np.array([p.profile in ("person", "admin") for p in pop.principals] + [True])[principal]
    usual_actor = actor < np.array([len(p.actors) for p in pop.principals] + [len(SERVICE_EVENTS)])[principal]
    regional = np.where(wanders & usual_actor, rng.choice(len(REGIONS), size=call.size, p=REGION_WEIGHTS), 0)
    return np.where(global_call, REGIONS.index(cloudtrail_records.GLOBAL_REGION), regional)


def write_cloudtrail(
    pop: Population, index: CallIndex, events: Events, rng: np.random.Generator, out: Destination
) -> tuple[int, int]:
    """Every event as a CloudTrail record, in CloudTrail's delivery files; (records, files)."""
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
        tqdm(windows, desc="cloudtrail files", unit="file", disable=not sys.stderr.isatty()), suffixes, strict=True
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
                records.append(
                    cloudtrail_records.record(
                        identity=cloudtrail_records.service_identity(service),
                        call=call_obj,
                        epoch_seconds=START + seconds,
                        region=region_name,
                        source_ip=service,
                        user_agent=service,
                        parameters=parameters,
                        request_id=request_id,
                        event_id=event_id,
                        account=pop.account_id,
                        vpc_endpoint_id=None,
                    )
                )
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
            records.append(
                cloudtrail_records.record(
                    identity=writer.identity(int(principal[row]), acting.session, where.kind, call_obj, seconds),
                    call=call_obj,
                    epoch_seconds=START + seconds,
                    region=region_name,
                    source_ip=address,
                    user_agent=user_agent,
                    parameters=parameters,
                    request_id=request_id,
                    event_id=event_id,
                    account=pop.account_id,
                    vpc_endpoint_id=where.vpc_endpoint_id,
                )
            )
        out.write(
            cloudtrail_files.log_key(pop.account_id, region_name, START + window_end, suffix),
            cloudtrail_files.log_file(records),
        )
    return n, len(windows)


def _uuid(hex_ids: str, position: int) -> str:
    h = hex_ids[32 * position : 32 * position + 32]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def write_guardduty(pop: Population, planned: list[PlannedFinding], out: Destination) -> None:
    """JSON arrays of findings, one file per region and day of last update."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in planned:
        groups[(item.finding["region"], item.finding["updatedAt"][:10])].append(item.finding)
    for (region, day), group in sorted(groups.items()):
        year, month, dom = day.split("-")
        key = f"AWSLogs/{pop.account_id}/GuardDuty/{region}/{year}/{month}/{dom}/findings-{region}-{year}{month}{dom}.json"
        group.sort(key=lambda f: (f["updatedAt"], f["id"]))
        out.write(key, json.dumps(group, indent=2).encode())


def write_truth(path: Path, planned: list[PlannedFinding]) -> None:
    """`finding_id,label,reason` for the labelled findings, by id (the pipeline never reads it)."""
    with staged_output(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["finding_id", "label", "reason"])
        for item in sorted(planned, key=lambda p: p.finding["id"]):
            if item.label is not None:
                writer.writerow([item.finding["id"], item.label, item.reason])
