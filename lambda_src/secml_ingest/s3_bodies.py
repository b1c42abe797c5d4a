"""Fetching one listed object's bytes, where S3 may refuse: access denied, a key deleted since it
was listed, a trail encrypted with a KMS key the reader may not use. Such an object is reported
and skipped like a corrupt one, so one of them does not stop the run. Kept apart from listing
because it needs botocore, which a local backfill never loads."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from secml_ingest.errors import BadObjectError


def object_body(s3: Any, bucket: str, key: str) -> bytes:
    """The object's bytes; BadObjectError("cannot read: <error code>") when S3 will not give them."""
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code") or "unknown error"
        raise BadObjectError(f"cannot read: {code}") from None
    except BotoCoreError as error:
        raise BadObjectError(f"cannot read: {error}") from None
