"""The scheduled retraining's inputs: which training tuples the last N days are, and the SageMaker
CreateTrainingJob request that trains IP Insights on them.

The window is the training parts (`<parts prefix><yyyy>/<mm>/<dd>/<part>.csv`, written per
CloudTrail object) whose day lies in the N days up to the scheduled time; when no part does
(a stack that only ever ran the batch ingest), it is the whole `train/cloudtrail_tuples.csv`.
The chosen objects are listed in a SageMaker manifest file, so the job reads exactly them.

Validation is a temporal hold-out: the parts of the window's newest day form the `validation`
channel (so IP Insights reports validation:discriminator_auc, and the promoter calibrates the
threshold on pairs the model never saw) and are left out of `train`. Holding out the newest day,
not a random sample, asks what promotion needs to know: how the model does on the activity that
comes after its training data. A window with parts of one day only (or the batch tuples file) has
no day to spare: it trains without validation, and the promoter refuses the model (no AUC to
judge it by, no held-out pairs to calibrate on) rather than train on nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from secml_ingest.config import DEFAULT_CLOUDTRAIL_OUTPUT_KEY
from secml_ingest.part_kinds import DEFAULT_PARTS_PREFIX

_PART_DAY = re.compile(r"(\d{4})/(\d{2})/(\d{2})/[^/]+\.csv$")
JOB_NAME_PREFIX = "secml-retrain"
# Each run's manifests, window and model: <OUTPUT_PREFIX><job>/ (SageMaker writes
# <OUTPUT_PREFIX><job>/output/model.tar.gz).
OUTPUT_PREFIX = "model/scheduled/"
TRAIN_MANIFEST = "manifest.json"
VALIDATION_MANIFEST = "validation-manifest.json"
WINDOW_FILE = "window.json"
MAX_JOB_NAME = 63


@dataclass(frozen=True)
class TrainingWindow:
    start: str  # first day included, YYYY-MM-DD
    end: str  # last day included
    source: str  # "parts" or the single tuples key
    keys: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "source": self.source, "objects": len(self.keys)}


def part_day(key: str, parts_prefix: str = DEFAULT_PARTS_PREFIX) -> dt.date | None:
    """The day a part's key names, or None for anything that is not a part."""
    if not key.startswith(parts_prefix):
        return None
    found = _PART_DAY.search(key[len(parts_prefix) :])
    if not found:
        return None
    try:
        return dt.date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def training_window(
    part_keys: Iterable[str], now: dt.datetime, days: int, parts_prefix: str = DEFAULT_PARTS_PREFIX
) -> TrainingWindow:
    """The parts of the `days` days ending on `now`'s day, else the batch tuples file."""
    if days < 1:
        raise ValueError(f"the training window must be at least one day, got {days}")
    end = now.date()
    start = end - dt.timedelta(days=days - 1)
    chosen = sorted(k for k in part_keys if (day := part_day(k, parts_prefix)) is not None and start <= day <= end)
    source = "parts" if chosen else DEFAULT_CLOUDTRAIL_OUTPUT_KEY
    return TrainingWindow(start.isoformat(), end.isoformat(), source, tuple(chosen) or (DEFAULT_CLOUDTRAIL_OUTPUT_KEY,))


@dataclass(frozen=True)
class HoldOut:
    """A window's objects split into the `train` and `validation` channels' (validation empty:
    train without one)."""

    train: tuple[str, ...]
    validation: tuple[str, ...]
    validation_day: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "train_objects": len(self.train),
            "validation_objects": len(self.validation),
            "validation_day": self.validation_day,
        }


def hold_out_newest_day(window: TrainingWindow, parts_prefix: str = DEFAULT_PARTS_PREFIX) -> HoldOut:
    """The newest day's parts as validation, the rest as training; no validation when the window
    holds fewer than two days of parts."""
    days = {key: part_day(key, parts_prefix) for key in window.keys}
    distinct = sorted({day for day in days.values() if day is not None})
    if window.source != "parts" or len(distinct) < 2:
        return HoldOut(window.keys, (), None)
    newest = distinct[-1]
    validation = tuple(key for key in window.keys if days[key] == newest)
    train = tuple(key for key in window.keys if days[key] != newest)
    return HoldOut(train, validation, newest.isoformat())


def manifest(bucket: str, keys: Iterable[str]) -> bytes:
    """A SageMaker S3 manifest file naming exactly `keys` of `bucket`."""
    return json.dumps([{"prefix": f"s3://{bucket}/"}, *keys]).encode("utf-8")


def job_name(scheduled_time: dt.datetime) -> str:
    """Unique per scheduled run (a retried invocation reuses it, so SageMaker refuses a duplicate)."""
    return f"{JOB_NAME_PREFIX}-{scheduled_time.strftime('%Y%m%d-%H%M%S')}"[:MAX_JOB_NAME]


def training_job_request(
    *,
    name: str,
    bucket: str,
    manifest_key: str,
    output_prefix: str,
    settings: Mapping[str, str],
    validation_manifest_key: str | None = None,
) -> dict[str, Any]:
    """Keyword arguments of CreateTrainingJob. `settings`: TRAINING_IMAGE, ROLE_ARN,
    INSTANCE_TYPE, KMS_KEY_ARN, HYPERPARAMETERS (a JSON object), MAX_RUNTIME_S. The `train`
    channel reads the objects `manifest_key` lists, `validation` (when given) those of
    `validation_manifest_key`."""
    channels = [_channel("train", bucket, manifest_key)]
    if validation_manifest_key is not None:
        channels.append(_channel("validation", bucket, validation_manifest_key))
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": settings["TRAINING_IMAGE"], "TrainingInputMode": "File"},
        "RoleArn": settings["ROLE_ARN"],
        "HyperParameters": {k: str(v) for k, v in json.loads(settings["HYPERPARAMETERS"]).items()},
        "InputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": f"s3://{bucket}/{output_prefix}", "KmsKeyId": settings["KMS_KEY_ARN"]},
        "ResourceConfig": {
            "InstanceType": settings["INSTANCE_TYPE"],
            "InstanceCount": 1,
            "VolumeSizeInGB": 10,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": int(settings.get("MAX_RUNTIME_S", "3600"))},
        # secml:managed=true as every SageMaker resource secml creates: `secml cleanup` (make down)
        # stops a scheduled job still running before the stack's role goes.
        "Tags": [{"Key": "secml", "Value": "scheduled-retraining"}, {"Key": "secml:managed", "Value": "true"}],
    }


def _channel(name: str, bucket: str, manifest_key: str) -> dict[str, Any]:
    return {
        "ChannelName": name,
        "ContentType": "text/csv",
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "ManifestFile",
                "S3Uri": f"s3://{bucket}/{manifest_key}",
                "S3DataDistributionType": "FullyReplicated",
            }
        },
    }
