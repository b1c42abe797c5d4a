"""`secml report` end to end over synthetic files, local and in S3."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from report_samples import ReportFiles

from secml.cli import main


def _args(files: ReportFiles, out: Path, *extra: str) -> list[str]:
    return [
        "report",
        "--scores", str(files.scores),
        "--index", str(files.index),
        "--train-scores", str(files.train_scores),
        "--out", str(out),
        "--run", "test-run",
        *extra,
    ]  # fmt: skip


def test_writes_every_file_and_prints_quality(
    report_files: ReportFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(_args(report_files, out, "--truth", str(report_files.truth), "--fpr", "0.1")) == 0
    printed = capsys.readouterr().out
    assert "threshold 0.1000: calibrated so 10 of 100 held-out training pairs" in printed
    assert "ROC AUC 1.000" in printed
    assert "most unusual findings" in printed and "f-attack" in printed
    document = json.loads((out / "findings.json").read_text())
    assert document["threshold"]["value"] == pytest.approx(0.1)
    assert document["verdicts"] == {"unusual": 2, "unseen principal": 1, "not scored": 0, "usual": 2}
    csv_lines = (out / "findings.csv").read_text().splitlines()
    assert csv_lines[0] == (
        "finding_id,type,severity,principal,ip,score,verdict,seen_principal,unusualness,longest_prefix,"
        "seen_8,seen_16,seen_24,seen_32,last_used,principal_events,new_to_account,usual_networks,reason"
    )
    assert csv_lines[1].startswith("f-attack,") and ",unusual,true," in csv_lines[1]
    assert len(csv_lines) == 6
    assert (out / "scores.png").read_bytes().startswith(b"\x89PNG")
    assert "<table>" in (out / "report.html").read_text()


def test_threshold_override_skips_calibration(
    report_files: ReportFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_args(report_files, tmp_path / "out", "--threshold", "-10")) == 0
    printed = capsys.readouterr().out
    assert "threshold -10.0000: set by hand" in printed
    assert "no finding scored below the threshold" in printed


def test_bad_input_exits_2_with_one_line(
    report_files: ReportFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_files.scores.write_text("principal,ip\n")
    assert main(_args(report_files, tmp_path / "out")) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("secml report: ") and "header must start" in error and "\n" not in error


def test_missing_file_exits_2(report_files: ReportFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report_files.index.unlink()
    assert main(_args(report_files, tmp_path / "out")) == 2
    assert "does not exist" in capsys.readouterr().err


@mock_aws
def test_reads_from_and_copies_to_s3(
    report_files: ReportFiles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    s3 = boto3.client("s3", region_name="us-west-2")
    s3.create_bucket(Bucket="tuples", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3.upload_file(str(report_files.scores), "tuples", "infer/scores.csv")
    s3.upload_file(str(report_files.index), "tuples", "infer/guardduty_findings.csv")
    # moto's in-process mock answers AWS's own endpoints, so this runs as --target aws would.
    args = ["--target", "aws", *_args(report_files, tmp_path / "out", "--bucket", "tuples")]
    args[args.index("--scores") + 1] = "s3://tuples/infer/scores.csv"
    args[args.index("--index") + 1] = "s3://tuples/infer/guardduty_findings.csv"
    assert main(args) == 0
    listed = s3.list_objects_v2(Bucket="tuples", Prefix="scores/test-run/")["Contents"]
    assert sorted(obj["Key"] for obj in listed) == [
        "scores/test-run/findings.csv",
        "scores/test-run/findings.json",
        "scores/test-run/report.html",
        "scores/test-run/scores.png",
    ]
    head = s3.head_object(Bucket="tuples", Key="scores/test-run/report.html")
    assert head["ContentType"].startswith("text/html")
