"""Strictness: Lambda code runs with its function role's credentials, and moto checks them.

Upstream (moto 5.2.5): IAM policies are evaluated only once `INITIAL_NO_AUTH_ACTION_COUNT` is
finite, and then for every request of every caller, the deployer included; the emulator leaves
it infinite, so nothing is ever refused. A function whose role lacks a permission its code needs
runs clean on the emulator and fails with AccessDenied on AWS.

Patch: the Lambda runtime (lambda_subprocess_invoke) asks `function_role_credentials` for the
function's credentials, which assumes the function's role in the emulator's own STS backend
(as Lambda does on AWS) and hands the code those temporary credentials. Requests signed with
credentials issued here are authorised as moto does with auth on: the signature, then the role's
inline and attached policies (Action and Resource; an explicit Deny wins). Every other request
(Terraform, the driver, tests) is served as before, unchecked.

How far it goes (moto's policy evaluation, access_control.py): identity policies of the role only.
Resources are compared only where moto names the request's resource (S3 buckets and objects,
SQS queues, IAM, STS); every other service's request reaches the check as resource `*`, which no
ARN-scoped statement matches, so there the check is by action alone: an Allow grants the action
whatever its Resource, and only a Deny on `*` refuses it (a Deny scoped to some ARNs cannot be
told to apply). A missing action is still refused; a grant on the wrong ARN of those services is not.
Conditions are moto's: only `StringEquals` is compared, and only for the keys this patch puts in
the request context (`s3:prefix` of a listing); every other operator and key holds (`StringLike`
on `s3:prefix`, `kms:ViaService`, `aws:SourceAccount`, ...); resource policies are not
evaluated for these requests (KMS key policies, SQS/Lambda policies, and an S3 bucket policy's
Allow, so cross-account grants go unchecked; moto applies a bucket policy's explicit Deny to object
requests of every caller, with or without this patch); KMS
is never called with the caller's credentials (S3 encrypts on its own), so `kms:*` grants stay
unchecked; the role's trust policy and permission boundaries are not evaluated.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any
from urllib.parse import urlparse

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.utils import utcnow
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.sts.models import AssumedRole, sts_backends
from moto.utilities.utils import get_partition

UPSTREAM_AUTHORIZE = ActionAuthenticatorMixin._authenticate_and_authorize_action

# Lambda's credentials outlast any function timeout (15 min at most); a session is renewed
# once less than that is left.
SESSION_SECONDS = 3600
RENEW_BEFORE = datetime.timedelta(minutes=15)
# moto passes `*` as the resource of a request to a service whose resources it does not resolve.
UNRESOLVED_RESOURCE = "*"

# Access key ids of the sessions issued to functions: the requests signed with them are checked.
_checked_access_key_ids: set[str] = set()
_sessions: dict[tuple[str, str], AssumedRole] = {}
_sessions_lock = threading.Lock()


def _live(session: AssumedRole | None, account_id: str, partition: str) -> bool:
    """The session is still known to STS (an emulator reset forgets it) and not about to expire."""
    return (
        session is not None
        and session in sts_backends[account_id][partition].assumed_roles
        and session.expiration - utcnow() > RENEW_BEFORE
    )


def function_role_credentials(account_id: str, region: str, role_arn: str, function_name: str) -> dict[str, str]:
    """Temporary credentials of `role_arn` for one function, as environment variables."""
    partition = get_partition(region)
    with _sessions_lock:
        session = _sessions.get((role_arn, function_name))
        if not _live(session, account_id, partition):
            session = sts_backends[account_id][partition].assume_role(
                region_name=region,
                role_session_name=function_name,
                role_arn=role_arn,
                policy="",
                duration=SESSION_SECONDS,
                external_id="",
            )
            _sessions[(role_arn, function_name)] = session
            _checked_access_key_ids.add(session.access_key_id)
    assert session is not None
    return {
        "AWS_ACCESS_KEY_ID": session.access_key_id,
        "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
        "AWS_SESSION_TOKEN": session.session_token,
    }


def _authenticate_and_authorize_action(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    if self.get_access_key() not in _checked_access_key_ids:
        UPSTREAM_AUTHORIZE(self, iam_request_cls, resource)
        return
    # moto's own check with auth on (ActionAuthenticatorMixin._authenticate_and_authorize_action).
    query = urlparse(self.uri).query
    path = self.raw_path + (f"?{query}" if query else "")
    iam_request = iam_request_cls(
        account_id=self.current_account,
        method=self.method,
        path=path,
        data=self.data,
        body=self.raw_body,
        headers=self.headers,
        action=self._get_action(),
    )
    iam_request.check_signature()
    _check_role_policies(iam_request, resource, _request_context(self))


def _request_context(response: Any) -> dict[str, str]:
    """The condition keys this emulator knows of the request: `s3:prefix` of a listing. Passing a
    context, even empty, keeps these identity policies away from s3_policy_conditions, which
    evaluates context-free (bucket-policy) statements as if no key but TLS were present."""
    prefix = (getattr(response, "querystring", None) or {}).get("prefix")
    return {"s3:prefix": prefix[0]} if prefix else {}


def _check_role_policies(iam_request: Any, resource: str, context: dict[str, str]) -> None:
    """moto's IAMRequestBase.check_action_permitted, with the request's condition context."""
    if iam_request._action == "sts:GetCallerIdentity":  # allowed to everyone, as on AWS
        return
    permitted = False
    for policy in iam_request._access_key.collect_policies():
        iam_policy = IAMPolicy(policy)
        if resource == UNRESOLVED_RESOURCE:
            iam_policy._policy_json["Statement"] = _action_only(iam_policy._policy_json["Statement"])
        result = iam_policy.is_action_permitted(iam_request._action, resource, None, context)
        if result == PermissionResult.DENIED:
            iam_request._raise_access_denied()
        permitted = permitted or result == PermissionResult.PERMITTED
    if not permitted:
        iam_request._raise_access_denied()


def _action_only(statements: Any) -> list[dict[str, Any]]:
    """The statements as they bear on a request whose resource moto leaves unresolved: an Allow
    holds for any resource; a Deny counts only when it denies every resource."""
    kept = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") == "Allow":
            kept.append({**{k: v for k, v in statement.items() if k != "NotResource"}, "Resource": "*"})
        elif statement.get("Resource") in ("*", ["*"]):
            kept.append(statement)
    return kept


def apply() -> None:
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authenticate_and_authorize_action
