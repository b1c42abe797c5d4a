"""Lambda: each CloudTrail object an event names -> its own training part at
OUTPUT_BUCKET/PARTS_PREFIX<yyyy>/<mm>/<dd>/<part>.csv (secml_ingest.parts). Invoked per object by
S3 notifications (continuous ingest) and per batch by the backfill's Distributed Map. An object
that cannot be read fails the invocation with its key and reason, so it reaches the dead-letter
destination (asynchronous invocations) or the map run's failed batches (backfill)."""

from __future__ import annotations

import os
from typing import Any

import boto3

from secml_ingest.part_kinds import CLOUDTRAIL
from secml_ingest.parts import handle

# One client per execution environment, made at cold start and reused by every invocation.
s3_client = boto3.client("s3")


def handler(event: Any, context: Any) -> dict[str, Any]:
    return handle(s3_client, event, os.environ, CLOUDTRAIL)
