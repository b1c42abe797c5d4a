"""The scheduled retraining's hold-out and the promoter Lambda (secml_ingest.retraining,
secml_ingest.promoter, lambda_src/model_promoter.py): pure rules, then the retrainer and promoter
handlers on the emulator, whose IP Insights training jobs train with the local engine."""

from __future__ import annotations

import datetime as dt
import gzip
import importlib
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ipinsights_endpoint import IMAGE
from sagemaker_recorder import make_bucket, make_execution_role

from secml.core.target import Target
from secml.ipinsights import cleanup
from secml_ingest.endpoint_scoring import request_body, training_principals
from secml_ingest.promoter import (
    NotForUsError,
    channel_uri,
    completed_training_job,
    csv_pairs,
    final_auc,
    manifest_objects,
    principals_listing,
    request_batches,
    sample_pairs,
    serverless_endpoint_name,
)
from secml_ingest.retraining import hold_out_newest_day, training_job_request, training_window

NOW = dt.datetime(2026, 3, 10, 6, 0, tzinfo=dt.timezone.utc)
SETTINGS = {"TRAINING_IMAGE": IMAGE, "INSTANCE_TYPE": "ml.m5.xlarge", "KMS_KEY_ARN": "arn:aws:kms:us-west-2:123456789012:key/k",
            "HYPERPARAMETERS": json.dumps({"num_entity_vectors": 64, "vector_dim": 8, "epochs": 4,
                                           "mini_batch_size": 100, "random_negative_sampling_rate": 2})}  # fmt: skip


def event(job: str, status: str = "Completed") -> dict[str, Any]:
    """The event SageMaker sends when a training job changes state (as the rule delivers it)."""
    return {
        "source": "aws.sagemaker",
        "detail-type": "SageMaker Training Job State Change",
        "detail": {"TrainingJobName": job, "TrainingJobStatus": status},
    }


def test_the_newest_day_is_held_out_for_validation_and_one_day_trains_without() -> None:
    keys = ["train/parts/2026/03/08/a.csv", "train/parts/2026/03/10/b.csv", "train/parts/2026/03/10/c.csv"]
    split = hold_out_newest_day(training_window(keys, NOW, 7))
    assert split.train == ("train/parts/2026/03/08/a.csv",)
    assert split.validation == ("train/parts/2026/03/10/b.csv", "train/parts/2026/03/10/c.csv")
    assert split.as_dict() == {"train_objects": 1, "validation_objects": 2, "validation_day": "2026-03-10"}
    one_day = hold_out_newest_day(training_window(keys[1:], NOW, 7))
    assert one_day.train == tuple(keys[1:]) and one_day.validation == () and one_day.validation_day is None
    batch = hold_out_newest_day(training_window([], NOW, 7))
    assert batch.train == ("train/cloudtrail_tuples.csv",) and batch.validation == ()


def test_the_job_reads_validation_from_its_own_manifest() -> None:
    request = training_job_request(name="j", bucket="b", manifest_key="m/t.json", output_prefix="o/",
                                   settings={**SETTINGS, "ROLE_ARN": "r"}, validation_manifest_key="m/v.json")  # fmt: skip
    assert (
        channel_uri(request, "train") == "s3://b/m/t.json" and channel_uri(request, "validation") == "s3://b/m/v.json"
    )
    assert {"Key": "secml:managed", "Value": "true"} in request["Tags"]
    alone = training_job_request(name="j", bucket="b", manifest_key="m/t.json", output_prefix="o/",
                                 settings={**SETTINGS, "ROLE_ARN": "r"})  # fmt: skip
    assert channel_uri(alone, "validation") is None


def test_only_completed_scheduled_jobs_are_promoted_and_their_metric_is_read() -> None:
    assert completed_training_job(event("secml-retrain-20260310-060000")) == "secml-retrain-20260310-060000"
    for refused in (event("secml-ipinsights-x"), event("secml-retrain-x", "Failed"), {"source": "aws.guardduty"}, []):
        with pytest.raises(NotForUsError):
            completed_training_job(refused)
    described = {"FinalMetricDataList": [{"MetricName": "train:progress", "Value": 100.0},
                                         {"MetricName": "validation:discriminator_auc", "Value": 0.93}]}  # fmt: skip
    assert final_auc(described) == 0.93 and final_auc({}) is None
    assert serverless_endpoint_name("secml-retrain-20260310-060000") == "secml-retrain-20260310-060000-serverless"


