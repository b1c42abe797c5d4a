"""Per-object parts: each input object becomes its own tuples part, and the part beside it (IPv6
tuples of a CloudTrail log, the finding index of a GuardDuty object: part_kinds.py).

A part's key derives from its source object only (the object's date folder and file name, plus a
short hash of bucket and key), so a redelivered notification, a retried batch or a second backfill
overwrites the same part with the same bytes instead of adding a duplicate:
``<parts prefix><yyyy>/<mm>/<dd>/<file name without .json[l][.gz]>-<hash>.csv``, and the same name
under the prefix of the part beside it.

Events: an S3 bucket notification (``Records[].s3``, keys URL-encoded), an EventBridge "Object
Created" event from S3 (``detail.bucket``/``detail.object``), or a Step Functions Distributed Map
batch (``Items`` listed by its S3 ItemReader, ``BatchInput.bucket``).
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from secml_ingest.errors import BadObjectError
from secml_ingest.part_kinds import CLOUDTRAIL, PartKind
from secml_ingest.s3_bodies import object_body
from secml_ingest.s3_sources import StoredObject
from secml_ingest.summary import BadObject, IngestSummary

_DATE_FOLDERS = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")
# Longest first: `x.jsonl.gz` loses `.jsonl.gz`, not only `.gz`.
_INPUT_SUFFIXES = (".jsonl.gz", ".json.gz", ".jsonl", ".json", ".gz")
PART_HASH_CHARS = 12
OUTSIDE_WINDOW = "outside_date_window"


class PartsIngestError(Exception):
    """Some objects of an invocation gave no part; the message names each key and why, so the
    dead-letter record or the failed batch says which objects to look at."""


class BadEventError(Exception):
    """The event or configuration is not one this function handles."""


@dataclass(frozen=True)
class SourceObject:
    bucket: str
    key: str
    size: int | None = None


@dataclass(frozen=True)
class PartsConfig:
    kind: PartKind
    output_bucket: str
    parts_prefix: str
    beside_prefix: str
    default_input_bucket: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], kind: PartKind = CLOUDTRAIL) -> PartsConfig:
        output_bucket = environ.get("OUTPUT_BUCKET", "").strip()
        if not output_bucket:
            raise BadEventError("missing environment variable OUTPUT_BUCKET")
        return cls(
            kind=kind,
            output_bucket=output_bucket,
            parts_prefix=environ.get("PARTS_PREFIX") or kind.parts_prefix,
            beside_prefix=environ.get(kind.beside_variable) or kind.beside_prefix,
            default_input_bucket=environ.get("INPUT_BUCKET", ""),
        )


def part_name(source: SourceObject) -> str:
    """`<yyyy>/<mm>/<dd>/<stem>-<hash>.csv` for a source object; BadObjectError when its key has
    no date folder (CloudTrail, GuardDuty's export and Firehose's default prefix always have one)."""
    dated = list(_DATE_FOLDERS.finditer("/" + source.key))
    if not dated:
        raise BadObjectError("no /YYYY/MM/DD/ folder in the key to date its part by")
    year, month, day = dated[-1].groups()
    file_name = source.key.rsplit("/", 1)[-1]
    stem = next((file_name[: -len(s)] for s in _INPUT_SUFFIXES if file_name.endswith(s)), file_name)
    digest = hashlib.sha256(f"{source.bucket}/{source.key}".encode()).hexdigest()[:PART_HASH_CHARS]
    return f"{year}/{month}/{day}/{stem}-{digest}.csv"


def sources_of_event(event: Any, default_bucket: str) -> Iterator[SourceObject]:
    """The objects an event names, in its order."""
    if not isinstance(event, Mapping):
        raise BadEventError("the event is not a JSON object")
    if isinstance(event.get("Records"), list):
        for record in event["Records"]:
            s3 = record.get("s3") if isinstance(record, Mapping) else None
            if not isinstance(s3, Mapping):
                raise BadEventError("a notification record without 's3'")
            key = urllib.parse.unquote_plus(str(s3["object"]["key"]))
            yield SourceObject(str(s3["bucket"]["name"]), key, s3["object"].get("size"))
    elif isinstance(event.get("detail"), Mapping) and "object" in event["detail"]:
        detail = event["detail"]
        yield SourceObject(str(detail["bucket"]["name"]), str(detail["object"]["key"]), detail["object"].get("size"))
    elif isinstance(event.get("Items"), list):
        bucket = str((event.get("BatchInput") or {}).get("bucket") or default_bucket)
        if not bucket:
            raise BadEventError("a batch without BatchInput.bucket, and INPUT_BUCKET is unset")
        for item in event["Items"]:
            yield SourceObject(bucket, str(item["Key"]), item.get("Size"))
    else:
        raise BadEventError("neither an S3 notification, an EventBridge S3 event nor a Distributed Map batch")


def ingest_object(s3: Any, source: SourceObject, config: PartsConfig) -> IngestSummary:
    """Read one object and write its part(s); the summary lists it as a bad object when it
    cannot be read, and then no part is written."""
    kind = config.kind
    skip = kind.skip_reason(StoredObject(source.key, 1 if source.size is None else int(source.size)))
    if skip is not None:
        summary = IngestSummary(unit=kind.unit)
        summary.objects_skipped[skip] += 1
        return summary
    try:
        name = part_name(source)
        result = kind.read(source.key, object_body(s3, source.bucket, source.key))
    except BadObjectError as error:
        return IngestSummary(unit=kind.unit, bad_objects=[BadObject(source.key, str(error))])
    if result.summary.bad_objects:
        return result.summary
    s3.put_object(Bucket=config.output_bucket, Key=config.parts_prefix + name,
                  Body=result.tuples_csv.encode(), ContentType="text/csv")  # fmt: skip
    if beside := kind.beside(result):
        s3.put_object(Bucket=config.output_bucket, Key=config.beside_prefix + name,
                      Body=beside.encode(), ContentType="text/csv")  # fmt: skip
    return result.summary


def _window(event: Any) -> tuple[str, str]:
    """A backfill batch's date window, `YYYY/MM/DD` bounds (inclusive; empty = open)."""
    batch = event.get("BatchInput") if isinstance(event, Mapping) else None
    if not isinstance(batch, Mapping):
        return "", ""
    return tuple(str(batch.get(name) or "").replace("-", "/") for name in ("since", "until"))  # type: ignore[return-value]


