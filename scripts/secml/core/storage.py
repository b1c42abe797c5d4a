"""Read and write a location that is either a local path or an `s3://bucket/key` URI, so every
entry point (training, scoring, the report, the generators, backfill) takes both the same way.
This is the project's one copy of these helpers.

S3 calls use a plain boto3 client, which follows `AWS_ENDPOINT_URL` (the emulator) like any other.
A failed S3 call becomes a one-line InputError naming the location.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import boto3
from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import BotoCoreError, ClientError

from secml.core.errors import InputError, SecmlError, ServiceError

S3_SCHEME = "s3://"
# What a failed S3 call raises: a refusal from the service, or no answer or credentials at all.
S3_ERRORS = (ClientError, BotoCoreError)
# S3's answers that mean the location the user gave is wrong (absent, or not theirs to use), not that
# S3 failed: an input error (exit 2) rather than a service failure.
LOCATION_ERROR_CODES = ("NoSuchKey", "NoSuchBucket", "404", "NotFound", "403", "AccessDenied")


def s3_failure(action: str, location: str, error: Exception) -> SecmlError:
    """One line for a failed S3 call, classed by what the user can do about it."""
    code = error.response.get("Error", {}).get("Code", "") if isinstance(error, ClientError) else ""
    if code in LOCATION_ERROR_CODES or any(f"({name})" in str(error) for name in LOCATION_ERROR_CODES):
        return InputError(f"cannot {action} {location}: {error}")
    return ServiceError(f"cannot {action} {location}: {error}")


MISSING_OBJECT_CODES = ("404", "NoSuchKey", "NotFound")


def is_s3(location: str) -> bool:
    return location.startswith(S3_SCHEME)


def split_s3(uri: str) -> tuple[str, str]:
    """`s3://bucket/some/key` -> ("bucket", "some/key"); the key may be empty."""
    bucket, _, key = uri[len(S3_SCHEME) :].partition("/")
    if not bucket:
        raise InputError(f"{uri!r} names no bucket: expected s3://BUCKET/KEY")
    return bucket, key


def child(folder: str, name: str) -> str:
    """`name` inside a local folder or S3 prefix (which may or may not end with '/'); no I/O."""
    if is_s3(folder):
        return f"{folder.rstrip('/')}/{name}"
    return str(Path(folder) / name)


def is_folder(location: str) -> bool:
    """An S3 prefix (an s3:// URI ending in '/') or a local directory: a set of files, not one."""
    return location.endswith("/") if is_s3(location) else Path(location).is_dir()


def list_files(folder: str, suffix: str) -> list[str]:
    """Every file ending in `suffix` under a local folder or S3 prefix (recursively), sorted by
    path, so whoever reads them in turn reads them in one order."""
    if not is_s3(folder):
        return sorted(str(path) for path in Path(folder).rglob(f"*{suffix}") if path.is_file())
    bucket, prefix = split_s3(folder)
    try:
        pages = s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        keys = [item["Key"] for page in pages for item in page.get("Contents", []) if item["Key"].endswith(suffix)]
    except S3_ERRORS as error:
        raise s3_failure("list", folder, error) from error
    return [f"{S3_SCHEME}{bucket}/{key}" for key in sorted(keys)]


def s3_client() -> Any:
    return boto3.client("s3")


def exists(location: str) -> bool:
    """Whether the file or S3 object is there (an S3 prefix with objects under it is not)."""
    if not is_s3(location):
        return Path(location).is_file()
    bucket, key = split_s3(location)
    try:
        s3_client().head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in MISSING_OBJECT_CODES:
            return False
        raise s3_failure("look up", location, error) from error
    except BotoCoreError as error:
        raise s3_failure("look up", location, error) from error
    return True


def read_bytes(location: str) -> bytes:
    """The whole file or object; for large ones, stream with `open_binary` instead."""
    with open_binary(location) as stream:
        return stream.read()


def write_bytes(location: str, data: bytes) -> None:
    """Write (replace) a file, creating its folder, or an S3 object; all or nothing."""
    if is_s3(location):
        bucket, key = split_s3(location)
        try:
            s3_client().put_object(Bucket=bucket, Key=key, Body=data)
        except S3_ERRORS as error:
            raise s3_failure("write", location, error) from error
        return
    with staged_output(location, "wb") as stream:
        stream.write(data)


def write_text(location: str | Path, text: str) -> None:
    """Write (replace) a UTF-8 text file or S3 object; all or nothing."""
    write_bytes(str(location), text.encode("utf-8"))


def _local_failure(location: str | Path, error: OSError) -> InputError:
    return InputError(f"cannot write {location}: {error.strerror or error}")


@contextmanager
def staged_output(location: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """A stream whose content replaces `location` only when the `with` block succeeds.

    This is the one way secml writes a file it was asked for: the content is staged in a hidden
    file in the destination folder, flushed to disk (fsync), then renamed over the destination
    (`os.replace`, atomic on one file system). A failure, Ctrl-C or a crash leaves the previous
    file untouched and no partial file; two runs writing the same destination each rename a
    complete file, so the last one wins and no bytes interleave. For `s3://` the staged local file
    is uploaded once complete. Text mode writes UTF-8 with no newline translation (CSV-safe)."""
    text_options: dict[str, Any] = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
    if is_s3(str(location)):
        split_s3(str(location))  # a URI without a bucket fails before any work
        with tempfile.TemporaryDirectory(prefix="secml-stage-") as folder:
            staged = Path(folder) / "staged"
            with staged.open(mode, **text_options) as stream:
                yield stream
            upload(staged, str(location))
        return
    path = Path(location)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(21, "is a folder")
        descriptor, staged_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as error:
        raise _local_failure(location, error) from error
    staged_path = Path(staged_name)
    try:
        with os.fdopen(descriptor, mode, **text_options) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(staged_path, 0o666 & ~_umask())
        os.replace(staged_path, path)
    except BaseException as error:
        staged_path.unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, ConnectionError):
            raise _local_failure(location, error) from error
        raise
    _sync_folder(path.parent)


def _umask() -> int:
    """The process umask (mkstemp creates files 0600; a written output should get the usual mode)."""
    current = os.umask(0)
    os.umask(current)
    return current


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; some file systems do not allow opening a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def check_writable(location: str | Path) -> None:
    """InputError now, rather than after the work, when a local file cannot be written there: the
    path is a folder, or its nearest existing parent is a file or not writable. (S3 is checked
    by the write itself.)"""
    if is_s3(str(location)):
        return
    path = Path(location)
    if path.is_dir():
        raise InputError(f"cannot write {location}: it is a folder; give a file name")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"cannot write {location}: {parent} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {location}: no permission to write in {parent}")


