"""`secml tuples`: the Lambdas' parsing over local folders and s3:// prefixes, across processes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import boto3
import pytest
from ingest_fixtures import (
    delivered_log,
    digest_key,
    export_jsonl_gz,
    findings,
    org_key,
    records,
)

from secml import cli
from secml.core.target import Target
from secml.ingest import extract


def _trail_folder(root: Path, objects: int) -> Path:
    for n in range(objects):
        path = root / org_key(f"{n:03d}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(delivered_log(records()))
    (root / org_key("corrupt")).write_bytes(delivered_log(records())[:-25])
    digest = root / digest_key()
    digest.parent.mkdir(parents=True, exist_ok=True)
    digest.write_bytes(gzip.compress(b"{}"))
    (root / org_key("zero")).write_bytes(b"")
    return root / "cloudtrail"


def test_cloudtrail_folder_to_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _trail_folder(tmp_path / "trail", objects=6)
    out, ipv6 = tmp_path / "tuples.csv", tmp_path / "ipv6.csv"
    assert cli.main(["tuples", "cloudtrail", str(source), "--out", str(out), "--ipv6-out", str(ipv6)]) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 6 * 7 and lines[:2] == [
        "AIDAEXAMPLEUSER00001,203.0.113.10",
        "AROAEXAMPLEROLE00001,198.51.100.7",
    ]
    assert ipv6.read_text().splitlines() == ["AIDAEXAMPLEUSER00001,2001:db8::1"] * 6
    err = capsys.readouterr().err
    for fact in ("objects read: 6", "records seen: 84", "tuples written: 42", "objects skipped (digest_file): 1",
                 "objects skipped (empty_object): 1", "records skipped (invoked_by_only): 6", "corrupt gzip"):  # fmt: skip
        assert fact in err


def test_an_object_that_cannot_be_read_is_reported_and_the_pool_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _trail_folder(tmp_path / "trail", objects=4)
    list_sources = extract.expand_sources
    gone: list[str] = []

    def listed_then_deleted(sources: list[str], kind: extract.Kind) -> extract.Inputs:
        inputs = list_sources(sources, kind)
        gone.append(inputs.uris[1])
        Path(gone[0]).unlink()
        return inputs

    monkeypatch.setattr(extract, "expand_sources", listed_then_deleted)
    out = tmp_path / "tuples.csv"
    assert cli.main(["tuples", "cloudtrail", str(source), "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 3 * 7
    err = capsys.readouterr().err
    assert f"bad object {gone[0]}: cannot read: No such file or directory" in err
    assert "objects read: 3" in err and "corrupt gzip" in err


def test_cloudtrail_stdout_and_missing_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "one.json.gz"
    log.write_bytes(delivered_log(records()[:1]))
    assert cli.main(["tuples", "cloudtrail", str(log)]) == 0
    assert capsys.readouterr().out == "AIDAEXAMPLEUSER00001,203.0.113.10\n"
    assert cli.main(["tuples", "cloudtrail", str(tmp_path / "absent")]) == 2
    assert "absent: no such file or folder" in capsys.readouterr().err


def test_guardduty_files_with_index(tmp_path: Path) -> None:
    (tmp_path / "findings.json").write_text(json.dumps(findings()))
    (tmp_path / "export.jsonl.gz").write_bytes(export_jsonl_gz(findings()))
    out, index = tmp_path / "out.csv", tmp_path / "index.csv"
    assert cli.main(["tuples", "guardduty", str(tmp_path / "findings.json"), str(tmp_path / "export.jsonl.gz"),
                     "--out", str(out), "--index", str(index)]) == 0  # fmt: skip
    rows = index.read_text().splitlines()
    assert rows[0] == "finding_id,type,severity,updated_at,account,region,principal,ip"
    assert len(rows) - 1 == len(out.read_text().splitlines()) == 10


@pytest.mark.emulator
def test_cloudtrail_from_an_s3_prefix(emulator_env: Target, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SECML_EMULATOR_PORT", str(emulator_env.emulator_port))
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="backfill-logs", CreateBucketConfiguration={"LocationConstraint": emulator_env.region})
    for n in range(3):
        s3.put_object(Bucket="backfill-logs", Key=org_key(f"{n}"), Body=delivered_log(records()))
    out = tmp_path / "tuples.csv"
    assert cli.main(["tuples", "cloudtrail", "s3://backfill-logs/cloudtrail/AWSLogs/", "--out", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 21
