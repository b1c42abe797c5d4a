"""`secml findings sample`: CreateSampleFindings, then ListFindings/GetFindings, printed short or full."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from secml.cli import main
from secml.core.errors import InputError
from secml.core.target import Target
from secml.workshop import sample_findings


@pytest.fixture
def detector(emulator_env: Target, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    guardduty = boto3.client("guardduty", region_name=emulator_env.region)
    detector_id = guardduty.create_detector(Enable=True)["DetectorId"]
    outputs = {"guardduty_detector_id": detector_id, "guardduty_detector_created": True}
    monkeypatch.setattr(sample_findings.stack, "outputs", lambda target: outputs)
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


class FakeClock:
    """time.monotonic and time.sleep for the polling loop, without waiting."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _poll(counts: list[int], clock: FakeClock, timeout_s: float = 20.0) -> sample_findings.Settled:
    answers = iter(counts)

    def list_ids() -> list[str]:
        return [f"id{i}" for i in range(next(answers))]

    return sample_findings.wait_until_settled(
        list_ids, timeout_s=timeout_s, interval_s=2.0, settle_polls=3, sleep=clock.sleep, clock=clock.clock
    )


def test_polling_waits_until_the_count_stops_changing() -> None:
    clock = FakeClock()
    settled = _poll([0, 0, 40, 90, 120, 120, 120, 999], clock)
    assert settled.settled and len(settled.ids) == 120 and clock.now == 12.0


def test_polling_is_bounded_and_says_when_the_count_never_settled() -> None:
    clock = FakeClock()
    settled = _poll(list(range(10, 1000, 10)), clock, timeout_s=20.0)
    assert not settled.settled and clock.now <= 20.0 and len(settled.ids) == 10 + 10 * int(clock.now / 2)


def test_no_sample_findings_at_the_deadline_is_an_error() -> None:
    guardduty = boto3.client("guardduty", region_name="us-west-2", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(guardduty) as stub:
        stub.add_response("create_sample_findings", {}, {"DetectorId": "d" * 32})
        for _ in range(3):
            stub.add_response("list_findings", {"FindingIds": []})
        with pytest.raises(sample_findings.ServiceError, match=r"no sample findings appeared .* within 1 s"):
            sample_findings.create_and_read(guardduty, "d" * 32, timeout_s=1.0, interval_s=0.5)


def test_the_findings_counted_are_samples_updated_since_the_servers_clock() -> None:
    answer = {"ResponseMetadata": {"HTTPHeaders": {"date": "Sat, 01 Mar 2025 10:00:00 GMT"}}}
    assert sample_findings.server_time_ms(answer) == 1_740_823_200_000
    criteria = sample_findings.samples_updated_since(1_740_823_200_000)
    assert criteria["Criterion"]["updatedAt"] == {"Gte": 1_740_823_200_000}
    assert criteria["Criterion"]["service.additionalInfo.sample"] == {"Eq": ["true"]}


def _reused_detector(target: Target, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, str]:
    guardduty = boto3.client("guardduty", region_name=target.region)
    detector_id = guardduty.create_detector(Enable=True)["DetectorId"]
    outputs = {"guardduty_detector_id": detector_id, "guardduty_detector_created": False}
    monkeypatch.setattr(sample_findings.stack, "outputs", lambda target: outputs)
    return guardduty, detector_id


@pytest.fixture
def reused(emulator_env: Target, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    """A detector the stack's outputs call reused (guardduty_detector_created = false)."""
    guardduty, detector_id = _reused_detector(emulator_env, monkeypatch)
    yield guardduty, detector_id
    guardduty.delete_detector(DetectorId=detector_id)


def _archived(guardduty: Any, detector_id: str) -> list[str]:
    criteria = {"Criterion": {**sample_findings.SAMPLE_CRITERION, "service.archived": {"Eq": ["true"]}}}
    return list(sample_findings.sample_finding_ids(guardduty, detector_id, criteria))


@pytest.mark.emulator
def test_a_reused_detector_asks_first_and_archives_the_samples_afterwards(
    emulator_env: Target, reused: tuple[Any, str], capsys: pytest.CaptureFixture[str]
) -> None:
    guardduty, detector_id = reused
    warnings: list[str] = []
    found = sample_findings.run(emulator_env, confirm=lambda warning: warnings.append(warning) or True)
    [warning] = warnings
    assert "EventBridge" in warning and "Security Hub" in warning and "SIEM" in warning
    assert "archives them" in warning
    assert sorted(_archived(guardduty, detector_id)) == sorted(f["Id"] for f in found) and len(found) == 12
    assert f"archived the 12 sample findings on the reused detector {detector_id}" in capsys.readouterr().out


@pytest.mark.emulator
def test_a_reused_detector_is_left_alone_when_nobody_confirms(
    emulator_env: Target, reused: tuple[Any, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    guardduty, detector_id = reused
    monkeypatch.setenv("SECML_EMULATOR_PORT", str(emulator_env.emulator_port))
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(InputError, match="not confirmed"):
        sample_findings.run(emulator_env, confirm=lambda warning: False)
    assert main(["--target", "local", "findings", "sample"]) == 2  # not interactive, no --yes
    assert "add --yes (make: SAMPLE_FINDINGS=yes)" in capsys.readouterr().err
    assert guardduty.list_findings(DetectorId=detector_id)["FindingIds"] == []
    assert main(["--target", "local", "findings", "sample", "--yes"]) == 0
    assert len(_archived(guardduty, detector_id)) == 12


@pytest.mark.emulator
def test_a_member_account_is_told_it_cannot_archive(
    emulator_env: Target, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A region of its own: moto keeps the administrator per account and region."""
    member = Target("local", "eu-west-3", emulator_env.emulator_port)
    guardduty, detector_id = _reused_detector(member, monkeypatch)
    guardduty.enable_organization_admin_account(AdminAccountId="999999999999")
    warnings: list[str] = []
    found = sample_findings.run(member, confirm=lambda warning: warnings.append(warning) or True)
    assert "member of administrator account 999999999999" in warnings[0]
    assert "a member cannot archive findings" in warnings[0]
    assert found and _archived(guardduty, detector_id) == []
    err = capsys.readouterr().err
    assert f"archived 0 of {len(found)} sample findings" in err and "member accounts cannot archive" in err
