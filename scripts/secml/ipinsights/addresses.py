"""IPv4 addresses as uint32, decoded in bulk, with a per-row reason for every address that is not one.

IP Insights (on SageMaker and here) takes IPv4 only. A batch may still carry IPv6 or garbage (CloudTrail
has both), so parsing never raises: each bad row gets an error message and the rest are scored.

Which text is an IPv4 address is decided by the one IP rule, `secml_ingest.addresses.literal_ip`
(the ingest Lambdas use it too). This module only makes that rule fast: one numba pass over the
joined bytes decodes canonical dotted quads (millions of `ipaddress` objects would cost more than the
training itself), and every row that pass rejects is judged by `literal_ip` itself, so an IPv4-mapped
IPv6 address or unusual surrounding whitespace gets the rule's verdict, not a second opinion.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from secml_ingest.addresses import LiteralIp, literal_ip

IPV6_ERROR = "IPv6 address: IP Insights scores IPv4 addresses only"
MALFORMED_ERROR = "malformed IPv4 address: expected dotted decimal a.b.c.d"

_VALID = 0
_MALFORMED = 1
_IPV6 = 2


@dataclass(frozen=True)
class ParsedAddresses:
    """values[i] is meaningful only where valid[i]; errors[i] is None for valid rows."""

    values: np.ndarray  # uint32
    valid: np.ndarray  # bool
    errors: list[str | None]


@njit(cache=True)
def _parse_joined(buffer: np.ndarray, values: np.ndarray, status: np.ndarray) -> None:
    """Decode newline-separated canonical dotted quads (no leading zeros), spaces and tabs around them
    allowed. It may reject text the IP rule accepts (parse_ipv4 asks the rule about those rows), but
    never accepts text the rule rejects."""
    row = 0
    position = 0
    end = buffer.size
    while row < values.size:
        line_end = position
        while line_end < end and buffer[line_end] != 10:
            line_end += 1
        start = position
        stop = line_end
        while start < stop and (buffer[start] == 32 or buffer[start] == 9):
            start += 1
        while stop > start and (buffer[stop - 1] == 32 or buffer[stop - 1] == 9 or buffer[stop - 1] == 13):
            stop -= 1
        address = np.uint32(0)
        octets = 0
        digits = 0
        octet = 0
        outcome = _VALID
        for index in range(start, stop):
            character = buffer[index]
            if 48 <= character <= 57:
                if digits == 3 or (digits >= 1 and octet == 0):  # over 3 digits, or a leading zero
                    outcome = _MALFORMED
                octet = octet * 10 + (character - 48)
                digits += 1
            elif character == 46 and digits > 0 and octets < 3:  # '.'
                if octet > 255:
                    outcome = _MALFORMED
                address = (address << np.uint32(8)) | np.uint32(octet & 255)
                octets += 1
                digits = 0
                octet = 0
            else:
                outcome = _MALFORMED
        if outcome == _VALID:
            if octets != 3 or digits == 0 or octet > 255:
                outcome = _MALFORMED
            else:
                address = (address << np.uint32(8)) | np.uint32(octet)
        values[row] = address if outcome == _VALID else np.uint32(0)
        status[row] = outcome
        row += 1
        position = line_end + 1


def parse_ipv4(addresses: Sequence[str]) -> ParsedAddresses:
    """Parse IP address strings by the IP rule; IPv6 and malformed rows come back invalid with a reason."""
    count = len(addresses)
    text = "\n".join(addresses)
    if text.count("\n") != count - 1 and count > 0:
        # An address containing a newline would shift every later row: those rows go to the rule alone.
        text = "\n".join("" if "\n" in address else address for address in addresses)
    buffer = np.frombuffer(text.encode("utf-8", errors="replace"), dtype=np.uint8)  # the rule judges odd rows
    values = np.zeros(count, dtype=np.uint32)
    status = np.zeros(count, dtype=np.uint8)
    if count:
        _parse_joined(buffer, values, status)
    for row in np.flatnonzero(status != _VALID).tolist():
        values[row], status[row] = _by_the_rule(addresses[row])
    return ParsedAddresses(values, status == _VALID, _errors(status))


def _by_the_rule(address: str) -> tuple[int, int]:
    """(value, status) of a row the fast pass rejected, as `literal_ip` judges it."""
    verdict = literal_ip(address)
    if not isinstance(verdict, LiteralIp):
        return 0, _MALFORMED
    if verdict.version != 4:
        return 0, _IPV6
    return int(ipaddress.IPv4Address(verdict.text)), _VALID


def _errors(status: np.ndarray) -> list[str | None]:
    messages: list[str | None] = [None] * status.size
    for row in np.flatnonzero(status != _VALID).tolist():
        messages[row] = IPV6_ERROR if status[row] == _IPV6 else MALFORMED_ERROR
    return messages


_OCTETS = [str(i) for i in range(256)]


def format_ipv4(ips: np.ndarray) -> list[str]:
    """Dotted-quad strings for unsigned 32-bit addresses, in order: the project's one formatter
    (the engine, the generators and their tests). Big-endian bytes are the octets; a lookup per octet is fast in bulk."""
    octets = np.asarray(ips, dtype=np.uint32).reshape(-1).astype(">u4").view(np.uint8).reshape(-1, 4)
    names = _OCTETS
    return [f"{names[a]}.{names[b]}.{names[c]}.{names[d]}" for a, b, c, d in octets.tolist()]
