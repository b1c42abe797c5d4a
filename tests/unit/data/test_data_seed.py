"""Seeding the emulator's input buckets, and `secml data generate` to an s3:// prefix."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import boto3
import pytest

from secml.cli import main
from secml.core.errors import InputError
from secml.core.target import Target
from secml.data.corpus import CorpusSize
from secml.data.destinations import Destination
from secml.data.seed import upload_corpus

TINY = CorpusSize(records=3_000, days=1, people=6, findings=12)

pytestmark = pytest.mark.emulator


def _keys(s3: Any, bucket: str, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_seed_creates_missing_buckets_and_writes_the_corpus_at_the_prefixes(
    emulator_env: Target, tmp_path: Path
) -> None:
    s3 = boto3.client("s3", region_name=emulator_env.region)
    s3.create_bucket(Bucket="seed-logs", CreateBucketConfiguration={"LocationConstraint": emulator_env.region})
    truth = tmp_path / "truth.csv"
    summary = upload_corpus(emulator_env, ("seed-logs", "cloudtrail/"), ("seed-findings", "gd/"), truth, size=TINY)
    logs = _keys(s3, "seed-logs", "cloudtrail/AWSLogs/")
    assert len(logs) == summary.cloudtrail_files and all(k.endswith(".json.gz") for k in logs)
    findings = _keys(s3, "seed-findings", "gd/AWSLogs/")
    assert findings and all(k.endswith(".json") for k in findings)
    with truth.open() as handle:
        assert len(list(csv.DictReader(handle))) == summary.attack_findings + summary.benign_findings
    again = upload_corpus(emulator_env, ("seed-logs", "cloudtrail/"), ("seed-findings", "gd/"), truth, size=TINY)
    assert sorted(_keys(s3, "seed-logs", "cloudtrail/")) == sorted(logs) and again.records == summary.records


def test_generate_command_writes_to_s3_and_rejects_a_too_small_corpus(
    emulator_env: Target, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECML_EMULATOR_PORT", str(emulator_env.emulator_port))
    s3 = boto3.client("s3", region_name=emulator_env.region)
    s3.create_bucket(Bucket="generated", CreateBucketConfiguration={"LocationConstraint": emulator_env.region})
    args = [
        "data",
        "generate",
        "--out",
        "s3://generated/workshop",
        "--truth",
        str(tmp_path / "t.csv"),
        "--records",
        "3000",
        "--days",
        "1",
        "--people",
        "6",
        "--findings",
        "12",
    ]
    assert main(args) == 0
    assert "cloudtrail: " in capsys.readouterr().out
    assert _keys(s3, "generated", "workshop/cloudtrail/AWSLogs/") and _keys(
        s3, "generated", "workshop/guardduty/AWSLogs/"
    )
    assert main([*args[:-2], "--findings", "3"]) == 2
    assert "at least" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([*args[:-2], "--findings", "0"])
    assert CorpusSize().records >= 200_000


def test_destination_puts_keys_under_the_bucket_or_prefix_and_refuses_a_url_without_a_bucket(
    emulator_env: Target,
) -> None:
    s3 = boto3.client("s3", region_name=emulator_env.region)
    s3.create_bucket(Bucket="destinations", CreateBucketConfiguration={"LocationConstraint": emulator_env.region})
    for url in ("s3://destinations", "s3://destinations/deep/prefix/"):
        with Destination(url) as out:
            out.write("a/b.json", b"{}")
    assert sorted(_keys(s3, "destinations", "")) == ["a/b.json", "deep/prefix/a/b.json"]
    with pytest.raises(InputError, match="names no bucket"):
        Destination("s3:///key")
