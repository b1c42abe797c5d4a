"""Step Functions StartExecution without a name.

Upstream (moto 5.2.5, with its interpreter switched on): an execution started without `name` is
named `None`, so the second such execution of a state machine fails with ExecutionAlreadyExists.
AWS names it with a fresh UUID.

Patch: the interpreter backend's start_execution gives a missing name a UUID first.
"""

from __future__ import annotations

import uuid
from typing import Any

UPSTREAM: dict[str, Any] = {}


def _start_execution(self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
    return UPSTREAM["start_execution"](self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)


def apply() -> None:
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    if UPSTREAM:
        return
    UPSTREAM["start_execution"] = StepFunctionsParserBackend.start_execution
    StepFunctionsParserBackend.start_execution = _start_execution
