"""`secml exercise` fails with one clear line when a prerequisite is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from secml.cli import main


def test_without_a_stack_it_says_to_run_make_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path))
    assert main(["--target", "local", "exercise", "2.4"]) == 1
    captured = capsys.readouterr()
    assert "=== Exercise 2.4: Training and scoring with the IP Insights algorithm ===" in captured.out
    error = captured.err.strip()
    assert error.startswith("secml exercise: ") and "make up" in error and "\n" not in error


def test_on_aws_without_credentials_it_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["--target", "aws", "exercise", "1"]) == 2
    assert "no AWS credentials found" in capsys.readouterr().err
