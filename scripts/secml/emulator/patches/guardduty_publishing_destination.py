"""GuardDuty publishing destinations: the findings export to S3, as GuardDuty runs it.

Gap: moto 5.2.5 has no publishing destinations (CreatePublishingDestination answers 404), so a
stack with `guardduty_export_findings = true` cannot be applied on the emulator, and nothing ever
arrives under the export prefix for the GuardDuty parts function to read.

Patch:
- Create/Describe/List/Update/DeletePublishingDestination on a detector, S3 destinations only.
- What AWS checks when a destination is created or updated, refused with BadRequestException as
  GuardDuty does: the bucket exists; its policy lets a GuardDuty service principal
  (`guardduty.amazonaws.com`, or the regional one of an opt-in region) `s3:PutObject`; the KMS key
  exists and its policy lets a GuardDuty principal `kms:GenerateDataKey`. So a destination created
  before the bucket or key policy that allows it fails here as it fails on AWS. Only the Allow's
  principal and action are compared (moto evaluates no resource policy for a service principal).
- Every finding GuardDuty publishes (guardduty_to_eventbridge.publish_findings: sample and seeded
  findings) is also exported to each destination of its detector, as GuardDuty does: one gzipped
  JSON-lines object `<destination path>/AWSLogs/<account>/GuardDuty/<region>/<yyyy>/<mm>/<dd>/<uuid>.jsonl.gz`,
  SSE-KMS under the destination's key, so the bucket's notifications fire. AWS exports a new
  finding within about 5 minutes; the emulator exports it at once.
"""

from __future__ import annotations

import datetime
import fnmatch
import gzip
import json
import uuid
from typing import Any

from moto.guardduty import models, responses, urls
from moto.kms.exceptions import NotFoundException
from moto.kms.models import kms_backends
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends

from secml.emulator.patches import guardduty_to_eventbridge
from secml.emulator.patches.guardduty_sample_findings import InvalidInputException

DESTINATION_PATHS = {
    "{0}/detector/(?P<detector_id>[^/]+)/publishingDestination$": responses.GuardDutyResponse.dispatch,
    "{0}/detector/(?P<detector_id>[^/]+)/publishingDestination/(?P<destination_id>[^/]+)$": (
        responses.GuardDutyResponse.dispatch
    ),
}
UPSTREAM_PUBLISH = guardduty_to_eventbridge.publish_findings


def _destinations(backend: models.GuardDutyBackend, detector_id: str) -> dict[str, dict[str, Any]]:
    backend.get_detector(detector_id)  # raises DetectorNotFoundException
    store: dict[str, dict[str, dict[str, Any]]] = backend.__dict__.setdefault("secml_destinations", {})
    return store.setdefault(detector_id, {})


def _destination(backend: models.GuardDutyBackend, detector_id: str, destination_id: str) -> dict[str, Any]:
    found = _destinations(backend, detector_id).get(destination_id)
    if found is None:
        raise InvalidInputException(f"The request is rejected because the destination {destination_id} is invalid.")
    return found


def _allows_guardduty(policy: str | bytes | None, action: str, region: str) -> bool:
    """Whether `policy` has an Allow of `action` for GuardDuty's service principal."""
    principals = {"guardduty.amazonaws.com", f"guardduty.{region}.amazonaws.com"}
    try:
        statements = json.loads(policy or "{}").get("Statement", [])
    except (ValueError, AttributeError):
        return False
    for statement in statements if isinstance(statements, list) else [statements]:
        services = (statement.get("Principal") or {}).get("Service", []) if statement.get("Effect") == "Allow" else []
        actions = statement.get("Action", [])
        if principals & set([services] if isinstance(services, str) else services) and any(
            fnmatch.fnmatchcase(action, pattern) for pattern in ([actions] if isinstance(actions, str) else actions)
        ):
            return True
    return False


def _require_allowed(policy: str | bytes | None, action: str, region: str, whose: str) -> None:
    if not _allows_guardduty(policy, action, region):
        raise InvalidInputException(
            f"The request failed because GuardDuty may not use {whose} must allow {action} to the GuardDuty "
            "service principal."
        )


