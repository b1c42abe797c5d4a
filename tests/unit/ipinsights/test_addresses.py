from __future__ import annotations

import numpy as np

from secml.ipinsights.addresses import IPV6_ERROR, MALFORMED_ERROR, format_ipv4, parse_ipv4


def test_parses_dotted_quads_to_uint32() -> None:
    parsed = parse_ipv4(["0.0.0.0", "192.168.1.2", " 10.10.1.2 ", "255.255.255.255"])
    assert parsed.values.tolist() == [0, 0xC0A80102, 0x0A0A0102, 0xFFFFFFFF]
    assert parsed.valid.all()
    assert parsed.errors == [None] * 4


def test_ipv6_and_malformed_rows_get_their_own_error() -> None:
    rows = ["1.2.3.4", "2001:db8::1", "::ffff:1.2.3.4", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4",
            "a.b.c.d", "", "1..2.3", "1.2.3.4 x", "line\nbreak", "5.6.7.8"]
    parsed = parse_ipv4(rows)
    assert parsed.valid.tolist() == [True] + [False] * 11 + [True]
    assert parsed.errors[1] == parsed.errors[2] == IPV6_ERROR
    assert all(error == MALFORMED_ERROR for error in parsed.errors[3:12])
    assert parsed.values[12] == 0x05060708


def test_format_round_trips() -> None:
    values = np.array([0, 1, 0xC0A80102, 0xFFFFFFFF], dtype=np.uint32)
    assert parse_ipv4(format_ipv4(values)).values.tolist() == values.tolist()


def test_empty_input() -> None:
    parsed = parse_ipv4([])
    assert parsed.values.size == 0 and parsed.errors == []
