"""Publishing an AWS service's events on the emulator's default event bus, as the service itself
would on AWS (emulator patches of services that send events: GuardDuty findings, SageMaker
training job state changes). The events go through moto's PutEvents, so rules and their targets
(events_lambda_target for Lambda) apply."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from moto.events.models import events_backends

PUT_EVENTS_BATCH = 10  # PutEvents takes at most 10 entries


def publish(
    account_id: str,
    region: str,
    source: str,
    detail_type: str,
    details: Iterable[Mapping[str, Any]],
    resources: Iterable[str] = (),
) -> None:
    """Put one event per detail on the account's default event bus in `region`."""
    listed = list(resources)
    entries = [
        {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail, default=str), "Resources": listed}
        for detail in details
    ]
    events = events_backends[account_id][region]
    for start in range(0, len(entries), PUT_EVENTS_BATCH):
        events.put_events(entries[start : start + PUT_EVENTS_BATCH])