def test_manifests_pairs_principals_samples_and_batches() -> None:
    assert manifest_objects(b'[{"prefix": "s3://b/train/"}, "p/1.csv"]') == [("b", "train/p/1.csv")]
    assert list(csv_pairs(b'alice,10.0.0.1\n"fed,user",10.0.0.2\n\n')) == [
        ("alice", "10.0.0.1"),
        ("fed,user", "10.0.0.2"),
    ]
    assert training_principals(principals_listing(["bob", "alice", "bob"]), "x") == {"alice", "bob"}
    assert gzip.decompress(principals_listing(["bob", "alice"])) == b"alice\nbob\n"
    pairs = [("a", "10.0.0.1"), ("a", "10.0.0.1"), ("a", "2001:db8::1"), ("b", "bad"), ("b", "10.0.0.2")]
    assert sample_pairs(pairs) == [("a", 167772161), ("b", 167772162)]
    many = [(f"p{i % 50}", f"10.0.{i // 256}.{i % 256}") for i in range(5000)]
    assert len(sample_pairs(many, 100)) == 100 and sample_pairs(many, 100) == sample_pairs(reversed(many), 100)
    assert sample_pairs(many + many, 100) == sample_pairs(many, 100) != sample_pairs(many, 100, seed=1)
    assert set(sample_pairs(many, 100)) <= set(sample_pairs(many))
    assert len({principal for principal, _ in sample_pairs(many, 1000)}) == 50  # spread, not the first rows
    scorable = sample_pairs(many)
    batches = list(request_batches(scorable, max_bytes=2000))
    assert [pair for batch in batches for pair in batch] == scorable
    assert all(len(request_body(batch)) <= 2000 for batch in batches) and len(batches) > 10


# --- the handlers on the emulator ------------------------------------------------------------


def _rows(principal: str, network: int, count: int, offset: int = 0) -> bytes:
    return "".join(f"{principal},10.{network}.{(i + offset) % 256}.{i // 256 + 1}\n" for i in range(count)).encode()


