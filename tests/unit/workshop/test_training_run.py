from __future__ import annotations

import boto3
import pytest

from secml.core.errors import NotReadyError
from secml.workshop import training_run
from secml.workshop.training_run import TrainingRun, TupleFiles

INGEST_RESULTS = (
    {"output": "s3://b/t/train.csv", "tuples_written": 3},
    {"output": "s3://b/i/infer.csv", "index": "s3://b/i/index.csv", "tuples_written": 2},
)


def test_a_run_keeps_its_files_apart_from_the_ingest_outputs() -> None:
    run = TrainingRun.in_bucket("bucket", "run1")
    assert run.train_tuples == "s3://bucket/train/cloudtrail_tuples.csv"
    assert run.guardduty_tuples == "s3://bucket/infer/guardduty_tuples.csv"
    assert run.finding_index == "s3://bucket/infer/guardduty_findings.csv"
    assert run.fit_channel == "s3://bucket/model/run1/channels/train.csv"
    assert run.validation_channel == "s3://bucket/model/run1/channels/validation.csv"
    assert run.model == "s3://bucket/model/run1"
    assert run.guardduty_scores == "s3://bucket/scores/run1/guardduty_scores.csv"
    assert run.validation_scores == "s3://bucket/scores/run1/validation_scores.csv"
    assert run.contrast_channel == "s3://bucket/model/run1/channels/contrast.csv"
    assert run.contrast_scores == "s3://bucket/scores/run1/contrast_scores.csv"


def test_the_inputs_are_where_the_functions_reported_writing() -> None:
    assert TupleFiles.from_results(*INGEST_RESULTS) == TupleFiles(
        "s3://b/t/train.csv", "s3://b/i/infer.csv", "s3://b/i/index.csv"
    )
    with pytest.raises(NotReadyError, match="has no 'index'"):
        TupleFiles.from_results(INGEST_RESULTS[0], {"output": "s3://b/i/infer.csv"})


def test_missing_tuples_name_the_step_that_writes_them(tuples_bucket: str) -> None:
    run = TrainingRun.in_bucket(tuples_bucket, "run1")
    with pytest.raises(NotReadyError, match=r"train/cloudtrail_tuples.csv is missing; run exercise 2.1 first"):
        training_run.require_tuples(run)
    s3 = boto3.client("s3", region_name="us-west-2")
    s3.put_object(Bucket=tuples_bucket, Key="train/cloudtrail_tuples.csv", Body=b"a,1.1.1.1\n")
    with pytest.raises(NotReadyError, match=r"guardduty_tuples.csv is missing; run exercise 2.2 first"):
        training_run.require_tuples(run)
    s3.put_object(Bucket=tuples_bucket, Key="infer/guardduty_tuples.csv", Body=b"a,1.1.1.1\n")
    s3.put_object(Bucket=tuples_bucket, Key="infer/guardduty_findings.csv", Body=b"finding_id\n")
    training_run.require_tuples(run)


def test_hold_out_streams_both_channels_by_distinct_pair(tuples_bucket: str) -> None:
    s3 = boto3.client("s3", region_name="us-west-2")
    lines = [f"user{i % 5},10.0.0.{i % 40}" for i in range(400)]  # 40 distinct pairs, 10 times each
    s3.put_object(Bucket=tuples_bucket, Key="train/cloudtrail_tuples.csv", Body="\n".join(lines).encode() + b"\n")
    run = TrainingRun.in_bucket(tuples_bucket, "run1")
    split = training_run.hold_out_validation(run, seed=0, share=0.25)
    fit = s3.get_object(Bucket=tuples_bucket, Key="model/run1/channels/train.csv")["Body"].read().decode()
    held = s3.get_object(Bucket=tuples_bucket, Key="model/run1/channels/validation.csv")["Body"].read().decode()
    assert (split.fit_pairs, split.held_out_pairs) == (len(fit.splitlines()), len(held.splitlines()))
    assert sorted(fit.splitlines() + held.splitlines()) == sorted(lines)
    assert not set(fit.splitlines()) & set(held.splitlines())
    assert split.held_out_pairs % 10 == 0 and split.held_out_pairs > 0


def test_contrast_pairs_pair_each_held_out_principal_with_an_address_it_never_used(tuples_bucket: str) -> None:
    s3 = boto3.client("s3", region_name="us-west-2")
    lines = [f"user{i % 5},10.0.{i % 5}.{i % 40}" for i in range(400)]
    s3.put_object(Bucket=tuples_bucket, Key="train/cloudtrail_tuples.csv", Body="\n".join(lines).encode() + b"\n")
    run = TrainingRun.in_bucket(tuples_bucket, "run1")
    training_run.hold_out_validation(run, seed=0, share=0.25)
    written = training_run.write_contrast(run, seed=0)
    contrast = s3.get_object(Bucket=tuples_bucket, Key="model/run1/channels/contrast.csv")["Body"].read().decode()
    held = s3.get_object(Bucket=tuples_bucket, Key="model/run1/channels/validation.csv")["Body"].read().decode()
    fit = set(s3.get_object(Bucket=tuples_bucket, Key="model/run1/channels/train.csv")["Body"].read().decode().split())
    pairs = contrast.split()
    assert written == len(pairs) == len(held.split())
    assert [p.split(",")[0] for p in pairs] == [h.split(",")[0] for h in held.split()]
    assert not set(pairs) & fit
    training_run.write_contrast(run, seed=0)
    again = s3.get_object(Bucket=tuples_bucket, Key="model/run1/channels/contrast.csv")["Body"].read().decode()
    assert again == contrast
