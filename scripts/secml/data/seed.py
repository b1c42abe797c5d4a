"""Uploading the default corpus where the stack's ingest functions read it (the stack's own bucket
by default, on AWS and on the emulator alike), so a first run needs no trail of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from secml.core.target import Target
from secml.data.corpus import CorpusSummary, generate_into
from secml.data.size import DEFAULT_SIZE, CorpusSize

SEED = 0


def ensure_bucket(s3: Any, bucket: str, region: str) -> None:
    """Create `bucket` unless it exists (us-east-1 takes no location constraint)."""
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    options = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **options)


def upload_corpus(
    target: Target,
    cloudtrail: tuple[str, str],
    guardduty: tuple[str, str],
    truth_path: Path,
    size: CorpusSize = DEFAULT_SIZE,
) -> CorpusSummary:
    """Write the corpus for `SEED` to `s3://<bucket>/<prefix>` of each input on `target`."""
    s3 = boto3.client("s3", region_name=target.region)
    for bucket, _ in (cloudtrail, guardduty):
        ensure_bucket(s3, bucket, target.region)
    return generate_into(
        f"s3://{cloudtrail[0]}/{cloudtrail[1]}",
        f"s3://{guardduty[0]}/{guardduty[1]}",
        truth_path,
        seed=SEED,
        size=size,
        s3_client=s3,
    )
