"""What parsing one record or finding yields: a `<principal, ip>` tuple, or a counted skip.

Parsing never raises for data it does not like; it says why it skipped, so every handler and the
backfill CLI can report the same counts by the same reason names.
"""

from __future__ import annotations

from typing import NamedTuple


class PrincipalIp(NamedTuple):
    """One training or scoring tuple; `ip` is the canonical text of a literal address."""

    principal: str
    ip: str
    ip_version: int


class Skip(NamedTuple):
    """A record, finding or object left out, and why (a short, stable reason name)."""

    reason: str


# Record-level reasons (principal rule).
NO_USER_IDENTITY = "no_user_identity"
AWS_SERVICE_IDENTITY = "aws_service_identity"
INVOKED_BY_ONLY = "invoked_by_only"
UNSUPPORTED_IDENTITY_TYPE = "unsupported_identity_type"
NO_PRINCIPAL_ID = "no_principal_id"
# Record-level reasons (IP rule).
NO_SOURCE_IP = "no_source_ip"
AWS_INTERNAL = "aws_internal"
SERVICE_HOST_NAME = "service_host_name"
NOT_AN_IP = "not_an_ip"
# Record-level reason for a record that is not a JSON object.
MALFORMED_RECORD = "malformed_record"
# Finding-level reasons.
NO_ACCESS_KEY_DETAILS = "no_access_key_details"
NO_ACTION = "no_action"
NO_REMOTE_IP = "no_remote_ip"
MALFORMED_FINDING = "malformed_finding"
IPV6_NOT_SCORED = "ipv6_not_scored"
# A finding whose remote IPs were all left out for different reasons (e.g. one IPv6, one absent).
NO_SCORABLE_IP = "no_scorable_ip"


def unsupported_action(action_type: str) -> Skip:
    """Findings whose action carries no remote IP of a caller are counted per action type."""
    return Skip(f"action_type:{action_type or 'missing'}")
