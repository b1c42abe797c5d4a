"""The scheduled retraining's window and training job request (secml_ingest.retraining)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from secml_ingest.retraining import job_name, manifest, part_day, training_job_request, training_window

NOW = dt.datetime(2026, 3, 10, 6, 0, tzinfo=dt.timezone.utc)
KEYS = [
    "train/parts/2026/03/10/a.csv",
    "train/parts/2026/03/04/b.csv",
    "train/parts/2026/03/03/c.csv",  # one day too old for a 7-day window
    "train/parts/2026/02/30/bad-date.csv",
    "train/parts/notes.txt",
]


def test_the_window_takes_the_parts_of_the_last_days_only() -> None:
    window = training_window(KEYS, NOW, 7)
    assert window.keys == ("train/parts/2026/03/04/b.csv", "train/parts/2026/03/10/a.csv")
    assert window.as_dict() == {"start": "2026-03-04", "end": "2026-03-10", "source": "parts", "objects": 2}


def test_without_parts_in_the_window_it_falls_back_to_the_batch_tuples() -> None:
    window = training_window(KEYS, NOW + dt.timedelta(days=30), 7)
    assert window.source == window.keys[0] == "train/cloudtrail_tuples.csv"


def test_part_days_and_bad_windows() -> None:
    assert part_day("train/parts/2026/03/10/a.csv") == dt.date(2026, 3, 10)
    assert part_day("train/parts/2026/02/30/x.csv") is None and part_day("other/2026/03/10/a.csv") is None
    with pytest.raises(ValueError, match="at least one day"):
        training_window(KEYS, NOW, 0)


def test_the_job_reads_exactly_the_manifest_and_is_named_by_its_scheduled_time() -> None:
    assert json.loads(manifest("b", ["k1", "k2"])) == [{"prefix": "s3://b/"}, "k1", "k2"]
    name = job_name(NOW)
    assert name == "secml-retrain-20260310-060000"
    settings = {"TRAINING_IMAGE": "img", "ROLE_ARN": "arn:role", "INSTANCE_TYPE": "ml.m5.xlarge",
                "KMS_KEY_ARN": "arn:key", "HYPERPARAMETERS": json.dumps({"epochs": 2})}  # fmt: skip
    request = training_job_request(
        name=name, bucket="b", manifest_key="m.json", output_prefix="model/s/", settings=settings
    )
    source = request["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert source == {
        "S3DataType": "ManifestFile",
        "S3Uri": "s3://b/m.json",
        "S3DataDistributionType": "FullyReplicated",
    }
    assert (
        request["HyperParameters"] == {"epochs": "2"}
        and request["OutputDataConfig"]["S3OutputPath"] == "s3://b/model/s/"
    )
