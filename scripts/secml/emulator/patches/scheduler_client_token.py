"""EventBridge Scheduler CreateSchedule with a ClientToken it has seen.

Upstream (moto 5.2.5, "The ClientToken parameter is not yet implemented"): a second CreateSchedule
of the same name fails with ConflictException, whatever its ClientToken. AWS makes the call
idempotent on that token: a retry carrying the token that created the schedule gets the
schedule's ARN again. Terraform's provider sends a token and retries a create whose answer it
lost with the same one, so without this the retry fails an apply that AWS would let through.

Patch: the schedule keeps the token that created it; a create of the same name and group with
that token answers as the first one did; any other create of an existing name still conflicts.
"""

from __future__ import annotations

import json
from typing import Any

UPSTREAM: dict[str, Any] = {}


def _create_schedule(self: Any) -> str:
    token, name = self._get_param("ClientToken"), self.uri.split("/")[-1]
    group = self.scheduler_backend.schedule_groups.get(self._get_param("GroupName") or "default")
    existing = None if group is None else group.schedules.get(name)
    if token and existing is not None and getattr(existing, "client_token", None) == token:
        return json.dumps({"ScheduleArn": existing.arn})
    answer: str = UPSTREAM["create_schedule"](self)
    if token and group is not None:
        group.schedules[name].client_token = token
    return answer


def apply() -> None:
    from moto.scheduler.responses import EventBridgeSchedulerResponse

    if UPSTREAM:
        return
    UPSTREAM["create_schedule"] = EventBridgeSchedulerResponse.create_schedule
    EventBridgeSchedulerResponse.create_schedule = _create_schedule
