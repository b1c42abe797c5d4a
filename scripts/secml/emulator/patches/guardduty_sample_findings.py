"""GuardDuty CreateSampleFindings, ListFindings, GetFindings and ArchiveFindings for moto 5.2.5.

Gap: moto's GuardDuty backend has detectors and filters but no findings at all; these three calls
answer 404/NotImplemented (ArchiveFindings too), so workshop exercise 1.1 ("generate sample findings, then look at
them") could not run on the emulator. The fix stores findings per detector in the backend:

- CreateSampleFindings: one sample finding per requested type (every type `secml.data.findings`
  simulates when none is named), built by `sample_findings`; creating a type again bumps its
  `service.count` and `updatedAt`, as GuardDuty does for sample findings.
- ListFindings: ids of the detector's findings, filtered by `findingCriteria` (eq, neq, gt, gte,
  lt, lte and their long names; timestamps compare as epoch milliseconds; on dotted attribute
  paths such as `type`, `service.archived` or `service.additionalInfo.sample`),
  sorted by `sortCriteria`, paged by `maxResults` (1-50) and `nextToken`.
- GetFindings: the findings for up to 50 ids, unknown ids left out, in the order asked.
- ArchiveFindings: sets `service.archived` on up to 50 of the detector's findings. As on AWS, a
  GuardDuty member account (one whose GetAdministratorAccount names an administrator) may not
  archive: BadRequestException (the wording is the emulator's own).

Remove this module when moto implements the four operations (a canary in tests/unit/data fails
then).
"""

from __future__ import annotations

import calendar
import json
import time
from collections.abc import Callable
from typing import Any

from moto.guardduty import models, responses, urls
from moto.guardduty.exceptions import GuardDutyException

from secml.data.findings import sample_findings

MAX_RESULTS = 50
FINDINGS_PATHS = {
    "{0}/detector/(?P<detector_id>[^/]+)/findings$": responses.GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/findings/get$": responses.GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/findings/create$": responses.GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/findings/archive$": responses.GuardDutyResponse.dispatch,
}
_MEMBERSHIP: dict[str, bool] = {"eq": True, "equals": True, "neq": False, "notEquals": False}
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "gt": lambda value, bound: value > bound,
    "greaterThan": lambda value, bound: value > bound,
    "gte": lambda value, bound: value >= bound,
    "greaterThanOrEqual": lambda value, bound: value >= bound,
    "lt": lambda value, bound: value < bound,
    "lessThan": lambda value, bound: value < bound,
    "lte": lambda value, bound: value <= bound,
    "lessThanOrEqual": lambda value, bound: value <= bound,
}


class InvalidInputException(GuardDutyException):
    """GuardDuty's answer to a malformed request (HTTP 400, error type BadRequestException)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("BadRequestException", message)

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("X-Amzn-ErrorType", "BadRequestException")]


def _attribute(finding: dict[str, Any], path: str) -> Any:
    """The value at a dotted criterion path; `service.additionalInfo.X` reads X from the JSON
    document that `additionalInfo.value` holds, as GuardDuty's own criteria do (`...sample`)."""
    value: Any = finding
    for part in path.split("."):
        if isinstance(value, dict) and part not in value and isinstance(value.get("value"), str):
            value = _json_document(value["value"])
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return str(value).lower()  # criteria compare booleans as the strings "true"/"false"
    return value


