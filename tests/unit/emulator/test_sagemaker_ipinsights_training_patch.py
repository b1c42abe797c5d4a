"""Training jobs of SageMaker's IP Insights image (patch sagemaker_ipinsights_training): upstream
moto completes them at once with no model and no validation metric; the patched emulator trains
with the local engine, writes model.tar.gz as the endpoint patch reads it, reports
validation:discriminator_auc and publishes the job's state change to EventBridge."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import boto3
import pytest
from ipinsights_endpoint import IMAGE
from moto import mock_aws

from secml.core.target import Target
from secml.emulator.patches.sagemaker_ipinsights_endpoint import local_model

REGION = "us-west-2"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
HYPERPARAMETERS = {"num_entity_vectors": "16", "vector_dim": "4", "epochs": "2", "mini_batch_size": "100"}


def _rows(principal: str, network: int, count: int) -> str:
    return "".join(f"{principal},10.{network}.{i}.1\n" for i in range(count))


def _bucket(name: str) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(
        Bucket=name, Key="parts/2026/03/09/a.csv", Body=(_rows("alice", 1, 60) + _rows("bob", 2, 60)).encode()
    )
    s3.put_object(Bucket=name, Key="parts/2026/03/10/b.csv", Body=(_rows("alice", 1, 9) + _rows("bob", 2, 9)).encode())
    s3.put_object(
        Bucket=name, Key="m/train.json", Body=json.dumps([{"prefix": f"s3://{name}/"}, "parts/2026/03/09/a.csv"])
    )
    s3.put_object(
        Bucket=name, Key="m/valid.json", Body=json.dumps([{"prefix": f"s3://{name}/"}, "parts/2026/03/10/b.csv"])
    )


def _channel(name: str, uri: str, data_type: str = "ManifestFile") -> dict[str, Any]:
    source = {"S3DataType": data_type, "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}
    return {"ChannelName": name, "ContentType": "text/csv", "DataSource": {"S3DataSource": source}}


def _train(job: str, bucket: str, channels: list[dict[str, Any]]) -> None:
    boto3.client("sagemaker", region_name=REGION).create_training_job(
        TrainingJobName=job,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        HyperParameters=HYPERPARAMETERS,
        InputDataConfig=channels,
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/out/"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )


def _finished(job: str, timeout_s: float = 120) -> dict[str, Any]:
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    deadline = time.monotonic() + timeout_s
    while True:
        described = sagemaker.describe_training_job(TrainingJobName=job)
        if described["TrainingJobStatus"] != "InProgress" or time.monotonic() > deadline:
            return described
        time.sleep(0.5)


def test_upstream_completes_an_ipinsights_job_at_once_without_a_model_or_validation_metric() -> None:
    with mock_aws():
        _bucket("upstream-training")
        _train(
            "secml-retrain-upstream", "upstream-training", [_channel("train", "s3://upstream-training/m/train.json")]
        )
        described = boto3.client("sagemaker", region_name=REGION).describe_training_job(
            TrainingJobName="secml-retrain-upstream"
        )
        assert described["TrainingJobStatus"] == "Completed"
        assert [m["MetricName"] for m in described["FinalMetricDataList"]] == ["train:progress"]
        key = described["ModelArtifacts"]["S3ModelArtifacts"].split("/", 3)[3]
        assert "Contents" not in boto3.client("s3", region_name=REGION).list_objects_v2(
            Bucket="upstream-training", Prefix=key
        )


@pytest.mark.emulator
def test_patched_emulator_trains_reports_the_validation_auc_and_publishes_the_state_change(
    emulator_env: Target,
) -> None:
    bucket, job = f"secml-training-{uuid.uuid4().hex[:8]}", f"secml-retrain-{uuid.uuid4().hex[:8]}"
    _bucket(bucket)
    events, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
    queue = sqs.create_queue(QueueName=job)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {"source": ["aws.sagemaker"], "detail-type": ["SageMaker Training Job State Change"],
               "detail": {"TrainingJobName": [job]}}  # fmt: skip
    events.put_rule(Name=job, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=job, Targets=[{"Id": "q", "Arn": queue_arn}])
    try:
        _train(job, bucket, [_channel("train", f"s3://{bucket}/m/train.json"),
                             _channel("validation", f"s3://{bucket}/m/valid.json")])  # fmt: skip
        described = _finished(job)
        assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
        (metric,) = described["FinalMetricDataList"]
        assert metric["MetricName"] == "validation:discriminator_auc" and 0.5 < metric["Value"] <= 1.0
        uri = described["ModelArtifacts"]["S3ModelArtifacts"]
        assert uri == f"s3://{bucket}/out/{job}/output/model.tar.gz"
        packed = boto3.client("s3", region_name=REGION).get_object(Bucket=bucket, Key=uri.split("/", 3)[3])["Body"]
        model = local_model(uri, packed.read())
        assert set(model.principals) == {"alice", "bob"}
        messages = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=5).get("Messages", [])
        (event,) = [json.loads(message["Body"]) for message in messages]
        assert event["source"] == "aws.sagemaker" and event["resources"] == [described["TrainingJobArn"]]
        assert event["detail"]["TrainingJobStatus"] == "Completed"
        assert event["detail"]["ModelArtifacts"] == {"S3ModelArtifacts": uri}
    finally:
        events.remove_targets(Rule=job, Ids=["q"])
        events.delete_rule(Name=job)


@pytest.mark.emulator
def test_patched_emulator_fails_a_job_whose_channel_is_missing_as_sagemaker_does(emulator_env: Target) -> None:
    bucket, job = f"secml-training-{uuid.uuid4().hex[:8]}", f"secml-retrain-{uuid.uuid4().hex[:8]}"
    _bucket(bucket)
    _train(job, bucket, [_channel("train", f"s3://{bucket}/m/none.json")])
    described = _finished(job)
    assert described["TrainingJobStatus"] == "Failed"
    assert "does not exist" in described["FailureReason"]
