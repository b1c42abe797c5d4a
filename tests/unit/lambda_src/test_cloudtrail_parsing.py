from __future__ import annotations

import gzip
import json
import random

import pytest
from ingest_fixtures import delivered_log, records

from secml_ingest.cloudtrail import (
    MAX_SCANNED_DEPTH,
    records_from_log_bytes,
    tuples_from_log_bytes,
)
from secml_ingest.errors import BadObjectError
from secml_ingest.objects import read_cloudtrail_object
from secml_ingest.outcomes import PrincipalIp, Skip

EXPECTED = [
    PrincipalIp("AIDAEXAMPLEUSER00001", "203.0.113.10", 4),
    PrincipalIp("AROAEXAMPLEROLE00001", "198.51.100.7", 4),
    PrincipalIp("AROAEXAMPLEROLE00001", "198.51.100.8", 4),
    PrincipalIp("root:111122223333", "192.0.2.44", 4),
    PrincipalIp("111122223333:bob", "203.0.113.99", 4),
    PrincipalIp("AIDAEXAMPLEOTHER0001", "203.0.113.150", 4),
    PrincipalIp("AIDAEXAMPLEUSER00001", "10.0.12.34", 4),
    PrincipalIp("AIDAEXAMPLEUSER00001", "2001:db8::1", 6),
    Skip("aws_internal"),
    Skip("service_host_name"),
    Skip("no_source_ip"),
    Skip("aws_service_identity"),
    Skip("invoked_by_only"),
    Skip("no_user_identity"),
]
IPS = (
    "203.0.113.10",
    "198.51.100.7",
    "2001:db8::1",
    "::ffff:192.0.2.1",
    "AWS Internal",
    "s3.amazonaws.com",
    "",
    " 192.0.2.9",
)


def test_every_rule_on_a_delivered_log() -> None:
    assert list(tuples_from_log_bytes(delivered_log(records()))) == EXPECTED


@pytest.mark.parametrize(
    "encode",
    [
        lambda doc: json.dumps(doc, indent=2).encode(),  # pretty-printed, plain
        lambda doc: gzip.compress(json.dumps(doc).encode(), mtime=0),  # spaces after separators
        lambda doc: gzip.compress(json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()),
    ],
)
def test_other_layouts_give_the_same_tuples(encode) -> None:
    assert list(tuples_from_log_bytes(encode({"Records": records()}))) == EXPECTED


def test_a_record_nested_in_request_parameters_is_not_a_record() -> None:
    forged = dict(records()[0], sourceIPAddress="192.0.2.250")
    carrier = dict(records()[0], requestParameters={"policy": [{"Sid": "x"}, forged]}, eventName="PutBucketPolicy")
    outcomes = list(tuples_from_log_bytes(delivered_log([carrier, records()[1]])))
    assert outcomes == [EXPECTED[0], EXPECTED[1]]


def test_brackets_and_escapes_inside_strings() -> None:
    odd = dict(records()[0], userAgent='agent "quoted" }]{[', requestParameters={"doc": '{"a": ["}"]}'})
    assert list(tuples_from_log_bytes(delivered_log([odd, odd]))) == [EXPECTED[0], EXPECTED[0]]


def test_short_view_fields_and_full_record() -> None:
    first = next(records_from_log_bytes(delivered_log(records())))
    assert (first.event_time, first.event_name, first.region) == (
        "2024-03-01T10:00:00Z",
        "DescribeInstances",
        "us-west-2",
    )
    assert first.as_dict() == records()[0]


def test_a_record_that_is_not_an_object_is_counted() -> None:
    data = json.dumps({"Records": [records()[0], 42]}).encode()
    assert list(tuples_from_log_bytes(data)) == [EXPECTED[0], Skip("malformed_record")]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (delivered_log(records())[:-20], "corrupt gzip"),
        (gzip.compress(b'{"Records":[{"eventVersion":"1.08","userIdentity":{', mtime=0), "invalid JSON"),
        (gzip.compress(b'{"Records":[{"eventVersion":"1.08"},{"eventVersion":"1.08",oops}]}', mtime=0), "invalid JSON"),
        (gzip.compress(b'{"events": []}', mtime=0), "unexpected shape"),
        (b"\xff\xfe not text", "not UTF-8"),
    ],
)
def test_unreadable_objects(data: bytes, reason: str) -> None:
    with pytest.raises(BadObjectError, match=reason):
        list(tuples_from_log_bytes(data))
    result = read_cloudtrail_object("k.json.gz", data)
    assert result.tuples_csv == "" and result.summary.bad_objects[0].key == "k.json.gz"


