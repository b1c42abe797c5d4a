"""Backfill: the Lambdas' parsing over local files, folders or s3:// prefixes (a downloaded trail
archive, an incident's evidence), objects spread over all cores, CSV to a file or stdout.

Workers read whole objects with the same `secml_ingest.objects` functions the Lambdas use, and
send back CSV text; the parent writes it in input order, so the output does not depend on the
number of workers and memory holds only the objects in flight. An object that cannot be read
(missing, no permission, refused by S3) is reported and skipped like a corrupt one. boto3
(with `secml.core.storage`, which loads it) and tqdm are imported only when an s3:// source or a
terminal needs them: local backfills start without them.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from secml.core.errors import InputError
from secml_ingest.errors import BadObjectError
from secml_ingest.guardduty import INDEX_HEADER
from secml_ingest.objects import (
    ObjectTuples,
    read_cloudtrail_object,
    read_guardduty_object,
    unreadable,
)
from secml_ingest.s3_sources import (
    StoredObject,
    cloudtrail_skip_reason,
    guardduty_skip_reason,
    list_objects,
)
from secml_ingest.summary import FINDINGS, RECORDS, IngestSummary
from secml_ingest.tuples_csv import csv_text

# `secml.core.storage.S3_SCHEME`, spelt here to tell sources apart without loading boto3.
S3_SCHEME = "s3://"
# Objects a worker reads per task: few enough to keep both workers busy to the end, enough that
# task hand-offs cost little next to reading a log object.
OBJECTS_PER_TASK = 4
# glibc's mallopt parameters, and what a worker sets them to: its largest buffers (an object's
# text, a few MiB) stay in its heap instead of going back to the kernel after every object.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
WORKER_HEAP_KEPT = 64 * 2**20
WORKER_MMAP_THRESHOLD = 32 * 2**20  # glibc's ceiling on 64-bit systems
ObjectReader = Callable[[str, bytes], ObjectTuples]
SkipRule = Callable[[StoredObject, bool], "str | None"]


@dataclass(frozen=True)
class Kind:
    """What is being backfilled: which objects count as inputs and how one is read."""

    unit: str
    skip_reason: SkipRule
    read: ObjectReader


CLOUDTRAIL = Kind(RECORDS, cloudtrail_skip_reason, read_cloudtrail_object)
GUARDDUTY = Kind(FINDINGS, guardduty_skip_reason, read_guardduty_object)


@dataclass
class Outputs:
    tuples: IO[str]
    ipv6: IO[str] | None = None
    index: IO[str] | None = None


@dataclass
class Inputs:
    uris: list[str] = field(default_factory=list)
    skipped: IngestSummary = field(default_factory=lambda: IngestSummary(unit=RECORDS))


def _local_objects(source: str) -> Iterator[tuple[str, StoredObject, bool]]:
    """(uri, object, named) of each file: a file given by its path is named explicitly."""
    path = Path(source)
    if path.is_file():
        yield str(path), StoredObject(path.name, path.stat().st_size), True
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            yield str(file), StoredObject(file.relative_to(path).as_posix(), file.stat().st_size), False
    else:
        raise InputError(f"{source}: no such file or folder")


def _s3_objects(source: str) -> Iterator[tuple[str, StoredObject, bool]]:
    """(uri, object, named) under an s3:// prefix: the object whose key is the prefix is named."""
    from secml.core.storage import s3_client, split_s3

    bucket, prefix = split_s3(source)
    for stored in list_objects(s3_client(), bucket, prefix):
        yield f"{S3_SCHEME}{bucket}/{stored.key}", stored, stored.key == prefix


def expand_sources(sources: Sequence[str], kind: Kind) -> Inputs:
    """Every input object under the sources, in order; skipped ones are only counted."""
    inputs = Inputs(skipped=IngestSummary(unit=kind.unit))
    for source in sources:
        found = _s3_objects(source) if source.startswith(S3_SCHEME) else _local_objects(source)
        for uri, stored, named in found:
            reason = kind.skip_reason(stored, named)
            if reason is None:
                inputs.uris.append(uri)
            else:
                inputs.skipped.objects_skipped[reason] += 1
    return inputs


_worker_s3: Any = None


def _file_bytes(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:  # gone since listed, no permission, a folder in its place
        raise BadObjectError(f"cannot read: {error.strerror or error}") from None


def _s3_object_bytes(uri: str) -> bytes:
    global _worker_s3
    from secml.core.storage import s3_client, split_s3
    from secml_ingest.s3_bodies import object_body

    if _worker_s3 is None:  # one client per worker process: clients do not survive a fork
        _worker_s3 = s3_client()
    bucket, key = split_s3(uri)
    return object_body(_worker_s3, bucket, key)


def _keep_freed_buffers() -> None:
    """Pool worker initializer. By default glibc maps each buffer over 128 KiB afresh and unmaps
    it when freed, so every object's buffers are page-faulted in again: a sixth of the run's time,
    measured. Elsewhere than glibc this does nothing."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(M_MMAP_THRESHOLD, WORKER_MMAP_THRESHOLD)
    libc.mallopt(M_TRIM_THRESHOLD, WORKER_HEAP_KEPT)


def _read_one(kind: Kind, uri: str) -> ObjectTuples:
    """One object's result, in a worker: an object it cannot fetch is a bad object, so one
    refusal does not end the pool."""
    try:
        data = _s3_object_bytes(uri) if uri.startswith(S3_SCHEME) else _file_bytes(uri)
    except BadObjectError as error:
        return unreadable(kind.unit, uri, str(error))
    return kind.read(uri, data)


def worker_count(objects: int) -> int:
    return max(1, min(objects, len(os.sched_getaffinity(0))))


def _progress_bar(stack: ExitStack, total: int) -> Callable[[], object]:
    from tqdm import tqdm

    return stack.enter_context(tqdm(total=total, unit="obj", leave=False)).update


def backfill(sources: Sequence[str], kind: Kind, outputs: Outputs, progress: bool) -> IngestSummary:
    """Write the tuples (and IPv6 tuples, finding index when asked) of every input object."""
    inputs = expand_sources(sources, kind)
    summary = inputs.skipped
    if outputs.index is not None:
        outputs.index.write(csv_text([INDEX_HEADER]))
    read_one = partial(_read_one, kind)
    workers = worker_count(len(inputs.uris))
    with ExitStack() as stack:
        pool = _InProcess() if workers == 1 else stack.enter_context(multiprocessing.Pool(workers, _keep_freed_buffers))
        advance = _progress_bar(stack, len(inputs.uris)) if progress else _no_progress
        for result in pool.imap(read_one, inputs.uris, chunksize=OBJECTS_PER_TASK):
            outputs.tuples.write(result.tuples_csv)
            if outputs.ipv6 is not None:
                outputs.ipv6.write(result.ipv6_csv)
            if outputs.index is not None:
                outputs.index.write(result.index_csv)
            summary.merge(result.summary)
            advance()
    return summary


def _no_progress() -> None:
    return None


class _InProcess:
    """The Pool interface for one worker: no process start-up cost for a single object."""

    def imap(
        self, function: Callable[[str], ObjectTuples], items: Sequence[str], chunksize: int
    ) -> Iterator[ObjectTuples]:
        return map(function, items)
