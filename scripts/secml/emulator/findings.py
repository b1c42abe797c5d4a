"""Client of the emulator's test-only GuardDuty seeding route (patches/guardduty_to_eventbridge):
store findings on a detector, and so publish them to EventBridge as GuardDuty would. AWS has no
such call; only the emulator accepts it, so only emulator targets may use it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from secml.core.errors import InputError, ServiceError
from secml.core.target import Target
from secml.emulator.patches.guardduty_to_eventbridge import SEED_PATH

SEED_BATCH = 50


def emit_findings(target: Target, detector_id: str, findings: Sequence[dict[str, Any]]) -> list[str]:
    """Create (or update) `findings` (GuardDuty's camelCase JSON) on the emulator's detector;
    returns their ids. Each one reaches EventBridge as a `GuardDuty Finding` event."""
    if not target.is_emulator:
        raise InputError("findings with ground truth can be emitted on the emulator only")
    credentials = boto3.Session().get_credentials()
    emitted: list[str] = []
    for start in range(0, len(findings), SEED_BATCH):
        body = json.dumps({"findings": list(findings[start : start + SEED_BATCH])})
        request = AWSRequest(
            method="POST",
            url=f"{target.endpoint_url}/detector/{detector_id}/{SEED_PATH}",
            data=body.encode("utf-8"),
            headers={"Content-Type": "application/json"},
        )
        SigV4Auth(credentials, "guardduty", target.region).add_auth(request)
        try:
            prepared = urllib.request.Request(request.url, data=body.encode("utf-8"), headers=dict(request.headers))
            with urllib.request.urlopen(prepared, timeout=60) as answer:
                emitted.extend(json.loads(answer.read())["findingIds"])
        except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
            raise ServiceError(f"the emulator did not take the findings ({error})") from error
    return emitted
