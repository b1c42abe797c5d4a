"""GuardDuty's findings export (patch guardduty_publishing_destination): upstream moto has no
publishing destinations; the patched emulator refuses one GuardDuty could not write to, as AWS
does, and exports every finding it publishes as a gzipped JSON-lines object under the key."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from secml.core.target import Target

REGION = "ca-central-1"  # nothing else in the test suite uses it: its detector is this test's
BUCKET = "secml-test-findings-export"
GUARDDUTY = {"Service": "guardduty.amazonaws.com"}


def _policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_upstream_has_no_publishing_destinations() -> None:
    with mock_aws():
        guardduty = boto3.client("guardduty", region_name=REGION)
        detector_id = guardduty.create_detector(Enable=True)["DetectorId"]
        with pytest.raises(ClientError):
            guardduty.create_publishing_destination(
                DetectorId=detector_id,
                DestinationType="S3",
                DestinationProperties={"DestinationArn": f"arn:aws:s3:::{BUCKET}", "KmsKeyArn": "arn:aws:kms:x"},
            )


@pytest.fixture
def detector_bucket_and_key(emulator_env: Target) -> Iterator[tuple[str, str]]:
    """A detector, a bucket and a key in REGION, with no policy letting GuardDuty use them."""
    guardduty, s3 = boto3.client("guardduty", region_name=REGION), boto3.client("s3", region_name=REGION)
    detector_id = guardduty.create_detector(Enable=True)["DetectorId"]
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    key_arn = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["Arn"]
    yield detector_id, key_arn
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)
    guardduty.delete_detector(DetectorId=detector_id)


@pytest.mark.emulator
def test_a_destination_guardduty_cannot_write_to_is_refused_then_every_finding_is_exported(
    detector_bucket_and_key: tuple[str, str],
) -> None:
    detector_id, key_arn = detector_bucket_and_key
    guardduty, s3 = boto3.client("guardduty", region_name=REGION), boto3.client("s3", region_name=REGION)
    properties = {"DestinationArn": f"arn:aws:s3:::{BUCKET}/export", "KmsKeyArn": key_arn}

    def create() -> str:
        answer = guardduty.create_publishing_destination(
            DetectorId=detector_id, DestinationType="S3", DestinationProperties=properties
        )
        return str(answer["DestinationId"])

    with pytest.raises(ClientError, match="bucket policy must allow s3:PutObject"):
        create()
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=_policy({"Effect": "Allow", "Principal": GUARDDUTY, "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{BUCKET}/export/*"}),
    )  # fmt: skip
    with pytest.raises(ClientError, match="key policy must allow kms:GenerateDataKey"):
        create()
    boto3.client("kms", region_name=REGION).put_key_policy(
        KeyId=key_arn,
        PolicyName="default",
        Policy=_policy(
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"},
            {"Effect": "Allow", "Principal": GUARDDUTY, "Action": "kms:GenerateDataKey", "Resource": "*"},
        ),
    )
    destination_id = create()
    described = guardduty.describe_publishing_destination(DetectorId=detector_id, DestinationId=destination_id)
    assert described["Status"] == "PUBLISHING" and described["DestinationProperties"] == properties
    listed = guardduty.list_publishing_destinations(DetectorId=detector_id)["Destinations"]
    assert [d["DestinationId"] for d in listed] == [destination_id]

    guardduty.create_sample_findings(DetectorId=detector_id, FindingTypes=["Recon:IAMUser/MaliciousIPCaller"])
    (item,) = s3.list_objects_v2(Bucket=BUCKET, Prefix="export/")["Contents"]
    account = boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]
    parts = item["Key"].split("/")
    assert parts[:5] == ["export", "AWSLogs", account, "GuardDuty", REGION] and parts[-1].endswith(".jsonl.gz")
    head = s3.head_object(Bucket=BUCKET, Key=item["Key"])
    assert head["ServerSideEncryption"] == "aws:kms" and head["SSEKMSKeyId"] == key_arn
    exported = gzip.decompress(s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()).decode().splitlines()
    finding_ids = guardduty.list_findings(DetectorId=detector_id)["FindingIds"]
    assert [json.loads(line)["id"] for line in exported] == finding_ids

    guardduty.delete_publishing_destination(DetectorId=detector_id, DestinationId=destination_id)
    assert guardduty.list_publishing_destinations(DetectorId=detector_id)["Destinations"] == []
