"""Which stored objects are inputs, and listing all of them (every page, not the first 1,000).

Skips are decided by key and size alone, before any download, and counted by reason: CloudTrail
digest files (``CloudTrail-Digest``), zero-byte objects, folder markers and keys that are not
JSON logs. An object named explicitly (a file given by path, an exact S3 key) is read whatever its
name ends with: Firehose archives have no extension or only ``.gz``, and the user chose it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

DIGEST_FILE = "digest_file"
EMPTY_OBJECT = "empty_object"
FOLDER_MARKER = "folder_marker"
NOT_A_LOG_FILE = "not_a_log_file"
NOT_A_FINDINGS_FILE = "not_a_findings_file"

CLOUDTRAIL_SUFFIXES = (".json.gz", ".json")
# Firehose archives of EventBridge events end `.gz` when compressed (else have no extension).
GUARDDUTY_SUFFIXES = (".json", ".json.gz", ".jsonl", ".jsonl.gz", ".gz")


class StoredObject(NamedTuple):
    key: str
    size: int


def list_objects(s3: Any, bucket: str, prefix: str) -> Iterator[StoredObject]:
    """Every object under `prefix`, across all pages of ListObjectsV2."""
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            yield StoredObject(item["Key"], int(item["Size"]))


def _common_skip_reason(stored: StoredObject) -> str | None:
    if stored.key.endswith("/"):
        return FOLDER_MARKER
    if stored.size == 0:
        return EMPTY_OBJECT
    return None


def cloudtrail_skip_reason(stored: StoredObject, named: bool = False) -> str | None:
    """Why a CloudTrail input object is not read, or None to read it. Both the account layout
    (``AWSLogs/<account>/CloudTrail/...``) and the organization layout
    (``AWSLogs/o-<org>/<account>/CloudTrail/...``) hold ``.json.gz`` logs; digests sit beside
    them under ``CloudTrail-Digest/``. A `named` object skips the suffix rule only."""
    if "CloudTrail-Digest" in stored.key:
        return DIGEST_FILE
    if (reason := _common_skip_reason(stored)) is not None:
        return reason
    return None if named or stored.key.endswith(CLOUDTRAIL_SUFFIXES) else NOT_A_LOG_FILE


def guardduty_skip_reason(stored: StoredObject, named: bool = False) -> str | None:
    """Why a GuardDuty input object is not read, or None to read it."""
    if (reason := _common_skip_reason(stored)) is not None:
        return reason
    return None if named or stored.key.endswith(GUARDDUTY_SUFFIXES) else NOT_A_FINDINGS_FILE
