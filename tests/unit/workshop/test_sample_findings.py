"""`secml findings sample`: CreateSampleFindings, then ListFindings/GetFindings, printed short or full."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from secml.cli import main
from secml.core.target import Target
from secml.workshop import sample_findings


@pytest.fixture
def detector(emulator_env: Target, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    guardduty = boto3.client("guardduty", region_name=emulator_env.region)
    detector_id = guardduty.create_detector(Enable=True)["DetectorId"]
    monkeypatch.setattr(sample_findings.stack, "outputs", lambda target: {"guardduty_detector_id": detector_id})
    monkeypatch.setenv("SECML_EMULATOR_PORT", str(emulator_env.emulator_port))
    yield detector_id
    guardduty.delete_detector(DetectorId=detector_id)


@pytest.mark.emulator
def test_short_lines_name_time_region_ip_type_and_id(detector: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--target", "local", "findings", "sample"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"12 sample findings on detector {detector}")
    probe = next(line for line in lines if "PortProbeUnprotectedPort" in line)
    when, region, ip, kind, finding_id = probe.split(maxsplit=4)[:2] + probe.split("  ")[1:]
    assert when.startswith("[") and when.endswith("Z]") and region == "us-west-2"
    assert "(+2)" in ip and kind == "Recon:EC2/PortProbeUnprotectedPort" and len(finding_id) == 32


@pytest.mark.emulator
def test_full_prints_every_finding_as_json(detector: str, capsys: pytest.CaptureFixture[str]) -> None:
    found = sample_findings.run(Target("local", "us-west-2", 0), full=True)
    out = capsys.readouterr().out
    assert len(found) == 12 and out.count('\n  "Type": ') == 12  # top-level keys only
    assert json.loads(out[out.index("{") : out.index("\n}\n") + 2])["Id"]


def test_only_sample_findings_are_listed_and_read() -> None:
    """A reused organisation detector holds real findings too: ListFindings asks for samples only."""
    guardduty = boto3.client("guardduty", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    detector_id, sample_id = "d" * 32, "5" * 32
    with Stubber(guardduty) as stub:
        stub.add_response(
            "list_findings",
            {"FindingIds": [sample_id]},
            {"DetectorId": detector_id, "FindingCriteria": sample_findings.SAMPLE_CRITERIA},
        )
        stub.add_response("get_findings", {"Findings": []}, {"DetectorId": detector_id, "FindingIds": [sample_id]})
        assert sample_findings.read_sample_findings(guardduty, detector_id) == []
        stub.assert_no_pending_responses()


def test_remote_ips_follow_the_ingest_rule_on_api_answers() -> None:
    """GetFindings answers in PascalCase; the addresses are the ones the ingest function scores."""
    probe = {"ActionType": "PORT_PROBE", "PortProbeAction": {"PortProbeDetails": [
        {"RemoteIpDetails": {"IpAddressV4": "192.0.2.10"}}, {"RemoteIpDetails": {"IpAddressV6": "2001:db8::1"}},
        {"LocalPortDetails": {"Port": 22}},
    ]}}  # fmt: skip
    api_call = {"ActionType": "AWS_API_CALL", "AwsApiCallAction": {"RemoteIpDetails": {"IpAddressV4": "203.0.113.5"}}}
    dns = {"ActionType": "DNS_REQUEST", "DnsRequestAction": {"Domain": "example.com"}}
    finding = {"UpdatedAt": "2024-03-01T10:00:00Z", "Region": "us-west-2", "Type": "Recon:EC2/Port", "Id": "f1"}
    assert sample_findings.remote_ips(finding | {"Service": {"Action": probe}}) == ["192.0.2.10", "2001:db8::1"]
    assert sample_findings.remote_ips(finding | {"Service": {"Action": api_call}}) == ["203.0.113.5"]
    assert sample_findings.remote_ips(finding | {"Service": {"Action": dns}}) == []
    assert sample_findings.short_line(finding | {"Service": {"Action": probe}}) == (
        "[2024-03-01T10:00:00Z] us-west-2  192.0.2.10 (+1)  Recon:EC2/Port  f1"
    )
    assert sample_findings.short_line(finding) == "[2024-03-01T10:00:00Z] us-west-2  -  Recon:EC2/Port  f1"
