"""Inputs in the shapes AWS documents and other projects meet (tests/fixtures/ingest/documented,
hand-written after AWS's documentation): `secml tuples` agrees with an expectation worked out by
hand, for every record and finding."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from secml import cli

DOCUMENTED = Path(__file__).resolve().parents[2] / "fixtures" / "ingest" / "documented"
FIREHOSE_ARCHIVE = "guardduty-events-1-2024-01-01-00-00-00-0f8fad5b-d9cb-469f-a165-70867728950e"
EXPECTED: dict[str, Any] = json.loads((DOCUMENTED / "expected.json").read_text())


def _facts(counts: dict[str, int], unit: str) -> list[str]:
    return [f"{unit} skipped ({reason}): {n}" for reason, n in counts.items()]


def test_documented_cloudtrail_records(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = EXPECTED["cloudtrail"]
    out, ipv6 = tmp_path / "tuples.csv", tmp_path / "ipv6.csv"
    source = str(DOCUMENTED / "cloudtrail_documented.json")
    assert cli.main(["tuples", "cloudtrail", source, "--out", str(out), "--ipv6-out", str(ipv6)]) == 0
    assert out.read_text().splitlines() == expected["tuples"]
    assert ipv6.read_text().splitlines() == expected["ipv6_tuples"]
    err = capsys.readouterr().err
    for fact in [f"records seen: {expected['records_seen']}", *_facts(expected["records_skipped"], "records")]:
        assert fact in err
    assert "not_an_ip" not in err and "no_principal_id" not in err


def test_rest_api_findings_in_camel_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = EXPECTED["guardduty_rest_api"]
    out = tmp_path / "tuples.csv"
    assert cli.main(["tuples", "guardduty", str(DOCUMENTED / "guardduty_rest_api.json"), "--out", str(out)]) == 0
    assert out.read_text().splitlines() == expected["tuples"]
    err = capsys.readouterr().err
    assert f"findings seen: {expected['findings_seen']}" in err
    for fact in _facts(expected["findings_skipped"], "findings"):
        assert fact in err
    assert "malformed_finding" not in err and "remote IPs skipped" not in err


@pytest.mark.parametrize("name", [FIREHOSE_ARCHIVE, FIREHOSE_ARCHIVE + ".gz"])
def test_a_firehose_archive_named_explicitly_is_read(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = EXPECTED["guardduty_firehose"]
    archive = tmp_path / name
    body = (DOCUMENTED / FIREHOSE_ARCHIVE).read_bytes()
    archive.write_bytes(gzip.compress(body) if name.endswith(".gz") else body)
    out = tmp_path / "tuples.csv"
    assert cli.main(["tuples", "guardduty", str(archive), "--out", str(out)]) == 0
    assert out.read_text().splitlines() == expected["tuples"]
    err = capsys.readouterr().err
    assert f"findings seen: {expected['findings_seen']}" in err
    for fact in _facts(expected["findings_skipped"], "findings"):
        assert fact in err


def test_in_a_folder_gz_archives_are_read_and_extension_less_objects_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "firehose" / "2024" / "01" / "01" / "00"
    folder.mkdir(parents=True)
    shutil.copy(DOCUMENTED / FIREHOSE_ARCHIVE, folder / FIREHOSE_ARCHIVE)
    (folder / (FIREHOSE_ARCHIVE + ".gz")).write_bytes(gzip.compress((DOCUMENTED / FIREHOSE_ARCHIVE).read_bytes()))
    out = tmp_path / "tuples.csv"
    assert cli.main(["tuples", "guardduty", str(tmp_path / "firehose"), "--out", str(out)]) == 0
    assert out.read_text().splitlines() == EXPECTED["guardduty_firehose"]["tuples"]
    err = capsys.readouterr().err
    assert "objects read: 1" in err and "objects skipped (not_a_findings_file): 1" in err


def test_concatenated_events_with_a_broken_one_are_a_bad_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "broken"
    archive.write_bytes((DOCUMENTED / FIREHOSE_ARCHIVE).read_bytes()[:-40])
    out = tmp_path / "tuples.csv"
    assert cli.main(["tuples", "guardduty", str(archive), "--out", str(out)]) == 0
    assert out.read_text() == ""
    assert "invalid JSON" in capsys.readouterr().err
