"""Step Functions ListStateMachineVersions.

Upstream (moto 5.2.5): the action is not implemented (HTTP 500, NotImplementedError), although
moto keeps each state machine's published versions. The Terraform AWS provider (5.x) calls it
after CreateStateMachine and retries until it times out, so no `aws_sfn_state_machine` applies.

Patch: the action lists the state machine's versions from moto's own record, newest first, as
AWS answers (`stateMachineVersions`: `stateMachineVersionArn`, `creationDate`).
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult
from moto.stepfunctions.responses import StepFunctionResponse


def _list_state_machine_versions(self: StepFunctionResponse) -> Any:
    machine = self.stepfunction_backend.describe_state_machine(self._get_param("stateMachineArn"))
    versions = sorted(getattr(machine, "versions", {}).values(), key=lambda version: -version.version)
    listed = [{"stateMachineVersionArn": v.arn, "creationDate": v.creation_date} for v in versions]
    return ActionResult({"stateMachineVersions": listed})


def apply() -> None:
    StepFunctionResponse.list_state_machine_versions = _list_state_machine_versions
