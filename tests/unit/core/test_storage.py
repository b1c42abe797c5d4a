"""secml.core.storage: one set of helpers for local paths and s3:// URIs, the same behaviour for both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from secml.core import storage
from secml.core.errors import InputError

BUCKET = "secml-locations-test"
REGION = "us-west-2"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """An in-process S3 (moto) with one bucket; any emulator address in the environment is
    removed so the plain clients in secml.core.storage reach the mock."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


@pytest.fixture(params=["local", "s3"])
def folder(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same tests on a local folder and on an S3 prefix."""
    if request.param == "s3":
        request.getfixturevalue("s3")
        return f"s3://{BUCKET}/some/prefix/"
    return str(tmp_path / "some" / "prefix")


def test_split_s3() -> None:
    assert storage.split_s3("s3://bucket/a/b.csv") == ("bucket", "a/b.csv")
    assert storage.split_s3("s3://bucket") == ("bucket", "")


def test_split_s3_without_a_bucket_is_a_command_error() -> None:
    with pytest.raises(InputError, match="names no bucket"):
        storage.split_s3("s3:///key")


@pytest.mark.parametrize(
    ("folder", "expected"),
    [
        ("s3://bucket/model", "s3://bucket/model/metrics.json"),
        ("s3://bucket/model/", "s3://bucket/model/metrics.json"),
        ("s3://bucket", "s3://bucket/metrics.json"),
        ("reports/run", str(Path("reports/run/metrics.json"))),
    ],
)
def test_child_joins_without_io(folder: str, expected: str) -> None:
    assert storage.child(folder, "metrics.json") == expected


def test_write_then_read_bytes_and_exists(folder: str) -> None:
    target = storage.child(folder, "nested/data.bin")
    assert not storage.exists(target)
    storage.write_bytes(target, b"\x00secml\n")
    assert storage.exists(target)
    assert storage.read_bytes(target) == b"\x00secml\n"
    with storage.open_binary(target) as stream:
        assert stream.read(1) == b"\x00"
        assert stream.read() == b"secml\n"


def test_write_bytes_replaces(folder: str) -> None:
    target = storage.child(folder, "data.txt")
    storage.write_bytes(target, b"first")
    storage.write_bytes(target, b"second")
    assert storage.read_bytes(target) == b"second"


def test_upload_then_download(folder: str, tmp_path: Path) -> None:
    source = tmp_path / "source.csv"
    source.write_bytes(b"alice,10.0.0.1\n")
    target = storage.child(folder, "deep/copy.csv")
    storage.upload(source, target)
    copied = tmp_path / "copied.csv"
    storage.download(target, copied)
    assert copied.read_bytes() == b"alice,10.0.0.1\n"


def test_missing_location_is_a_command_error(folder: str, tmp_path: Path) -> None:
    missing = storage.child(folder, "missing.csv")
    with pytest.raises(InputError, match=r"missing\.csv"):
        storage.read_bytes(missing)
    with pytest.raises(InputError, match=r"missing\.csv"):
        storage.download(missing, tmp_path / "out")


def test_upload_sets_the_s3_content_type(s3: object, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text("<html></html>")
    storage.upload(page, f"s3://{BUCKET}/scores/run/report.html", content_type="text/html; charset=utf-8")
    storage.upload(page, f"s3://{BUCKET}/scores/run/untyped")
    client = boto3.client("s3", region_name=REGION)
    typed = client.head_object(Bucket=BUCKET, Key="scores/run/report.html")
    untyped = client.head_object(Bucket=BUCKET, Key="scores/run/untyped")
    assert typed["ContentType"] == "text/html; charset=utf-8"
    assert untyped["ContentType"] == "binary/octet-stream"


def test_upload_to_a_local_path_ignores_the_content_type(tmp_path: Path) -> None:
    source = tmp_path / "report.html"
    source.write_text("<html></html>")
    storage.upload(source, str(tmp_path / "out" / "report.html"), content_type="text/html")
    assert (tmp_path / "out" / "report.html").read_text() == "<html></html>"


def test_s3_failures_are_one_line_command_errors(s3: object, tmp_path: Path) -> None:
    source = tmp_path / "file"
    source.write_bytes(b"x")
    absent = "s3://no-such-bucket-for-secml/key"
    for attempt in (
        lambda: storage.upload(source, absent),
        lambda: storage.write_bytes(absent, b"x"),
        lambda: storage.read_bytes(absent),
    ):
        with pytest.raises(InputError, match=absent) as raised:
            attempt()
        assert "\n" not in str(raised.value)
