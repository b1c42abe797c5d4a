"""Security Hub BatchUpdateFindings, and GuardDuty findings' Security Hub twins.

Gap (moto 5.2.5): Security Hub has BatchImportFindings and GetFindings but no BatchUpdateFindings
(the call customers use to put their triage on a finding: note, user-defined fields, workflow),
so the scorer's Security Hub delivery could not run on the emulator. And nothing imports
GuardDuty's findings into Security Hub, which GuardDuty's integration does on AWS when Security
Hub is enabled.

Patch:
- BatchUpdateFindings (PATCH /findings/batchupdate): for each FindingIdentifier {Id, ProductArn}
  of a stored finding, sets Note (with UpdatedAt), merges UserDefinedFields, and sets Severity,
  Workflow, VerificationState, Confidence and Criticality when given; unknown identifiers come
  back as UnprocessedFindings with ErrorCode FindingNotFound, as AWS answers.
- GuardDuty findings published by guardduty_to_eventbridge are imported into Security Hub as
  their ASFF twin (Id = the finding's ARN, ProductArn = the GuardDuty product) when Security Hub
  is enabled in that account and region.
"""

from __future__ import annotations

import json
import time
from typing import Any

from moto.securityhub import models, responses, urls

from secml.emulator.patches import guardduty_to_eventbridge

UPDATABLE = ("Severity", "Workflow", "VerificationState", "Confidence", "Criticality")
UPSTREAM_PUBLISH_FINDINGS = guardduty_to_eventbridge.publish_findings


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def batch_update_findings(self: models.SecurityHubBackend, request: dict[str, Any]) -> dict[str, Any]:
    processed, unprocessed = [], []
    for identifier in request.get("FindingIdentifiers") or []:
        found = next(
            (
                f
                for f in self.findings
                if f.id == identifier.get("Id") and f.data.get("ProductArn") == identifier.get("ProductArn")
            ),
            None,
        )
        if found is None:
            unprocessed.append(
                {"FindingIdentifier": identifier, "ErrorCode": "FindingNotFound", "ErrorMessage": "Finding Not Found"}
            )
            continue
        if request.get("Note"):
            found.data["Note"] = {**request["Note"], "UpdatedAt": _now()}
        if request.get("UserDefinedFields"):
            found.data["UserDefinedFields"] = {
                **found.data.get("UserDefinedFields", {}),
                **request["UserDefinedFields"],
            }
        for name in UPDATABLE:
            if name in request:
                found.data[name] = request[name]
        found.data["UpdatedAt"] = _now()
        processed.append(identifier)
    return {"ProcessedFindings": processed, "UnprocessedFindings": unprocessed}


def respond_batch_update_findings(self: responses.SecurityHubResponse) -> str:
    body = self.body.decode("utf-8") if isinstance(self.body, bytes) else self.body
    return json.dumps(self.securityhub_backend.batch_update_findings(json.loads(body or "{}")))


def twin(finding: dict[str, Any]) -> dict[str, Any]:
    """The ASFF finding GuardDuty's Security Hub integration imports for `finding` (camelCase)."""
    region, partition = finding.get("region", ""), finding.get("partition") or "aws"
    return {
        "SchemaVersion": "2018-10-08",
        "Id": finding["arn"],
        "ProductArn": f"arn:{partition}:securityhub:{region}::product/aws/guardduty",
        "GeneratorId": f"arn:{partition}:guardduty:{region}:{finding.get('accountId', '')}:detector/",
        "AwsAccountId": finding.get("accountId", ""),
        "Types": [f"TTPs/{finding.get('type', '')}"],
        "CreatedAt": finding.get("createdAt", _now()),
        "UpdatedAt": finding.get("updatedAt", _now()),
        "Severity": {"Product": finding.get("severity", 0), "Normalized": int(float(finding.get("severity", 0)) * 10)},
        "Title": finding.get("title", finding.get("type", "")),
        "Description": finding.get("description", ""),
        "Resources": [{"Type": "Other", "Id": finding["arn"], "Region": region}],
    }


def publish_findings(backend: Any, findings: list[dict[str, Any]]) -> None:
    UPSTREAM_PUBLISH_FINDINGS(backend, findings)
    hub = models.securityhub_backends[backend.account_id][backend.region_name]
    if hub.enabled:
        hub.batch_import_findings([twin(f) for f in findings if f.get("arn")])


def apply() -> None:
    models.SecurityHubBackend.batch_update_findings = batch_update_findings
    responses.SecurityHubResponse.batch_update_findings = respond_batch_update_findings
    urls.url_paths["{0}/findings/batchupdate$"] = responses.SecurityHubResponse.dispatch
    guardduty_to_eventbridge.publish_findings = publish_findings
