"""Conditions in S3 bucket policies.

Upstream (moto 5.2.5): a bucket policy statement is evaluated without a request context, and
`TrustCondition.verify_condition` treats every operator but `StringEquals` (here `Bool`) as
satisfied. The standard "deny requests without TLS" statement (`Bool aws:SecureTransport
false`) therefore matches every request, and moto refuses all object reads and writes with 403.
In AWS a condition on a key the request does not carry does not match (unless `...IfExists`),
and a request over HTTPS carries `aws:SecureTransport = true`.

Patch: statements of a policy evaluated without a request context (moto's bucket-policy path)
are evaluated against the emulator's request context, in which `aws:SecureTransport` is true
(it stands in for AWS's HTTPS endpoints) and no other key is present. A statement whose
condition does not hold does not apply (NEUTRAL). Statements without a condition, and
evaluations that do carry a context, are moto's own.
"""

from __future__ import annotations

from typing import Any

from moto.iam.access_control import IAMPolicyStatement, PermissionResult

UPSTREAM_IS_ACTION_PERMITTED = IAMPolicyStatement.is_action_permitted

# The request context of every emulator request (keys are case-insensitive in IAM).
EMULATOR_REQUEST_CONTEXT = {"aws:securetransport": "true"}
# Operators that compare strings or booleans for equality, which is all this context needs.
EQUALITY_OPERATORS = {"Bool", "StringEquals", "StringEqualsIgnoreCase"}


def condition_holds(condition: dict[str, dict[str, Any]]) -> bool:
    """IAM's evaluation of a Condition block against EMULATOR_REQUEST_CONTEXT."""
    for operator, pairs in condition.items():
        if_exists = operator.endswith("IfExists")
        base_operator = operator.removesuffix("IfExists")
        for key, expected in pairs.items():
            actual = EMULATOR_REQUEST_CONTEXT.get(key.lower())
            if actual is None:
                if if_exists:
                    continue
                return False
            candidates = expected if isinstance(expected, list) else [expected]
            if base_operator not in EQUALITY_OPERATORS:
                return False
            if actual not in {str(value).lower() for value in candidates}:
                return False
    return True


def _is_action_permitted(
    self: IAMPolicyStatement,
    action: str,
    resource: str = "*",
    principal: str | None = None,
    incoming_condition_values: dict[str, str] | None = None,
) -> Any:
    condition = self._statement.get("Condition")
    if condition and incoming_condition_values is None and not condition_holds(condition):
        return PermissionResult.NEUTRAL
    return UPSTREAM_IS_ACTION_PERMITTED(self, action, resource, principal, incoming_condition_values)


def apply() -> None:
    IAMPolicyStatement.is_action_permitted = _is_action_permitted
