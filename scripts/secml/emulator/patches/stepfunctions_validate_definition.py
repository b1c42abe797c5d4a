"""Step Functions ValidateStateMachineDefinition.

Upstream (moto 5.2.5): the action is not implemented (HTTP 500, "NotImplementedError"), and the
Terraform AWS provider (5.x) calls it before CreateStateMachine, retrying until it times out, so
no `aws_sfn_state_machine` can be applied to the emulator.

Patch: the action parses the definition with moto's own ASL parser (moto/stepfunctions/parser,
the interpreter that runs executions) and answers AWS's shape: `{"result": "OK", "diagnostics":
[]}`, or `FAIL` with one ERROR diagnostic carrying the parser's message.
"""

from __future__ import annotations

import json
from typing import Any

from moto.stepfunctions.responses import StepFunctionResponse


def validation_result(definition: str) -> dict[str, Any]:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    try:
        AmazonStateLanguageParser.parse(definition)
    except Exception as error:  # any parser failure is a diagnostic, as AWS reports it
        diagnostic = {"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": str(error)[:1000]}
        return {"result": "FAIL", "diagnostics": [diagnostic], "truncated": False}
    return {"result": "OK", "diagnostics": [], "truncated": False}


def _validate_state_machine_definition(self: StepFunctionResponse) -> str:
    return json.dumps(validation_result(self._get_param("definition") or ""))


def apply() -> None:
    StepFunctionResponse.validate_state_machine_definition = _validate_state_machine_definition
