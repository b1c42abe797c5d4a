"""The emulator's GuardDuty findings APIs (secml.emulator.patches.guardduty_sample_findings),
exercised through boto3 against the patched moto server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from secml.core.target import Target
from secml.data.findings import FINDING_TYPES, sample_findings
from secml.emulator.patches.guardduty_sample_findings import matches_criteria
from secml.workshop.sample_findings import SAMPLE_CRITERIA


@pytest.mark.parametrize(
    ("operation", "arguments"),
    [
        ("create_sample_findings", {}),
        ("list_findings", {}),
        ("get_findings", {"FindingIds": ["f" * 32]}),
        ("archive_findings", {"FindingIds": ["f" * 32]}),
    ],
)
def test_upstream_moto_still_lacks_the_findings_apis(operation: str, arguments: dict[str, Any]) -> None:
    """Plain moto, in-process and unpatched: fails once moto implements the call; then delete
    the patch module."""
    with mock_aws():
        guardduty = boto3.client("guardduty", region_name="us-west-2")
        detector = guardduty.create_detector(Enable=True)["DetectorId"]
        with pytest.raises(ClientError) as missing:
            getattr(guardduty, operation)(DetectorId=detector, **arguments)
    assert missing.value.response["Error"]["Message"] == "Not yet implemented"


def test_upstream_moto_still_answers_get_administrator_account_in_the_wrong_case() -> None:
    """Plain moto: the administrator is set, yet the SDK reads nothing; fails once moto answers
    camelCase, then delete guardduty_administrator_account."""
    with mock_aws():
        guardduty = boto3.client("guardduty", region_name="us-west-2")
        detector = guardduty.create_detector(Enable=True)["DetectorId"]
        guardduty.enable_organization_admin_account(AdminAccountId="999999999999")
        assert "Administrator" not in guardduty.get_administrator_account(DetectorId=detector)


@pytest.mark.emulator
def test_the_emulator_names_a_member_accounts_administrator(emulator_env: Target) -> None:
    guardduty = boto3.client("guardduty", region_name="ap-southeast-2")  # moto keeps it per region
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    assert "Administrator" not in guardduty.get_administrator_account(DetectorId=detector)
    guardduty.enable_organization_admin_account(AdminAccountId="999999999999")
    administrator = guardduty.get_administrator_account(DetectorId=detector)["Administrator"]
    assert administrator == {"AccountId": "999999999999", "RelationshipStatus": "Enabled"}
    guardduty.delete_detector(DetectorId=detector)


@pytest.fixture
def guardduty(emulator_env: Target) -> Any:
    return boto3.client("guardduty", region_name=emulator_env.region)


@pytest.fixture
def detector_id(guardduty: Any) -> Iterator[str]:
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    yield detector
    guardduty.delete_detector(DetectorId=detector)


def _all_ids(guardduty: Any, detector_id: str, **kwargs: Any) -> list[str]:
    pages = guardduty.get_paginator("list_findings").paginate(
        DetectorId=detector_id, PaginationConfig={"PageSize": 4}, **kwargs
    )
    return [i for page in pages for i in page["FindingIds"]]


@pytest.mark.emulator
def test_sample_findings_of_every_type_list_in_pages_and_read_back(guardduty: Any, detector_id: str) -> None:
    guardduty.create_sample_findings(DetectorId=detector_id)
    first_page = guardduty.list_findings(DetectorId=detector_id, MaxResults=4)
    assert len(first_page["FindingIds"]) == 4 and first_page["NextToken"]
    ids = _all_ids(guardduty, detector_id)
    assert len(ids) == len(set(ids)) == len(FINDING_TYPES)
    found = guardduty.get_findings(DetectorId=detector_id, FindingIds=ids)["Findings"]
    assert sorted(f["Type"] for f in found) == sorted(FINDING_TYPES)
    for finding in found:
        assert finding["AccountId"] and finding["Region"] == guardduty.meta.region_name
        assert finding["Arn"].endswith(f"detector/{detector_id}/finding/{finding['Id']}")
        assert finding["Service"]["DetectorId"] == detector_id
        assert '"sample": true' in finding["Service"]["AdditionalInfo"]["Value"]
        action = finding["Service"]["Action"]
        if action["ActionType"] == "AWS_API_CALL":
            assert finding["Resource"]["AccessKeyDetails"]["PrincipalId"]
            assert action["AwsApiCallAction"]["RemoteIpDetails"]["IpAddressV4"]
        elif action["ActionType"] == "PORT_PROBE":
            assert len(action["PortProbeAction"]["PortProbeDetails"]) > 1
            assert "AccessKeyDetails" not in finding["Resource"]
        else:
            assert action["NetworkConnectionAction"]["RemoteIpDetails"]["Organization"]["Asn"]


@pytest.mark.emulator
def test_creating_samples_again_counts_up_instead_of_duplicating(guardduty: Any, detector_id: str) -> None:
    kind = "Recon:EC2/PortProbeUnprotectedPort"
    guardduty.create_sample_findings(DetectorId=detector_id, FindingTypes=[kind])
    guardduty.create_sample_findings(DetectorId=detector_id, FindingTypes=[kind])
    ids = _all_ids(guardduty, detector_id)
    [finding] = guardduty.get_findings(DetectorId=detector_id, FindingIds=ids)["Findings"]
    assert finding["Type"] == kind and finding["Service"]["Count"] == 2


@pytest.mark.emulator
def test_criteria_and_sorting(guardduty: Any, detector_id: str) -> None:
    guardduty.create_sample_findings(DetectorId=detector_id)
    high = _all_ids(guardduty, detector_id, FindingCriteria={"Criterion": {"severity": {"Gte": 5}}})
    found = guardduty.get_findings(DetectorId=detector_id, FindingIds=high)["Findings"]
    assert found and all(f["Severity"] >= 5 for f in found)
    wanted = "PenTest:IAMUser/KaliLinux"
    assert len(_all_ids(guardduty, detector_id, FindingCriteria={"Criterion": {"type": {"Eq": [wanted]}}})) == 1
    assert _all_ids(guardduty, detector_id, FindingCriteria={"Criterion": {"service.archived": {"Eq": ["true"]}}}) == []
    assert sorted(_all_ids(guardduty, detector_id, FindingCriteria=SAMPLE_CRITERIA)) == sorted(
        _all_ids(guardduty, detector_id)
    )
    not_sample = {"Criterion": {"service.additionalInfo.sample": {"Neq": ["true"]}}}
    assert _all_ids(guardduty, detector_id, FindingCriteria=not_sample) == []
    ordered = _all_ids(guardduty, detector_id, SortCriteria={"AttributeName": "type", "OrderBy": "DESC"})
    types = [f["Type"] for f in guardduty.get_findings(DetectorId=detector_id, FindingIds=ordered)["Findings"]]
    assert types == sorted(types, reverse=True)


@pytest.mark.emulator
def test_bad_requests_answer_guardduty_errors(guardduty: Any, detector_id: str) -> None:
    with pytest.raises(ClientError) as unknown_type:
        guardduty.create_sample_findings(DetectorId=detector_id, FindingTypes=["Made:Up/Type"])
    assert unknown_type.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError):
        guardduty.list_findings(DetectorId="0" * 32)
    assert guardduty.get_findings(DetectorId=detector_id, FindingIds=["f" * 32])["Findings"] == []


@pytest.mark.emulator
def test_archived_findings_say_so_and_batches_are_bounded(guardduty: Any, detector_id: str) -> None:
    guardduty.create_sample_findings(DetectorId=detector_id)
    ids = _all_ids(guardduty, detector_id)
    guardduty.archive_findings(DetectorId=detector_id, FindingIds=ids[:2])
    archived = {"Criterion": {"service.archived": {"Eq": ["true"]}}}
    assert sorted(_all_ids(guardduty, detector_id, FindingCriteria=archived)) == sorted(ids[:2])
    with pytest.raises(ClientError) as too_many:
        guardduty.archive_findings(DetectorId=detector_id, FindingIds=["f" * 32] * 51)
    assert too_many.value.response["Error"]["Code"] == "BadRequestException"


def test_the_sample_criterion_reads_additional_info_and_leaves_other_findings_out() -> None:
    """GuardDuty's wire form of SAMPLE_CRITERIA; a real finding's additionalInfo has no `sample`."""
    wire = {"criterion": {"service.additionalInfo.sample": {"eq": ["true"]}}}
    [sample] = sample_findings("123456789012", "us-west-2", "d" * 32, 1_741_000_000, ["PenTest:IAMUser/KaliLinux"])
    real = {**sample, "service": {**sample["service"], "additionalInfo": {"value": "{}", "type": "default"}}}
    assert matches_criteria(sample, wire) and not matches_criteria(real, wire)
