from __future__ import annotations

import json

import pytest
from ingest_fixtures import event_bridge, export_jsonl_gz, findings, pascal_keys

from secml_ingest.errors import BadObjectError
from secml_ingest.guardduty import (
    findings_from_bytes,
    remote_address,
    remote_ip_details,
    tuples_from_finding,
)
from secml_ingest.objects import read_guardduty_object
from secml_ingest.outcomes import PrincipalIp, Skip

EXPECTED_TUPLES = {
    "f-api": [PrincipalIp("AROAEXAMPLEROLE00001", "198.51.100.200", 4)],
    "f-net": [PrincipalIp("AIDAEXAMPLEUSER00001", "203.0.113.77", 4)],
    "f-probe": [PrincipalIp("root:111122223333", ip, 4) for ip in ("192.0.2.10", "192.0.2.11", "192.0.2.12")],
    "f-dns": Skip("action_type:DNS_REQUEST"),
    "f-ec2": Skip("no_access_key_details"),
    "f-v6": [PrincipalIp("AIDAEXAMPLEUSER00001", "2001:db8::5", 6)],
}


def test_each_action_type() -> None:
    assert {f["id"]: tuples_from_finding(f) for f in findings()} == EXPECTED_TUPLES


SHAPES = {
    "findings.json": json.dumps(findings()).encode(),
    "get-findings.json": json.dumps({"Findings": pascal_keys(findings())}).encode(),
    "api-list.json": json.dumps(pascal_keys(findings())).encode(),
    "export.jsonl.gz": export_jsonl_gz(findings()),
    "events.json": json.dumps([event_bridge(f) for f in findings()]).encode(),
    "events.jsonl": "\n".join(json.dumps(event_bridge(f)) for f in findings()).encode(),
}


@pytest.mark.parametrize("key", sorted(SHAPES))
def test_three_shapes_give_the_same_findings(key: str) -> None:
    parsed = list(findings_from_bytes(key, SHAPES[key]))
    assert {f["id"]: tuples_from_finding(f) for f in parsed} == EXPECTED_TUPLES


def test_a_single_event_object() -> None:
    [finding] = findings_from_bytes("one.json", json.dumps(event_bridge(findings()[0])).encode())
    assert finding["id"] == "f-api"


def test_object_tuples_index_rows_align_and_ipv6_is_counted() -> None:
    result = read_guardduty_object("findings.json", SHAPES["findings.json"])
    tuples = result.tuples_csv.splitlines()
    index = result.index_csv.splitlines()
    assert len(tuples) == len(index) == 5
    assert index[0] == (
        "f-api,UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS,5.0,"
        "2024-03-01T10:06:00.000Z,111122223333,us-west-2,AROAEXAMPLEROLE00001,198.51.100.200"
    )
    assert all(row.endswith(line) for row, line in zip(index, tuples, strict=True))
    assert result.summary.items_seen == 6
    # f-v6 names only an IPv6 caller: no scoring tuple, so it is a skipped finding, not a skipped IP.
    assert dict(result.summary.items_skipped) == {
        "action_type:DNS_REQUEST": 1, "no_access_key_details": 1, "ipv6_not_scored": 1}  # fmt: skip
    assert dict(result.summary.ips_skipped) == {}


def test_skipped_findings_never_outnumber_seen_findings() -> None:
    """A port probe's remote IPs are skipped one by one while the finding gives a tuple; a finding
    that gives none is a skipped finding, so every finding seen is either scored or skipped."""
    probe = next(f for f in findings() if f["id"] == "f-probe")
    details = probe["service"]["action"]["portProbeAction"]["portProbeDetails"]
    details[0]["remoteIpDetails"] = {"ipAddressV6": "2001:db8::9"}
    details[1]["remoteIpDetails"] = {}
    result = read_guardduty_object("probe.json", json.dumps([probe, findings()[4]]).encode())
    summary = result.summary.as_dict()
    assert summary["findings_seen"] == 2
    assert summary["findings_skipped"] == {"no_access_key_details": 1}
    assert summary["ips_skipped"] == {"ipv6_not_scored": 1, "no_remote_ip": 1}
    assert "remote IPs skipped (ipv6_not_scored): 1" in result.summary.lines()
    assert len(result.tuples_csv.splitlines()) == 1


@pytest.mark.parametrize(
    ("remote_ips", "reason"),
    [
        ([{"ipAddressV6": "2001:db8::9"}] * 3, "ipv6_not_scored"),
        ([{}, None, {"ipAddressV4": ""}], "no_remote_ip"),
        ([{"ipAddressV6": "2001:db8::9"}, {}, {}], "no_scorable_ip"),
    ],
)
def test_a_finding_without_a_scorable_ip_is_a_skipped_finding(remote_ips: list[object], reason: str) -> None:
    probe = next(f for f in findings() if f["id"] == "f-probe")
    for detail, remote in zip(
        probe["service"]["action"]["portProbeAction"]["portProbeDetails"], remote_ips, strict=True
    ):
        detail["remoteIpDetails"] = remote
    summary = read_guardduty_object("probe.json", json.dumps([probe]).encode()).summary
    assert (summary.items_seen, dict(summary.items_skipped), dict(summary.ips_skipped)) == (1, {reason: 1}, {})


def test_remote_ip_rule_reads_every_port_probe_and_no_other_action() -> None:
    probe = next(f for f in findings() if f["id"] == "f-probe")["service"]["action"]
    assert [remote_address(d) for d in remote_ip_details(probe)] == ["192.0.2.10", "192.0.2.11", "192.0.2.12"]
    assert remote_ip_details({"actionType": "DNS_REQUEST"}) == Skip("action_type:DNS_REQUEST")
    assert remote_address({"ipAddressV6": "2001:db8::5"}) == "2001:db8::5" and remote_address(None) is None


def test_unexpected_finding_shape_is_counted() -> None:
    result = read_guardduty_object("x.json", json.dumps([{"no": "id"}, findings()[0]]).encode())
    assert result.summary.items_skipped == {"malformed_finding": 1}
    assert result.summary.tuples_written == 1


@pytest.mark.parametrize(
    ("key", "data", "reason"),
    [
        ("bad.json", b"[{", "invalid JSON"),
        ("bad.jsonl", b'{"id": "a"}\n{oops\n', "invalid JSON on line 2"),
        ("bad.json", b"42", "unexpected shape"),
        ("bad.jsonl.gz", b"\x1f\x8b\x08\x00garbage", "corrupt gzip"),
    ],
)
def test_unreadable_objects(key: str, data: bytes, reason: str) -> None:
    with pytest.raises(BadObjectError, match=reason):
        list(findings_from_bytes(key, data))
