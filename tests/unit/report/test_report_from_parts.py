"""Scoring and reporting GuardDuty parts (infer/parts/ with the finding index in infer/parts-index/)
gives the same scores and the same scored findings as the single tuples CSV and finding index of
the whole-prefix ingest over the same findings objects, as a user runs `secml score` and `secml
report` on S3."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from ingest_fixtures import export_jsonl_gz, findings
from moto import mock_aws

from secml.cli import main
from secml.ipinsights.tuples_io import DateWindow, read_tuples
from secml.report.compose import read_index
from secml_ingest.config import GuardDutyConfig
from secml_ingest.jobs import run_guardduty
from secml_ingest.part_kinds import GUARDDUTY
from secml_ingest.parts import PartsConfig, ingest_event

EXPORT = "export/AWSLogs/111122223333/GuardDuty/us-west-2/2024/03/{day:02d}/{name}.jsonl.gz"
PRINCIPALS = ("AROAEXAMPLEROLE00001", "AIDAEXAMPLEUSER00001", "root:111122223333")
TRAIN = "".join(f"{p},10.{u}.0.{i}\n" for u, p in enumerate(PRINCIPALS) for i in range(40))
# moto's in-process mock answers AWS's own endpoints, so every command runs as --target aws would.
AWS = ["--target", "aws"]
SMALL_MODEL = ["--num-entity-vectors", "32", "--vector-dim", "8", "--epochs", "1", "--seed", "3"]


def _ingested_both_ways(s3: Any) -> None:
    """The fixture findings in three export objects over three days, ingested whole (one CSV and
    one index) and per object (parts)."""
    keys = [EXPORT.format(day=day, name=f"object-{day}") for day in (1, 2, 3)]
    for key, chosen in zip(keys, (findings()[:2], findings()[2:4], findings()[4:]), strict=True):
        s3.put_object(Bucket="findings", Key=key, Body=export_jsonl_gz(chosen))
    whole = GuardDutyConfig(
        "findings", "export/", "tuples", "infer/guardduty_tuples.csv", "infer/guardduty_findings.csv"
    )
    run_guardduty(s3, whole, "none", emit=print)
    batch = {"Items": [{"Key": key, "Size": 1} for key in keys], "BatchInput": {"bucket": "findings"}}
    ingest_event(s3, batch, PartsConfig.from_environ({"OUTPUT_BUCKET": "tuples"}, GUARDDUTY))


def _score_and_report(model: Path, tuples: str, index: str, out: Path, *window: str) -> tuple[str, str]:
    scores = out / "scores.csv"
    assert main([*AWS, "score", "--model", str(model), "--input", tuples, "--out", str(scores), *window]) == 0
    report = [
        "report",
        "--scores",
        str(scores),
        "--index",
        index,
        "--train-scores",
        str(model.parent / "train_scores.csv"),
    ]
    assert main([*AWS, *report, "--out", str(out / "report"), "--run", "same", *window]) == 0
    return scores.read_text(), (out / "report" / "findings.csv").read_text()


@mock_aws
def test_parts_score_and_report_as_the_single_csv_and_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    s3 = boto3.client("s3", region_name="us-west-2")
    for bucket in ("findings", "tuples"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    _ingested_both_ways(s3)
    (tmp_path / "train.csv").write_text(TRAIN)
    model = tmp_path / "model"
    train = ["train", "--backend", "local", "--train", str(tmp_path / "train.csv"), "--model", str(model)]
    assert main([*AWS, *train, *SMALL_MODEL]) == 0
    train_scores = [*AWS, "score", "--model", str(model), "--input", str(tmp_path / "train.csv")]
    assert main([*train_scores, "--out", str(tmp_path / "train_scores.csv")]) == 0

    single = _score_and_report(
        model, "s3://tuples/infer/guardduty_tuples.csv", "s3://tuples/infer/guardduty_findings.csv", tmp_path / "single"
    )
    parts = _score_and_report(model, "s3://tuples/infer/parts/", "s3://tuples/infer/parts-index/", tmp_path / "parts")
    assert single == parts
    assert len(single[0].splitlines()) == 6 and len(single[1].splitlines()) == 6  # header + 5 finding IPs

    # A window keeps the same days of both prefixes: row i of the index still describes tuple i.
    window = DateWindow(since="2024-03-02")
    tuples = read_tuples("s3://tuples/infer/parts/", window)
    index = read_index("s3://tuples/infer/parts-index/", window)
    assert [(row.principal, row.ip) for row in index] == list(zip(tuples.principals, tuples.ips, strict=True))
    assert {row.finding_id for row in index} == {"f-probe"}
    capsys.readouterr()
    windowed = _score_and_report(
        model, "s3://tuples/infer/parts/", "s3://tuples/infer/parts-index/", tmp_path / "day2", "--since", "2024-03-02"
    )
    assert len(windowed[1].splitlines()) == 1 + 3 and "f-api" not in windowed[1]


def test_a_window_over_a_single_index_file_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "index.csv").write_text("finding_id,type,severity,updated_at,account,region,principal,ip\n")
    (tmp_path / "scores.csv").write_text("principal,ip,dot_product,seen_principal\n")
    args = ["report", "--scores", str(tmp_path / "scores.csv"), "--index", str(tmp_path / "index.csv")]
    args += ["--train-scores", "t.csv"]
    assert main([*args, "--out", str(tmp_path / "out"), "--since", "2024-03-01"]) == 2
    err = capsys.readouterr().err
    assert "a date window needs a folder or s3:// prefix of parts" in err and "Traceback" not in err