def outside_window(source: SourceObject, since: str, until: str) -> bool:
    """Whether the object's date folder lies outside [since, until] (an undated key is inside:
    ingest then reports it)."""
    dated = list(_DATE_FOLDERS.finditer("/" + source.key))
    if not dated or not (since or until):
        return False
    day = "/".join(dated[-1].groups())
    return bool(since and day < since) or bool(until and day > until)


def ingest_event(s3: Any, event: Any, config: PartsConfig) -> IngestSummary:
    """Every object the event names to its part; raises PartsIngestError naming each object
    that gave none, after writing the parts of the others (a retry rewrites them unchanged)."""
    summary = IngestSummary(unit=config.kind.unit)
    since, until = _window(event)
    for source in sources_of_event(event, config.default_input_bucket):
        if outside_window(source, since, until):
            summary.objects_skipped[OUTSIDE_WINDOW] += 1
            continue
        summary.merge(ingest_object(s3, source, config))
    if summary.bad_objects:
        reasons = "; ".join(f"{bad.key}: {bad.reason}" for bad in summary.bad_objects)
        raise PartsIngestError(f"{len(summary.bad_objects)} object(s) gave no part: {reasons}")
    return summary


def handle(s3: Any, event: Any, environ: Mapping[str, str], kind: PartKind) -> dict[str, Any]:
    """A parts handler's whole work: the event's objects to parts of `kind`, the summary printed
    (the function's log) and returned (the map run's results)."""
    result = ingest_event(s3, event, PartsConfig.from_environ(environ, kind)).as_dict()
    print(json.dumps(result))
    return result
