"""The one principal rule, shared by the CloudTrail and GuardDuty sides.

IP Insights learns which IPs each *entity* uses, so an entity must name the same actor in the
training tuples (CloudTrail) and in the scoring tuples (GuardDuty). The workshop split CloudTrail's
principalId at ':' but not GuardDuty's, so assumed roles never matched. The rule, by identity type:

- ``IAMUser``: the principalId (``AIDA...``), stable for the life of the user.
- ``AssumedRole``: the role id, the ``AROA...`` part of ``AROA...:<session>`` before ':', so every
  session of a role is one entity (session names are often random or per-instance).
- ``Root``: ``root:<account id>``. Root's principalId is the bare account id, which reads like a
  number rather than an actor; the prefix keeps it distinct from any IAM id.
- ``FederatedUser``, ``AWSAccount`` (a principal of another account), ``SAMLUser``,
  ``WebIdentityUser``: their principalId, except that a role-session form
  (``AROA...:<session>``) is cut to the role id as for ``AssumedRole``.
- ``IdentityCenterUser``: no principalId; the user is ``onBehalfOf.userId``, unique within its
  identity store, so the entity is ``<identity store id>/<user id>`` (the user id alone when the
  record names no store), or the principalId should a record carry one.
- ``AWSService`` identities, a missing userIdentity, or one that only says which service acted
  (``invokedBy`` without a type): no principal; the record is skipped and counted.

GuardDuty's ``resource.accessKeyDetails`` gives ``userType`` and ``principalId`` (``AROA...:session``
for assumed roles); `principal_of_access_key` maps them onto the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secml_ingest.outcomes import (
    AWS_SERVICE_IDENTITY,
    INVOKED_BY_ONLY,
    NO_PRINCIPAL_ID,
    NO_USER_IDENTITY,
    UNSUPPORTED_IDENTITY_TYPE,
    Skip,
)

ROLE_ID_PREFIX = "AROA"
ROOT_ENTITY_PREFIX = "root:"
IDENTITY_CENTER_USER = "IdentityCenterUser"
_BY_PRINCIPAL_ID = frozenset({"IAMUser", "FederatedUser", "AWSAccount", "SAMLUser", "WebIdentityUser"})


def _role_id(principal_id: str) -> str:
    """`AROA...:session` -> `AROA...`; anything else unchanged (a federated user's
    `<account>:<name>` names the user, not a session)."""
    role, separator, _ = principal_id.partition(":")
    return role if separator and role.startswith(ROLE_ID_PREFIX) else principal_id


def _identity_center_user(on_behalf_of: Any) -> str | Skip:
    """`<identity store id>/<user id>` of an IAM Identity Center user (`onBehalfOf`)."""
    if not isinstance(on_behalf_of, Mapping):
        return Skip(NO_PRINCIPAL_ID)
    user_id = on_behalf_of.get("userId")
    if not isinstance(user_id, str) or not user_id:
        return Skip(NO_PRINCIPAL_ID)
    store_arn = on_behalf_of.get("identityStoreArn")
    store_id = store_arn.rpartition("/")[2] if isinstance(store_arn, str) else ""
    return f"{store_id}/{user_id}" if store_id else user_id


def principal_of(identity: Any) -> str | Skip:
    """The entity for a CloudTrail ``userIdentity`` object, or why there is none."""
    if not isinstance(identity, Mapping) or not identity:
        return Skip(NO_USER_IDENTITY)
    identity_type = identity.get("type")
    principal_id = identity.get("principalId")
    if identity_type == "AssumedRole":
        if isinstance(principal_id, str) and principal_id:
            return _role_id(principal_id)
        issuer = (identity.get("sessionContext") or {}).get("sessionIssuer") or {}
        issuer_id = issuer.get("principalId") if isinstance(issuer, Mapping) else None
        return issuer_id if isinstance(issuer_id, str) and issuer_id else Skip(NO_PRINCIPAL_ID)
    if identity_type == IDENTITY_CENTER_USER and not principal_id:
        return _identity_center_user(identity.get("onBehalfOf"))
    if identity_type in _BY_PRINCIPAL_ID or identity_type == IDENTITY_CENTER_USER:
        if isinstance(principal_id, str) and principal_id:
            return _role_id(principal_id)
        return Skip(NO_PRINCIPAL_ID)
    if identity_type == "Root":
        account = identity.get("accountId") or principal_id
        if isinstance(account, str) and account:
            return ROOT_ENTITY_PREFIX + account
        return Skip(NO_PRINCIPAL_ID)
    if identity_type == "AWSService":
        return Skip(AWS_SERVICE_IDENTITY)
    if identity_type is None:
        return Skip(INVOKED_BY_ONLY if identity.get("invokedBy") else NO_USER_IDENTITY)
    return Skip(UNSUPPORTED_IDENTITY_TYPE)


def principal_of_access_key(details: Any, account_id: str | None) -> str | Skip:
    """The entity for a GuardDuty ``resource.accessKeyDetails``, by the same rule as CloudTrail.

    GuardDuty names the type ``userType``; for root its principalId is the account id, and the
    finding's own ``accountId`` is used when it is missing.
    """
    if not isinstance(details, Mapping):
        return Skip(NO_USER_IDENTITY)
    identity: dict[str, Any] = {
        "type": details.get("userType"),
        "principalId": details.get("principalId"),
    }
    if identity["type"] == "Root":
        identity["accountId"] = account_id or details.get("principalId")
    return principal_of(identity)