@pytest.fixture
def handlers(emulator_env: Target, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A tuples bucket with three days of parts, and both handlers with clients of the emulator."""
    retrainer, promoter = importlib.import_module("model_retrainer"), importlib.import_module("model_promoter")
    for module in (retrainer, promoter):
        monkeypatch.setattr(module, "s3_client", boto3.client("s3"))
        monkeypatch.setattr(module, "sagemaker_client", boto3.client("sagemaker"))
    monkeypatch.setattr(promoter, "runtime_client", boto3.client("sagemaker-runtime"))
    bucket = f"secml-test-{uuid.uuid4().hex[:12]}"
    make_bucket(bucket, emulator_env.region)
    s3 = boto3.client("s3")
    for day, offset in (("08", 0), ("09", 100), ("10", 200)):
        body = _rows("alice", 1, 300, offset) + _rows("bob", 2, 300, offset) + _rows("carol", 3, 300, offset)
        s3.put_object(Bucket=bucket, Key=f"train/parts/2026/03/{day}/part.csv", Body=body)
    for name, value in {**SETTINGS, "ROLE_ARN": make_execution_role(bucket), "TUPLES_BUCKET": bucket,
                        "WINDOW_DAYS": "7", "ENDPOINT_WAIT_S": "60"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    yield {"bucket": bucket, "retrain": retrainer.handler, "promote": promoter.handler}


def _at(hour: int) -> dict[str, str]:
    """The schedule's input at `hour` on 2026-03-10, at a minute and second of this run's own
    (job names come from the time, and the emulator is shared with other tests)."""
    minute, second = divmod(uuid.uuid4().int % 3600, 60)
    return {"scheduled_time": f"2026-03-10T{hour:02d}:{minute:02d}:{second:02d}Z"}


def _trained(job: str) -> dict[str, Any]:
    sagemaker, deadline = boto3.client("sagemaker"), time.monotonic() + 180
    while (described := sagemaker.describe_training_job(TrainingJobName=job))["TrainingJobStatus"] == "InProgress":
        assert time.monotonic() < deadline, f"{job} still training"
        time.sleep(0.5)
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    return described


def _registry(bucket: str) -> dict[str, Any]:
    return dict(json.loads(boto3.client("s3").get_object(Bucket=bucket, Key="models/current.json")["Body"].read()))


def _endpoints() -> list[str]:
    return [
        e["EndpointName"] for e in boto3.client("sagemaker").list_endpoints(NameContains="secml-retrain")["Endpoints"]
    ]


@pytest.mark.emulator
def test_a_completed_job_is_served_calibrated_promoted_and_a_worse_one_refused(
    handlers: dict[str, Any], capsys: pytest.CaptureFixture[str], emulator_env: Target
) -> None:
    bucket, s3 = handlers["bucket"], boto3.client("s3")
    started = handlers["retrain"](_at(6), None)
    job = started["job"]
    assert started["hold_out"] == {"train_objects": 2, "validation_objects": 1, "validation_day": "2026-03-10"}
    auc = final_auc(_trained(job))
    assert auc is not None and auc > 0.6
    try:
        promoted = handlers["promote"](event(job), None)
        assert promoted["decision"] == "promoted" and promoted["endpoint"] == f"{job}-serverless"
        assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["decision"] == "promoted"
        current = _registry(bucket)["current"]
        assert (current["model_id"], current["endpoint"], current["validation_auc"]) == (job, f"{job}-serverless", auc)
        assert current["threshold"]["false_positive_rate"] == 0.01 and current["threshold"]["calibration_pairs"] == 900
        assert current["training_window"]["start"] == "2026-03-04"
        listed = s3.get_object(Bucket=bucket, Key=f"models/{job}/principals.txt.gz")["Body"].read()
        assert training_principals(listed, "x") == {"alice", "bob", "carol"}
        assert f"{job}-serverless" in _endpoints()

        again = handlers["promote"](event(job), None)  # a retried delivery decides nothing twice
        assert again["decision"] == "promoted" and len(_registry(bucket)["history"]) == 1

        document = _registry(bucket)  # the current model's AUC forced above any retrained one's
        document["current"]["validation_auc"] = 2.0
        s3.put_object(Bucket=bucket, Key="models/current.json", Body=json.dumps(document).encode())
        second = handlers["retrain"](_at(7), None)["job"]
        _trained(second)
        refused = handlers["promote"](event(second), None)
        assert refused["decision"] == "refused" and "worse than the current 2.0000" in refused["reason"]
        after = _registry(bucket)
        assert after["current"]["model_id"] == job
        assert [(r["model_id"], r["decision"]) for r in after["history"]] == [(job, "promoted"), (second, "refused")]
        assert f"{second}-serverless" not in _endpoints()
        assert not s3.list_objects_v2(Bucket=bucket, Prefix=f"models/{second}/").get("Contents")

        document = _registry(bucket)  # now the current model's AUC below any retrained one's
        document["current"]["validation_auc"] = 0.0
        s3.put_object(Bucket=bucket, Key="models/current.json", Body=json.dumps(document).encode())
        third = handlers["retrain"](_at(8), None)["job"]
        _trained(third)
        assert handlers["promote"](event(third), None)["decision"] == "promoted"
        current = _registry(bucket)["current"]
        assert (current["model_id"], current["previous"]["endpoint"]) == (third, f"{job}-serverless")
        assert _endpoints() == [f"{third}-serverless"]  # the replaced endpoint is gone

        deleted = cleanup.delete_hosted_resources(emulator_env)  # `secml cleanup` finds the promoter's
        name = f"{third}-serverless"
        assert {f"endpoint/{name}", f"endpoint-config/{name}", f"model/{name}"} <= set(deleted)
    finally:
        sagemaker = boto3.client("sagemaker")
        for name in _endpoints():
            sagemaker.delete_endpoint(EndpointName=name)


@pytest.mark.emulator
def test_a_job_without_validation_is_refused_before_anything_is_created(handlers: dict[str, Any]) -> None:
    bucket, s3 = handlers["bucket"], boto3.client("s3")
    for day in ("08", "09"):
        s3.delete_object(Bucket=bucket, Key=f"train/parts/2026/03/{day}/part.csv")
    job = handlers["retrain"](_at(9), None)["job"]
    assert final_auc(_trained(job)) is None
    refused = handlers["promote"](event(job), None)
    assert refused["decision"] == "refused" and "no validation channel" in refused["reason"]
    assert _registry(bucket)["current"] is None and f"{job}-serverless" not in _endpoints()
