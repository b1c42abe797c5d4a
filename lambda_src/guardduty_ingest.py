"""Lambda: GuardDuty findings under INPUT_BUCKET/INPUT_PREFIX -> `principal,ip` scoring tuples at
OUTPUT_BUCKET/OUTPUT_KEY and the finding index at INDEX_KEY (row i describes tuple i).
Event: ``{"print": "none"|"short"|"full"}`` (the workshop's print_short/full_finding)."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

from secml_ingest.config import GuardDutyConfig
from secml_ingest.jobs import run_guardduty
from secml_ingest.printing import print_mode

# One client per execution environment, made at cold start and reused by every invocation.
s3_client = boto3.client("s3")


def handler(event: Any, context: Any) -> dict[str, Any]:
    config = GuardDutyConfig.from_environ(os.environ)
    mode = print_mode(event)
    summary = run_guardduty(s3_client, config, mode, emit=print)
    result = summary.as_dict() | {
        "output": f"s3://{config.output_bucket}/{config.output_key}",
        "index": f"s3://{config.output_bucket}/{config.index_key}",
    }
    for line in summary.lines():
        print(line)
    print(json.dumps(result))
    return result
