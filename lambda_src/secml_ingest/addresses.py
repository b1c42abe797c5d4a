"""The one IP rule: a tuple needs a literal IP address.

CloudTrail's ``sourceIPAddress`` also holds service host names (``ec2.amazonaws.com``) when a
service acted for the caller, ``AWS Internal`` (or ``AWS Internal/<n>``) for AWS's own calls, or nothing; none of those says
where a principal was, so they are skipped and counted. Private addresses (calls through VPC
endpoints) are kept: they are where the caller was. IPv6 is parsed and reported with its version,
because SageMaker's IP Insights accepts only IPv4 and callers route IPv6 tuples elsewhere.
An IPv4-mapped IPv6 address (``::ffff:192.0.2.1``) is the IPv4 address it carries.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Any, NamedTuple

from secml_ingest.outcomes import AWS_INTERNAL, NO_SOURCE_IP, NOT_AN_IP, SERVICE_HOST_NAME, Skip

AWS_INTERNAL_VALUE = "AWS Internal"
AWS_INTERNAL_NUMBERED = "AWS Internal/"  # the documented numbered form, e.g. "AWS Internal/3"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
# Dotted-quad IPv4 exactly as `ipaddress` accepts it (no leading zeros), already canonical:
# a regex match is several times cheaper than constructing an address object.
_CANONICAL_IPV4 = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}")


class LiteralIp(NamedTuple):
    text: str
    version: int


@lru_cache(maxsize=65536)  # the same few addresses repeat across millions of records
def _parse(value: str) -> LiteralIp | Skip:
    if _CANONICAL_IPV4.fullmatch(value):
        return LiteralIp(value, 4)
    text = value.strip()
    if not text:
        return Skip(NO_SOURCE_IP)
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        if text == AWS_INTERNAL_VALUE or text.startswith(AWS_INTERNAL_NUMBERED):
            return Skip(AWS_INTERNAL)
        if "." in text and any(ch.isalpha() for ch in text) and not any(ch.isspace() for ch in text):
            return Skip(SERVICE_HOST_NAME)
        return Skip(NOT_AN_IP)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return LiteralIp(str(address), address.version)


def literal_ip(value: Any) -> LiteralIp | Skip:
    """The canonical text and version of a literal IP address, or why `value` is not one."""
    return _parse(value) if isinstance(value, str) else Skip(NO_SOURCE_IP)
