"""Fixtures for the exercise steps, the training run and the notebook context."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

BUCKET = "secml-tuples-test"


@pytest.fixture
def tuples_bucket(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty tuples bucket in moto's in-process mock of AWS."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-west-2")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
        yield BUCKET
