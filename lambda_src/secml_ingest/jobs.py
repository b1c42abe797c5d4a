"""An ingest run over an S3 prefix: list every object, skip and count by key, read each object,
and stream the tuples to S3 in parts. The Lambda handlers are this plus configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from secml_ingest import printing
from secml_ingest.config import CloudTrailConfig, GuardDutyConfig
from secml_ingest.csv_sink import MultipartTextWriter
from secml_ingest.errors import BadObjectError
from secml_ingest.guardduty import INDEX_HEADER
from secml_ingest.objects import (
    FindingObserver,
    ObjectTuples,
    RecordObserver,
    read_cloudtrail_object,
    read_guardduty_object,
    unreadable,
)
from secml_ingest.s3_bodies import object_body
from secml_ingest.s3_sources import StoredObject, cloudtrail_skip_reason, guardduty_skip_reason, list_objects
from secml_ingest.summary import FINDINGS, RECORDS, IngestSummary
from secml_ingest.tuples_csv import csv_text

Emit = Callable[[str], None]


def _each_object(
    s3: Any, bucket: str, prefix: str, skip_reason: Callable[[StoredObject], str | None],
    summary: IngestSummary, read: Callable[[str, bytes], ObjectTuples], emit: Emit,
) -> Iterator[ObjectTuples]:  # fmt: skip
    for stored in list_objects(s3, bucket, prefix):
        reason = skip_reason(stored)
        if reason is not None:
            summary.objects_skipped[reason] += 1
            continue
        try:
            body = object_body(s3, bucket, stored.key)
        except BadObjectError as error:
            result = unreadable(summary.unit, stored.key, str(error))
        else:
            result = read(stored.key, body)
        for bad in result.summary.bad_objects:
            emit(f"bad object s3://{bucket}/{bad.key}: {bad.reason}")
        summary.merge(result.summary)
        yield result


def _record_printer(mode: str, emit: Emit) -> RecordObserver | None:
    if mode == "short":
        return lambda record, outcome: emit(printing.short_record(record, outcome))
    if mode == "full":
        return lambda record, outcome: emit(printing.full_record(record))
    return None


def _finding_printer(mode: str, emit: Emit) -> FindingObserver | None:
    if mode == "short":
        return lambda finding, outcomes: emit(printing.short_finding(finding, outcomes))
    if mode == "full":
        return lambda finding, outcomes: emit(printing.full_finding(finding))
    return None


def run_cloudtrail(s3: Any, config: CloudTrailConfig, print_mode: str, emit: Emit) -> IngestSummary:
    summary = IngestSummary(unit=RECORDS)
    observe = _record_printer(print_mode, emit)
    with (
        MultipartTextWriter(s3, config.output_bucket, config.output_key) as tuples,
        MultipartTextWriter(s3, config.output_bucket, config.ipv6_output_key) as ipv6,
    ):
        objects = _each_object(
            s3, config.input_bucket, config.input_prefix, cloudtrail_skip_reason, summary,
            lambda key, body: read_cloudtrail_object(key, body, observe), emit,
        )  # fmt: skip
        for result in objects:
            tuples.write(result.tuples_csv)
            ipv6.write(result.ipv6_csv)
    return summary


def run_guardduty(s3: Any, config: GuardDutyConfig, print_mode: str, emit: Emit) -> IngestSummary:
    summary = IngestSummary(unit=FINDINGS)
    observe = _finding_printer(print_mode, emit)
    with (
        MultipartTextWriter(s3, config.output_bucket, config.output_key) as tuples,
        MultipartTextWriter(s3, config.output_bucket, config.index_key) as index,
    ):
        index.write(csv_text([INDEX_HEADER]))
        objects = _each_object(
            s3, config.input_bucket, config.input_prefix, guardduty_skip_reason, summary,
            lambda key, body: read_guardduty_object(key, body, observe), emit,
        )  # fmt: skip
        for result in objects:
            tuples.write(result.tuples_csv)
            index.write(result.index_csv)
    return summary
