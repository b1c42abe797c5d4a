"""Backfill: the Lambdas' parsing over local files, folders or s3:// prefixes (a downloaded trail
archive, an incident's evidence), objects spread over all cores, CSV to a file or stdout.

Workers read whole objects with the same `secml_ingest.objects` functions the Lambdas use, and
send back CSV text; the parent writes it in input order, so the output does not depend on the
number of workers and memory holds only the objects in flight.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

import boto3
from tqdm import tqdm

from secml.errors import CommandError
from secml_ingest.guardduty import INDEX_HEADER
from secml_ingest.objects import ObjectTuples, read_cloudtrail_object, read_guardduty_object
from secml_ingest.s3_sources import StoredObject, cloudtrail_skip_reason, guardduty_skip_reason, list_objects
from secml_ingest.summary import IngestSummary
from secml_ingest.tuples_csv import csv_text

S3_SCHEME = "s3://"
ObjectReader = Callable[[str, bytes], ObjectTuples]
SkipRule = Callable[[StoredObject], "str | None"]


@dataclass(frozen=True)
class Kind:
    """What is being backfilled: which objects count as inputs and how one is read."""

    unit: str
    skip_reason: SkipRule
    read: ObjectReader


CLOUDTRAIL = Kind("records", cloudtrail_skip_reason, read_cloudtrail_object)
GUARDDUTY = Kind("findings", guardduty_skip_reason, read_guardduty_object)


@dataclass
class Outputs:
    tuples: IO[str]
    ipv6: IO[str] | None = None
    index: IO[str] | None = None


@dataclass
class Inputs:
    uris: list[str] = field(default_factory=list)
    skipped: IngestSummary = field(default_factory=lambda: IngestSummary(unit="records"))


def _split_s3_uri(uri: str) -> tuple[str, str]:
    bucket, _, prefix = uri[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise CommandError(f"{uri}: an s3:// source needs a bucket name")
    return bucket, prefix


def _local_objects(source: str) -> Iterator[tuple[str, StoredObject]]:
    path = Path(source)
    if path.is_file():
        yield str(path), StoredObject(path.name, path.stat().st_size)
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            yield str(file), StoredObject(file.relative_to(path).as_posix(), file.stat().st_size)
    else:
        raise CommandError(f"{source}: no such file or folder")


def _s3_objects(source: str) -> Iterator[tuple[str, StoredObject]]:
    bucket, prefix = _split_s3_uri(source)
    for stored in list_objects(boto3.client("s3"), bucket, prefix):
        yield f"{S3_SCHEME}{bucket}/{stored.key}", stored


def expand_sources(sources: Sequence[str], kind: Kind) -> Inputs:
    """Every input object under the sources, in order; skipped ones are only counted."""
    inputs = Inputs(skipped=IngestSummary(unit=kind.unit))
    for source in sources:
        found = _s3_objects(source) if source.startswith(S3_SCHEME) else _local_objects(source)
        for uri, stored in found:
            reason = kind.skip_reason(stored)
            if reason is None:
                inputs.uris.append(uri)
            else:
                inputs.skipped.objects_skipped[reason] += 1
    return inputs


_worker_s3: Any = None


def _object_bytes(uri: str) -> bytes:
    global _worker_s3
    if not uri.startswith(S3_SCHEME):
        return Path(uri).read_bytes()
    if _worker_s3 is None:  # one client per worker process: clients do not survive a fork
        _worker_s3 = boto3.client("s3")
    bucket, key = _split_s3_uri(uri)
    return bytes(_worker_s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def _read_one(read: ObjectReader, uri: str) -> ObjectTuples:
    return read(uri, _object_bytes(uri))


def worker_count(objects: int) -> int:
    return max(1, min(objects, len(os.sched_getaffinity(0))))


def backfill(sources: Sequence[str], kind: Kind, outputs: Outputs, progress: bool) -> IngestSummary:
    """Write the tuples (and IPv6 tuples, finding index when asked) of every input object."""
    inputs = expand_sources(sources, kind)
    summary = inputs.skipped
    if outputs.index is not None:
        outputs.index.write(csv_text([INDEX_HEADER]))
    read_one = partial(_read_one, kind.read)
    workers = worker_count(len(inputs.uris))
    with (
        multiprocessing.Pool(workers) if workers > 1 else _InProcess() as pool,
        tqdm(total=len(inputs.uris), unit="obj", disable=not progress, leave=False) as bar,
    ):
        for result in pool.imap(read_one, inputs.uris, chunksize=4):
            outputs.tuples.write(result.tuples_csv)
            if outputs.ipv6 is not None:
                outputs.ipv6.write(result.ipv6_csv)
            if outputs.index is not None:
                outputs.index.write(result.index_csv)
            summary.merge(result.summary)
            bar.update()
    return summary


class _InProcess:
    """The Pool interface for one worker: no process start-up cost for a single object."""

    def imap(self, function: Callable[[str], ObjectTuples], items: Sequence[str], chunksize: int) -> Iterator[ObjectTuples]:
        return map(function, items)

    def __enter__(self) -> _InProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None
