"""Lambda: each GuardDuty findings object an event names (GuardDuty's S3 export, a Firehose
archive of EventBridge events, a findings JSON) -> its own scoring part at
OUTPUT_BUCKET/PARTS_PREFIX<yyyy>/<mm>/<dd>/<part>.csv (default infer/parts/) and its finding index
under the same name at INDEX_PARTS_PREFIX (default infer/parts-index/): row i describes tuple i.
Invoked per object by S3 notifications on the export prefix; an object that cannot be read fails
the invocation with its key and reason, so it reaches the dead-letter destination."""

from __future__ import annotations

import os
from typing import Any

import boto3

from secml_ingest.part_kinds import GUARDDUTY
from secml_ingest.parts import handle

# One client per execution environment, made at cold start and reused by every invocation.
s3_client = boto3.client("s3")


def handler(event: Any, context: Any) -> dict[str, Any]:
    return handle(s3_client, event, os.environ, GUARDDUTY)
