"""IPv4 addresses as uint32, parsed in bulk, with a per-row reason for every address that is not one.

IP Insights (on SageMaker and here) takes IPv4 only. A batch may still carry IPv6 or garbage (CloudTrail
has both), so parsing never raises: each bad row gets an error message and the rest are scored.
Parsing is one numba pass over the joined bytes, because millions of `ipaddress` objects would cost
more than the training itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

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
    """Parse newline-separated dotted quads; surrounding spaces are allowed, as in SageMaker's CSV."""
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
            if character == 58:  # ':' only appears in IPv6 text
                outcome = _IPV6
                break
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
    """Parse dotted-decimal IPv4 strings; IPv6 and malformed rows come back invalid with a reason."""
    count = len(addresses)
    text = "\n".join(addresses)
    if text.count("\n") != count - 1 and count > 0:
        # An address containing a newline would shift every later row: parse those rows one by one.
        return _parse_each(addresses)
    buffer = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    values = np.zeros(count, dtype=np.uint32)
    status = np.zeros(count, dtype=np.uint8)
    if count:
        _parse_joined(buffer, values, status)
    return ParsedAddresses(values, status == _VALID, _errors(status))


def _parse_each(addresses: Sequence[str]) -> ParsedAddresses:
    values = np.zeros(len(addresses), dtype=np.uint32)
    status = np.zeros(len(addresses), dtype=np.uint8)
    for row, address in enumerate(addresses):
        if "\n" in address:
            status[row] = _IPV6 if ":" in address else _MALFORMED
            continue
        single = parse_ipv4([address])
        values[row] = single.values[0]
        status[row] = _VALID if single.valid[0] else (_IPV6 if single.errors[0] == IPV6_ERROR else _MALFORMED)
    return ParsedAddresses(values, status == _VALID, _errors(status))


def _errors(status: np.ndarray) -> list[str | None]:
    messages: list[str | None] = [None] * status.size
    for row in np.flatnonzero(status != _VALID).tolist():
        messages[row] = IPV6_ERROR if status[row] == _IPV6 else MALFORMED_ERROR
    return messages


def format_ipv4(values: np.ndarray) -> list[str]:
    """Dotted-decimal text for uint32 addresses (random negatives, generated test data)."""
    octets = np.asarray(values, dtype=np.uint32).astype(">u4").view(np.uint8).reshape(-1, 4)
    return [f"{a}.{b}.{c}.{d}" for a, b, c, d in octets.tolist()]
