"""GuardDuty publishes every finding it creates or updates to EventBridge.

Gap: on AWS, GuardDuty sends each new finding (and each update of one) to the account's default
event bus as an event with source `aws.guardduty`, detail-type `GuardDuty Finding` and the
finding as `detail`; moto's GuardDuty has no findings of its own (guardduty_sample_findings adds
them) and sends no events, so no rule on GuardDuty findings ever fires on the emulator.

Patch:
- CreateSampleFindings publishes each sample finding it creates or updates, as GuardDuty does.
- A test-only seeding route, `POST /detector/<id>/secml-test/findings` with `{"findings": [...]}`
  (GuardDuty's JSON shape, camelCase), stores findings on the detector and publishes them. AWS has
  no API to create arbitrary findings; the emulator needs one so that exercise 3 and the tests can
  emit generated findings whose ground truth is known (secml.emulator.findings is its client).
  Findings already stored are updates: `service.count` goes up, `createdAt` stays.
"""

from __future__ import annotations

import json
from typing import Any

from moto.guardduty import models, responses, urls

from secml.emulator import default_bus
from secml.emulator.patches import guardduty_sample_findings

SOURCE = "aws.guardduty"
DETAIL_TYPE = "GuardDuty Finding"
SEED_PATH = "secml-test/findings"
UPSTREAM_CREATE_SAMPLE_FINDINGS = guardduty_sample_findings.create_sample_findings


def publish_findings(backend: models.GuardDutyBackend, findings: list[dict[str, Any]]) -> None:
    """Put each finding on the account's default event bus in the finding's region."""
    default_bus.publish(backend.account_id, backend.region_name, SOURCE, DETAIL_TYPE, findings)


def _versions(backend: models.GuardDutyBackend, detector_id: str) -> dict[str, tuple[str, int]]:
    stored = guardduty_sample_findings.findings_of(backend, detector_id)
    return {fid: (f["updatedAt"], f["service"]["count"]) for fid, f in stored.items()}


def create_sample_findings(self: models.GuardDutyBackend, detector_id: str, finding_types: list[str] | None) -> None:
    before = _versions(self, detector_id)
    UPSTREAM_CREATE_SAMPLE_FINDINGS(self, detector_id, finding_types)
    stored = guardduty_sample_findings.findings_of(self, detector_id)
    changed = [stored[fid] for fid, version in _versions(self, detector_id).items() if before.get(fid) != version]
    publish_findings(self, changed)


def seed_findings(backend: models.GuardDutyBackend, detector_id: str, findings: list[dict[str, Any]]) -> list[str]:
    """Store `findings` on the detector (updates bump `service.count`) and publish each one."""
    stored = guardduty_sample_findings.findings_of(backend, detector_id)
    for finding in findings:
        if not isinstance(finding, dict) or not finding.get("id") or not isinstance(finding.get("service"), dict):
            raise guardduty_sample_findings.InvalidInputException("each finding needs an id and a service object")
        previous = stored.get(finding["id"])
        if previous is not None:
            finding["service"]["count"] = int(previous["service"].get("count", 1)) + 1
            finding["createdAt"] = previous["createdAt"]
        stored[finding["id"]] = finding
    publish_findings(backend, findings)
    return [f["id"] for f in findings]


def respond_seed_findings(self: responses.GuardDutyResponse) -> str:
    body = json.loads(self.body or "{}")
    findings = body.get("findings") if isinstance(body, dict) else None
    if not isinstance(findings, list):
        raise guardduty_sample_findings.InvalidInputException('the body must be {"findings": [...]}')
    detector_id = self.path.split("/detector/", 1)[1].split("/", 1)[0]
    return json.dumps({"findingIds": seed_findings(self.guardduty_backend, detector_id, findings)})


def dispatch_seed(request: Any, full_url: str, headers: Any) -> Any:
    """The seeding route has no botocore operation, so it is dispatched here, not by action."""
    response = responses.GuardDutyResponse()
    response.setup_class(request, full_url, headers)
    try:
        return 200, {"Content-Type": "application/json"}, response.respond_seed_findings()
    except guardduty_sample_findings.InvalidInputException as error:
        return error.code, {"X-Amzn-ErrorType": "BadRequestException"}, error.get_body()


def apply() -> None:
    # Runs after guardduty_sample_findings (patches apply in name order): wraps its findings.
    models.GuardDutyBackend.create_sample_findings = create_sample_findings
    responses.GuardDutyResponse.respond_seed_findings = respond_seed_findings
    urls.url_paths["{0}/detector/(?P<detector_id>[^/]+)/" + SEED_PATH + "$"] = dispatch_seed