def is_empty_destination(location: str) -> bool:
    """Whether a local folder or S3 prefix holds nothing yet (absent counts as empty)."""
    if not is_s3(location):
        path = Path(location)
        if path.is_file():
            return False
        return not path.exists() or not any(path.iterdir())
    bucket, prefix = split_s3(location)
    prefix = prefix.rstrip("/") + "/" if prefix else ""
    try:
        listing = s3_client().list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=1)
    except S3_ERRORS as error:
        raise s3_failure("list", location, error) from error
    return not listing.get("KeyCount", 0)


@contextmanager
def open_binary(location: str) -> Iterator[IO[bytes]]:
    """A readable binary stream: S3 objects are streamed, not downloaded whole first."""
    if not is_s3(location):
        if not Path(location).is_file():
            raise InputError(f"{location} does not exist")
        with Path(location).open("rb") as stream:
            yield stream
        return
    bucket, key = split_s3(location)
    try:
        body = s3_client().get_object(Bucket=bucket, Key=key)["Body"]
    except S3_ERRORS as error:
        raise s3_failure("read", location, error) from error
    try:
        yield body
    finally:
        body.close()


def download(location: str, path: Path) -> None:
    """Copy a location to a local file (S3 with the managed, multipart-aware transfer)."""
    if is_s3(location):
        bucket, key = split_s3(location)
        try:
            s3_client().download_file(bucket, key, str(path))
        except S3_ERRORS as error:
            raise s3_failure("read", location, error) from error
    else:
        if not Path(location).is_file():
            raise InputError(f"{location} does not exist")
        shutil.copyfile(location, path)


def upload(path: Path, location: str, content_type: str | None = None) -> None:
    """Copy a local file to a location (S3 with the managed, multipart-aware transfer).

    `content_type` becomes the S3 object's Content-Type, so a browser opening a presigned or
    console link shows an HTML report or a PNG instead of downloading it; S3 would otherwise store
    binary/octet-stream. A local copy has no such metadata and ignores it."""
    if is_s3(location):
        bucket, key = split_s3(location)
        extra_args = {"ContentType": content_type} if content_type else None
        try:
            s3_client().upload_file(str(path), bucket, key, ExtraArgs=extra_args)
        except (*S3_ERRORS, S3UploadFailedError) as error:
            raise s3_failure("write", location, error) from error
    else:
        with staged_output(location, "wb") as stream, path.open("rb") as source:
            shutil.copyfileobj(source, stream)


def delete(location: str) -> None:
    """Remove a file or S3 object; one already gone is not an error."""
    if is_s3(location):
        bucket, key = split_s3(location)
        try:
            s3_client().delete_object(Bucket=bucket, Key=key)
        except S3_ERRORS as error:
            raise s3_failure("delete", location, error) from error
        return
    Path(location).unlink(missing_ok=True)
