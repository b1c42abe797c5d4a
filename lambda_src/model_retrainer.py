"""Lambda: the retraining schedule's target. Picks the last WINDOW_DAYS days of training tuples in
TUPLES_BUCKET (secml_ingest.retraining), writes their manifest and window beside the run's
output (model/scheduled/<job>/), and starts a SageMaker training job of IP Insights on them, the
window's newest day held out as its validation channel (secml_ingest.retraining explains why).
When the job completes, the promoter (model_promoter) judges the model.

The event is the schedule's input: {"scheduled_time": "<aws.scheduler.scheduled-time>"}, which
EventBridge Scheduler fills in, so each run has its own job name and window. On the emulator the
tests invoke this function with the same input (moto fires no schedule)."""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import boto3

from secml_ingest.part_kinds import DEFAULT_PARTS_PREFIX
from secml_ingest.retraining import (
    OUTPUT_PREFIX,
    TRAIN_MANIFEST,
    VALIDATION_MANIFEST,
    WINDOW_FILE,
    hold_out_newest_day,
    job_name,
    manifest,
    training_job_request,
    training_window,
)
from secml_ingest.s3_sources import list_objects

s3_client = boto3.client("s3")
sagemaker_client = boto3.client("sagemaker")


def _scheduled_time(event: Any) -> dt.datetime:
    text = event.get("scheduled_time") if isinstance(event, dict) else None
    if not text:
        raise ValueError(f"the event names no scheduled_time: {json.dumps(event)[:300]}")
    return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def handler(event: Any, context: Any) -> dict[str, Any]:
    bucket = os.environ["TUPLES_BUCKET"]
    parts_prefix = os.environ.get("PARTS_PREFIX", DEFAULT_PARTS_PREFIX)
    when = _scheduled_time(event)
    keys = (stored.key for stored in list_objects(s3_client, bucket, parts_prefix))
    window = training_window(keys, when, int(os.environ.get("WINDOW_DAYS", "30")), parts_prefix)
    split = hold_out_newest_day(window, parts_prefix)
    name = job_name(when)
    folder = f"{OUTPUT_PREFIX}{name}/"
    s3_client.put_object(Bucket=bucket, Key=folder + TRAIN_MANIFEST, Body=manifest(bucket, split.train))
    validation_key = folder + VALIDATION_MANIFEST if split.validation else None
    if validation_key is not None:
        s3_client.put_object(Bucket=bucket, Key=validation_key, Body=manifest(bucket, split.validation))
    described = {
        "job": name,
        "window": window.as_dict(),
        "hold_out": split.as_dict(),
        "scheduled_time": when.isoformat(),
    }
    s3_client.put_object(Bucket=bucket, Key=folder + WINDOW_FILE, Body=json.dumps(described).encode("utf-8"))
    request = training_job_request(
        name=name, bucket=bucket, manifest_key=folder + TRAIN_MANIFEST, output_prefix=OUTPUT_PREFIX,
        settings=os.environ, validation_manifest_key=validation_key,
    )  # fmt: skip
    sagemaker_client.create_training_job(**request)
    print(json.dumps(described, sort_keys=True))
    return described
