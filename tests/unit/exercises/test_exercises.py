from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from secml import exercises
from secml.errors import CommandError
from secml.target import Target


def test_a_run_keeps_its_files_apart_from_the_ingest_outputs() -> None:
    run = exercises.TrainingRun("bucket", "run1")
    assert run.train_tuples == "s3://bucket/train/cloudtrail_tuples.csv"
    assert run.guardduty_tuples == "s3://bucket/infer/guardduty_tuples.csv"
    assert run.finding_index == "s3://bucket/infer/guardduty_findings.csv"
    assert run.fit_channel == "s3://bucket/model/run1/channels/train.csv"
    assert run.validation_channel == "s3://bucket/model/run1/channels/validation.csv"
    assert run.model == "s3://bucket/model/run1"
    assert run.guardduty_scores == "s3://bucket/scores/run1/guardduty_scores.csv"
    assert run.validation_scores == "s3://bucket/scores/run1/validation_scores.csv"


def test_long_logs_are_previewed_and_kept_whole(tmp_path: Path) -> None:
    log = "\n".join(f"line {i}" for i in range(100))
    shown = exercises.preview(log, tmp_path / "logs" / "1.2-full.log", lines=5)
    assert shown.splitlines()[:5] == [f"line {i}" for i in range(5)]
    assert shown.splitlines()[-1] == f"... 95 more lines in {tmp_path / 'logs' / '1.2-full.log'}"
    assert (tmp_path / "logs" / "1.2-full.log").read_text() == log
    assert exercises.preview("short", tmp_path / "short.log") == "short"


def test_a_function_result_fits_on_one_line() -> None:
    payload = {"tuples_written": 120, "findings_skipped": {"no_access_key_details": 30}, "bad_objects": ["a"] * 500}
    assert exercises.payload_summary(payload) == (
        'tuples_written: 120; findings_skipped: {"no_access_key_details": 30}; bad_objects: 500 items'
    )
    assert exercises.payload_summary(None) == "null"


def test_training_summary_shows_single_numbers_only() -> None:
    summary = exercises.training_summary(
        {"backend": "local", "train_pairs": 10, "validation:discriminator_auc": 0.98765, "epochs": [{}]}
    )
    assert summary == "backend=local, train_pairs=10, validation:discriminator_auc=0.9877"


def test_unknown_exercise_is_a_clear_error() -> None:
    workshop = exercises.Workshop(Target("local", "us-west-2", 5999), exercises.ExerciseOptions())
    with pytest.raises(CommandError, match="no exercise 3: choose one of 1, 2, 1.1"):
        exercises.run_exercise("3", workshop)


def test_exercises_group_the_workshop_steps() -> None:
    assert exercises.EXERCISES["1"] == ("1.1", "1.2")
    assert exercises.EXERCISES["2"] == ("2.1", "2.2", "2.4")
    assert all(exercises.EXERCISES[step] == (step,) for step in exercises.STEPS)


def test_missing_tuples_name_the_step_that_writes_them(tuples_bucket: str) -> None:
    run = exercises.TrainingRun(tuples_bucket, "run1")
    with pytest.raises(CommandError, match=r"train/cloudtrail_tuples.csv is missing; run exercise 2.1 first"):
        exercises.require_tuples(run)
    s3 = boto3.client("s3", region_name="us-west-2")
    s3.put_object(Bucket=tuples_bucket, Key=exercises.TRAIN_TUPLES_KEY, Body=b"a,1.1.1.1\n")
    with pytest.raises(CommandError, match=r"guardduty_tuples.csv is missing; run exercise 2.2 first"):
        exercises.require_tuples(run)
    s3.put_object(Bucket=tuples_bucket, Key=exercises.GUARDDUTY_TUPLES_KEY, Body=b"a,1.1.1.1\n")
    s3.put_object(Bucket=tuples_bucket, Key=exercises.FINDING_INDEX_KEY, Body=b"finding_id\n")
    exercises.require_tuples(run)


def test_hold_out_writes_both_channels(tuples_bucket: str) -> None:
    s3 = boto3.client("s3", region_name="us-west-2")
    pairs = b"".join(f"user{i % 5},10.0.0.{i % 200}\n".encode() for i in range(200))
    s3.put_object(Bucket=tuples_bucket, Key=exercises.TRAIN_TUPLES_KEY, Body=pairs)
    run = exercises.TrainingRun(tuples_bucket, "run1")
    split = exercises.hold_out_validation(run, seed=0)
    assert (split.fit_pairs, split.held_out_pairs) == (180, 20)
    fit = s3.get_object(Bucket=tuples_bucket, Key="model/run1/channels/train.csv")["Body"].read()
    held = s3.get_object(Bucket=tuples_bucket, Key="model/run1/channels/validation.csv")["Body"].read()
    assert sorted(fit.splitlines() + held.splitlines()) == sorted(pairs.splitlines())