def test_an_empty_log_has_no_records() -> None:
    assert list(tuples_from_log_bytes(gzip.compress(b'{"Records":[]}', mtime=0))) == []


def test_object_csv_keeps_ipv6_apart_and_counts_every_record() -> None:
    result = read_cloudtrail_object("k", delivered_log(records()))
    assert result.tuples_csv.splitlines()[:2] == [
        "AIDAEXAMPLEUSER00001,203.0.113.10",
        "AROAEXAMPLEROLE00001,198.51.100.7",
    ]
    assert result.ipv6_csv == "AIDAEXAMPLEUSER00001,2001:db8::1\n"
    assert result.summary.items_seen == len(EXPECTED)
    assert result.summary.tuples_written == 7 and result.summary.ipv6_tuples_written == 1
    assert sum(result.summary.items_skipped.values()) == 6


def _decoded_path(log_records: list[dict]) -> list:
    """The tuples `json` gives for records: pretty-printed logs never take the scanner."""
    return list(tuples_from_log_bytes(json.dumps({"Records": log_records}, indent=1).encode()))


def test_repeated_identities_give_the_json_tuples() -> None:
    rng = random.Random(5)
    pool = records()
    mixed = [dict(rng.choice(pool), sourceIPAddress=rng.choice(IPS)) for _ in range(300)]
    scanned = list(tuples_from_log_bytes(delivered_log(mixed)))
    assert scanned == _decoded_path(mixed)
    assert list(tuples_from_log_bytes(delivered_log(mixed))) == scanned  # remembered identities


def test_head_fields_nested_in_user_identity_are_not_the_records() -> None:
    decoy = {
        "a": 1,
        "eventTime": "t",
        "eventSource": "s",
        "eventName": "n",
        "awsRegion": "r",
        "sourceIPAddress": "192.0.2.250",
    }
    nested = dict(records()[0], userIdentity=dict(records()[0]["userIdentity"], decoy=decoy))
    assert list(tuples_from_log_bytes(delivered_log([nested, nested]))) == [EXPECTED[0], EXPECTED[0]]


def test_a_user_identity_that_is_not_an_object() -> None:
    odd = [dict(records()[0], userIdentity=value) for value in ("AIDAEXAMPLEUSER00001", ["x"], None, 7)]
    assert list(tuples_from_log_bytes(delivered_log(odd))) == [Skip("no_user_identity")] * 4


def test_a_record_deeper_than_the_scanner_reads_is_decoded() -> None:
    deep: object = "bottom"
    for _ in range(MAX_SCANNED_DEPTH + 5):
        deep = {"inner": [deep]}
    log_records = [dict(records()[0], requestParameters=deep), records()[1]]
    assert list(tuples_from_log_bytes(delivered_log(log_records))) == [EXPECTED[0], EXPECTED[1]]


def test_separator_text_inside_strings_does_not_split_records() -> None:
    carrier = dict(records()[0], userAgent='},{"eventVersion":"1.08","userIdentity":{}}', errorMessage="}]}")
    assert list(tuples_from_log_bytes(delivered_log([carrier, records()[1]]))) == [EXPECTED[0], EXPECTED[1]]


def test_observed_and_unobserved_reads_agree() -> None:
    seen: list = []
    data = delivered_log(records())
    observed = read_cloudtrail_object("k", data, lambda record, outcome: seen.append(outcome))
    plain = read_cloudtrail_object("k", data)
    assert (observed.tuples_csv, observed.ipv6_csv, observed.summary) == (
        plain.tuples_csv,
        plain.ipv6_csv,
        plain.summary,
    )
    assert seen == EXPECTED


def test_text_between_user_identity_and_event_time_is_invalid_json() -> None:
    text = json.dumps({"Records": records()[:2]}, separators=(",", ":"))
    identity = json.dumps(records()[0]["userIdentity"], separators=(",", ":"))
    broken = text.replace(identity + ',"eventTime"', identity + ' x,"eventTime"', 1)
    assert broken != text
    with pytest.raises(BadObjectError, match="invalid JSON"):
        list(tuples_from_log_bytes(gzip.compress(broken.encode(), mtime=0)))