def _checked(backend: models.GuardDutyBackend, properties: Any) -> dict[str, str]:
    """The destination's properties once GuardDuty could write there, as AWS checks them."""
    if not isinstance(properties, dict) or not properties.get("destinationArn") or not properties.get("kmsKeyArn"):
        raise InvalidInputException("destinationProperties needs destinationArn and kmsKeyArn.")
    arn, key_arn = str(properties["destinationArn"]), str(properties["kmsKeyArn"])
    bucket_name = arn.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    region = backend.region_name
    try:
        bucket = s3_backends[backend.account_id]["aws"].get_bucket(bucket_name)
    except MissingBucket as error:
        raise InvalidInputException(f"The request failed because the bucket {bucket_name} does not exist.") from error
    _require_allowed(bucket.policy, "s3:PutObject", region, f"the bucket {bucket_name}: its bucket policy")
    try:
        key = kms_backends[backend.account_id][key_arn.split(":")[3] or region].describe_key(key_arn)
    except (NotFoundException, IndexError) as error:
        raise InvalidInputException(f"The request failed because the KMS key {key_arn} does not exist.") from error
    _require_allowed(key.policy, "kms:GenerateDataKey", region, f"the KMS key {key_arn}: its key policy")
    return {"destinationArn": arn, "kmsKeyArn": key_arn}


def export_findings(backend: models.GuardDutyBackend, findings: list[dict[str, Any]]) -> None:
    """One JSON-lines object of `findings` in each destination of the region's detector (a
    region has one detector, guardduty_one_detector)."""
    destinations = [
        d for per_detector in backend.__dict__.get("secml_destinations", {}).values() for d in per_detector.values()
    ]
    if not findings or not destinations:
        return
    body = gzip.compress("".join(json.dumps(finding) + "\n" for finding in findings).encode())
    day = datetime.datetime.now(datetime.UTC).strftime("%Y/%m/%d")
    for destination in destinations:
        properties = destination["destinationProperties"]
        bucket, _, prefix = properties["destinationArn"].removeprefix("arn:aws:s3:::").partition("/")
        folder = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        key = f"{folder}AWSLogs/{backend.account_id}/GuardDuty/{backend.region_name}/{day}/{uuid.uuid4()}.jsonl.gz"
        s3_backends[backend.account_id]["aws"].put_object(
            bucket, key, body, encryption="aws:kms", kms_key_id=properties["kmsKeyArn"]
        )


def publish_findings(backend: models.GuardDutyBackend, findings: list[dict[str, Any]]) -> None:
    UPSTREAM_PUBLISH(backend, findings)
    export_findings(backend, findings)


def _path_ids(response: responses.GuardDutyResponse) -> tuple[str, str]:
    detector_id, _, rest = response.path.split("/detector/", 1)[1].partition("/publishingDestination")
    return detector_id, rest.strip("/")


def respond_create(self: responses.GuardDutyResponse) -> str:
    detector_id, _ = _path_ids(self)
    if self._get_param("destinationType") != "S3":
        raise InvalidInputException("destinationType must be S3.")
    properties = _checked(self.guardduty_backend, self._get_param("destinationProperties"))
    destination_id = uuid.uuid4().hex
    _destinations(self.guardduty_backend, detector_id)[destination_id] = {
        "destinationId": destination_id,
        "destinationType": "S3",
        "status": "PUBLISHING",
        "publishingFailureStartTimestamp": 0,
        "destinationProperties": properties,
        "tags": self._get_param("tags") or {},
    }
    return json.dumps({"destinationId": destination_id})


def respond_describe(self: responses.GuardDutyResponse) -> str:
    return json.dumps(_destination(self.guardduty_backend, *_path_ids(self)))


def respond_list(self: responses.GuardDutyResponse) -> str:
    detector_id, _ = _path_ids(self)
    listed = [
        {key: destination[key] for key in ("destinationId", "destinationType", "status")}
        for destination in _destinations(self.guardduty_backend, detector_id).values()
    ]
    return json.dumps({"destinations": listed})


def respond_update(self: responses.GuardDutyResponse) -> str:
    destination = _destination(self.guardduty_backend, *_path_ids(self))
    destination["destinationProperties"] = _checked(self.guardduty_backend, self._get_param("destinationProperties"))
    return "{}"


def respond_delete(self: responses.GuardDutyResponse) -> str:
    detector_id, destination_id = _path_ids(self)
    _destination(self.guardduty_backend, detector_id, destination_id)
    del _destinations(self.guardduty_backend, detector_id)[destination_id]
    return "{}"


def apply() -> None:
    # guardduty_to_eventbridge's callers look publish_findings up at call time: every finding it
    # publishes is exported too.
    guardduty_to_eventbridge.publish_findings = publish_findings
    responses.GuardDutyResponse.create_publishing_destination = respond_create
    responses.GuardDutyResponse.describe_publishing_destination = respond_describe
    responses.GuardDutyResponse.list_publishing_destinations = respond_list
    responses.GuardDutyResponse.update_publishing_destination = respond_update
    responses.GuardDutyResponse.delete_publishing_destination = respond_delete
    urls.url_paths.update(DESTINATION_PATHS)
