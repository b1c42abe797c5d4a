"""Lambda: CloudTrail logs under INPUT_BUCKET/INPUT_PREFIX -> `principal,ip` training tuples at
OUTPUT_BUCKET/OUTPUT_KEY (IPv6 tuples at IPV6_OUTPUT_KEY). Event: ``{"print": "none"|"short"|"full"}``."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3

from secml_ingest.config import CloudTrailConfig
from secml_ingest.jobs import run_cloudtrail
from secml_ingest.printing import print_mode

# One client per execution environment, made at cold start and reused by every invocation.
s3_client = boto3.client("s3")


def handler(event: Any, context: Any) -> dict[str, Any]:
    config = CloudTrailConfig.from_environ(os.environ)
    mode = print_mode(event)
    summary = run_cloudtrail(s3_client, config, mode, emit=print)
    result = summary.as_dict() | {
        "output": f"s3://{config.output_bucket}/{config.output_key}",
        "ipv6_output": f"s3://{config.output_bucket}/{config.ipv6_output_key}",
    }
    for line in summary.lines():
        print(line)
    print(json.dumps(result))
    return result