def _json_document(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except ValueError:
        return {}
    return document if isinstance(document, dict) else {}


def _number(value: Any) -> float | None:
    """Numbers as they are; timestamps as epoch milliseconds, as GuardDuty compares them."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return calendar.timegm(time.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")) * 1000.0
        except ValueError:
            return None
    return None


def matches_criteria(finding: dict[str, Any], criteria: dict[str, Any]) -> bool:
    for path, condition in (criteria.get("criterion") or {}).items():
        value = _attribute(finding, path)
        for operator, wanted in condition.items():
            if operator in _MEMBERSHIP:
                if (str(value) in {str(w) for w in wanted}) != _MEMBERSHIP[operator]:
                    return False
            elif operator in _ORDER:
                number = _number(value)
                if number is None or not _ORDER[operator](number, float(wanted)):
                    return False
            else:
                raise InvalidInputException(f"unsupported finding criterion operator {operator!r}")
    return True


def findings_of(backend: models.GuardDutyBackend, detector_id: str) -> dict[str, dict[str, Any]]:
    backend.get_detector(detector_id)  # raises DetectorNotFoundException
    store: dict[str, dict[str, dict[str, Any]]] = backend.__dict__.setdefault("secml_findings", {})
    return store.setdefault(detector_id, {})


def create_sample_findings(self: models.GuardDutyBackend, detector_id: str, finding_types: list[str] | None) -> None:
    stored = findings_of(self, detector_id)
    try:
        fresh = sample_findings(self.account_id, self.region_name, detector_id, int(time.time()), finding_types or None)
    except ValueError as error:
        raise InvalidInputException(str(error)) from error
    for finding in fresh:
        previous = stored.get(finding["id"])
        if previous is not None:
            finding["service"]["count"] = previous["service"]["count"] + 1
            finding["createdAt"] = previous["createdAt"]
        stored[finding["id"]] = finding


def list_findings(
    self: models.GuardDutyBackend,
    detector_id: str,
    criteria: dict[str, Any] | None,
    sort: dict[str, Any] | None,
    max_results: int | None,
    next_token: str | None,
) -> tuple[list[str], str | None]:
    limit = MAX_RESULTS if max_results is None else max_results
    if not 1 <= limit <= MAX_RESULTS:
        raise InvalidInputException(f"maxResults must be between 1 and {MAX_RESULTS}")
    found = [f for f in findings_of(self, detector_id).values() if matches_criteria(f, criteria or {})]
    if sort and sort.get("attributeName"):
        found.sort(key=lambda f: str(_attribute(f, sort["attributeName"])), reverse=sort.get("orderBy") == "DESC")
    start = int(next_token or 0)
    page = [f["id"] for f in found[start : start + limit]]
    return page, str(start + limit) if start + limit < len(found) else None


def get_findings(self: models.GuardDutyBackend, detector_id: str, finding_ids: list[str]) -> list[dict[str, Any]]:
    if len(finding_ids) > MAX_RESULTS:
        raise InvalidInputException(f"at most {MAX_RESULTS} finding ids per call")
    stored = findings_of(self, detector_id)
    return [stored[i] for i in finding_ids if i in stored]


def archive_findings(self: models.GuardDutyBackend, detector_id: str, finding_ids: list[str]) -> None:
    if len(finding_ids) > MAX_RESULTS:
        raise InvalidInputException(f"at most {MAX_RESULTS} finding ids per call")
    stored = findings_of(self, detector_id)
    administrator = self.get_administrator_account(detector_id).get("Administrator")
    if administrator:
        raise InvalidInputException(
            f"member accounts cannot archive findings: this account's GuardDuty administrator is "
            f"{administrator['AccountId']}"
        )
    for finding_id in finding_ids:
        if finding_id in stored:
            stored[finding_id]["service"]["archived"] = True


def _detector_id(response: responses.GuardDutyResponse) -> str:
    return response.path.split("/detector/", 1)[1].split("/", 1)[0]


def respond_create_sample_findings(self: responses.GuardDutyResponse) -> str:
    self.guardduty_backend.create_sample_findings(_detector_id(self), self._get_param("findingTypes"))
    return "{}"


def respond_list_findings(self: responses.GuardDutyResponse) -> str:
    ids, token = self.guardduty_backend.list_findings(
        _detector_id(self),
        self._get_param("findingCriteria"),
        self._get_param("sortCriteria"),
        self._get_param("maxResults"),
        self._get_param("nextToken"),
    )
    return json.dumps({"findingIds": ids, **({"nextToken": token} if token else {})})


def respond_get_findings(self: responses.GuardDutyResponse) -> str:
    found = self.guardduty_backend.get_findings(_detector_id(self), self._get_param("findingIds") or [])
    return json.dumps({"findings": found})


def respond_archive_findings(self: responses.GuardDutyResponse) -> str:
    self.guardduty_backend.archive_findings(_detector_id(self), self._get_param("findingIds") or [])
    return "{}"


def apply() -> None:
    models.GuardDutyBackend.create_sample_findings = create_sample_findings
    models.GuardDutyBackend.list_findings = list_findings
    models.GuardDutyBackend.get_findings = get_findings
    models.GuardDutyBackend.archive_findings = archive_findings
    responses.GuardDutyResponse.create_sample_findings = respond_create_sample_findings
    responses.GuardDutyResponse.list_findings = respond_list_findings
    responses.GuardDutyResponse.get_findings = respond_get_findings
    responses.GuardDutyResponse.archive_findings = respond_archive_findings
    urls.url_paths.update(FINDINGS_PATHS)
