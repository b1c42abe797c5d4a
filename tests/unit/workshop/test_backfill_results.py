"""The backfill's summary (secml.workshop.backfill): read from a map run's ResultWriter files as
AWS writes them, the children's summaries added up and the failed batches listed with keys."""

from __future__ import annotations

import json

import boto3
import pytest

from secml.core.errors import InputError
from secml.workshop import backfill
from secml_ingest.summary import RECORDS, BadObject, IngestSummary


def test_dates_and_windows_are_checked() -> None:
    assert backfill.day("2024-01-31") == "2024-01-31"
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        backfill.day("2024/01/31")
    with pytest.raises(InputError, match="after"):
        backfill.Window(since="2024-02-01", until="2024-01-01")


def test_a_summary_survives_the_lambda_answer() -> None:
    summary = IngestSummary(unit=RECORDS, objects_read=2, items_seen=10, tuples_written=7, ipv6_tuples_written=1)
    summary.items_skipped["aws_service"] += 2
    summary.objects_skipped["outside_date_window"] += 3
    summary.bad_objects.append(BadObject("k", "truncated gzip"))
    assert IngestSummary.from_dict(summary.as_dict(), RECORDS) == summary


def _child(status: str, items: list[str], **fields: object) -> dict[str, object]:
    return {"Status": status, "Input": json.dumps({"Items": [{"Key": k} for k in items], "BatchInput": {}}), **fields}


def test_results_are_added_up_and_failed_batches_named(tuples_bucket: str) -> None:
    first = IngestSummary(unit=RECORDS, objects_read=2, items_seen=5, tuples_written=4)
    first.items_skipped["no_source_ip"] += 1
    second = IngestSummary(unit=RECORDS, objects_read=1, items_seen=3, tuples_written=3)
    lambda_error = json.dumps({"errorMessage": "1 object(s) gave no part: b.json.gz: not gzip", "errorType": "X"})
    s3 = boto3.client("s3", region_name="us-west-2")
    succeeded = [_child("SUCCEEDED", ["a"], Output=json.dumps(first.as_dict())),
                 _child("SUCCEEDED", ["c"], Output=json.dumps(second.as_dict()))]  # fmt: skip
    failed = [_child("FAILED", ["b.json.gz", "d.json.gz"], Error="PartsIngestError", Cause=lambda_error)]
    s3.put_object(Bucket=tuples_bucket, Key="r/1/SUCCEEDED_0.json", Body=json.dumps(succeeded))
    s3.put_object(Bucket=tuples_bucket, Key="r/1/FAILED_0.json", Body=json.dumps(failed))
    manifest = {
        "ResultFiles": {
            "SUCCEEDED": [{"Key": "r/1/SUCCEEDED_0.json"}],
            "FAILED": [{"Key": "r/1/FAILED_0.json"}],
            "PENDING": [],
        }
    }
    s3.put_object(Bucket=tuples_bucket, Key="r/1/manifest.json", Body=json.dumps(manifest))
    summary, batches, failures = backfill.read_results(s3, tuples_bucket, "r/1/manifest.json")
    assert (summary.objects_read, summary.items_seen, summary.tuples_written) == (3, 8, 7)
    assert summary.items_skipped == {"no_source_ip": 1} and batches == 2
    assert failures == [backfill.FailedBatch(["b.json.gz", "d.json.gz"], "PartsIngestError",
                                             "1 object(s) gave no part: b.json.gz: not gzip")]  # fmt: skip
    report = backfill.BackfillReport("arn", "FAILED", backfill.EXCEEDED, summary, batches, failures)
    assert report.beyond_tolerance
    assert "  b.json.gz" in report.lines() and "batches failed: 1" in report.lines()


def test_a_stack_applied_before_the_backfill_existed_is_not_ready(monkeypatch: pytest.MonkeyPatch) -> None:
    from secml.core.errors import NotReadyError
    from secml.core.target import Target
    from secml.infra import stack

    monkeypatch.setattr(stack, "outputs", lambda target: {"cloudtrail_input": {"bucket": "b", "prefix": "p/"}})
    with pytest.raises(NotReadyError, match="make up"):
        backfill.start(Target(name="local", region="us-west-2", emulator_port=1), backfill.Window())
