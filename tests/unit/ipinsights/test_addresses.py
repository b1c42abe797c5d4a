from __future__ import annotations

import ipaddress

import numpy as np
import pytest

from secml.ipinsights.addresses import (
    IPV6_ERROR,
    MALFORMED_ERROR,
    format_ipv4,
    parse_ipv4,
)
from secml_ingest.addresses import LiteralIp, literal_ip

# Inputs where a fast decoder and the IP rule could plausibly disagree.
TRICKY_INPUTS = [
    "1.2.3.4",
    "0.0.0.0",
    "255.255.255.255",
    " 10.10.1.2 ",
    "\t10.0.0.1\r",
    "\u00a010.0.0.1\u2003",
    "1.2.3.4\n",
    "\n1.2.3.4",
    "line\nbreak",
    "::ffff:1.2.3.4",
    "::FFFF:C0A8:0102",
    "::ffff:256.1.1.1",
    "2001:db8::1",
    "::1",
    "fe80::1%eth0",
    "::",
    "1.2.3.4:80",
    "::zz",
    "256.1.1.1",
    "1.2.3",
    "1.2.3.4.5",
    "01.2.3.4",
    "1.2.3.04",
    "00.0.0.0",
    "1.2.3.-4",
    "+1.2.3.4",
    "a.b.c.d",
    "",
    "   ",
    "1..2.3",
    "1.2.3.4 x",
    "1.2.3.4.",
    ".1.2.3.4",
    "1 .2.3.4",
    "1.2.3.4\x00",
    "\u0661.2.3.4",
    "1.2.3.\ud800",
    "AWS Internal",
    "ec2.amazonaws.com",
    "4294967295",
    "0x7f.0.0.1",
    "1e2.0.0.1",
]


def rule_verdict(text: str) -> tuple[bool, int, str | None]:
    """(valid, value, error) as the IP rule sees one row."""
    verdict = literal_ip(text)
    if not isinstance(verdict, LiteralIp):
        return False, 0, MALFORMED_ERROR
    if verdict.version != 4:
        return False, 0, IPV6_ERROR
    return True, int(ipaddress.IPv4Address(verdict.text)), None


def test_parses_dotted_quads_to_uint32() -> None:
    parsed = parse_ipv4(["0.0.0.0", "192.168.1.2", " 10.10.1.2 ", "255.255.255.255"])
    assert parsed.values.tolist() == [0, 0xC0A80102, 0x0A0A0102, 0xFFFFFFFF]
    assert parsed.valid.all()
    assert parsed.errors == [None] * 4


def test_ipv6_and_malformed_rows_get_their_own_error() -> None:
    rows = [
        "1.2.3.4",
        "2001:db8::1",
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        "01.2.3.4",
        "a.b.c.d",
        "",
        "1..2.3",
        "1.2.3.4 x",
        "line\nbreak",
        "5.6.7.8",
    ]
    parsed = parse_ipv4(rows)
    assert parsed.valid.tolist() == [True] + [False] * 10 + [True]
    assert parsed.errors[1] == IPV6_ERROR
    assert all(error == MALFORMED_ERROR for error in parsed.errors[2:11])
    assert parsed.values[11] == 0x05060708


def test_ipv4_mapped_ipv6_is_the_ipv4_address_it_carries() -> None:
    parsed = parse_ipv4(["::ffff:192.168.1.2", "::ffff:c0a8:102"])
    assert parsed.valid.all()
    assert parsed.values.tolist() == [0xC0A80102, 0xC0A80102]


@pytest.mark.parametrize(
    "batch", [TRICKY_INPUTS, TRICKY_INPUTS[::-1], [row for row in TRICKY_INPUTS if "\n" not in row]]
)
def test_every_row_gets_the_ingest_ip_rules_verdict(batch: list[str]) -> None:
    """secml_ingest.addresses.literal_ip is the one IP rule; the bulk decoder must agree with it on
    every row, whatever its neighbours (a newline inside a row must not shift the others)."""
    parsed = parse_ipv4(batch)
    for row, text in enumerate(batch):
        valid, value, error = rule_verdict(text)
        assert (bool(parsed.valid[row]), parsed.errors[row]) == (valid, error), repr(text)
        if valid:
            assert int(parsed.values[row]) == value, repr(text)


def test_format_round_trips() -> None:
    values = np.array([0, 1, 0xC0A80102, 0xFFFFFFFF], dtype=np.uint32)
    assert parse_ipv4(format_ipv4(values)).values.tolist() == values.tolist()


def test_empty_input() -> None:
    parsed = parse_ipv4([])
    assert parsed.values.size == 0 and parsed.errors == []
