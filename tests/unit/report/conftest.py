"""The synthetic report inputs of report_samples.py, written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_samples import INDEX, SCORES, TRUTH, ReportFiles, training_scores_csv


@pytest.fixture
def report_files(tmp_path: Path) -> ReportFiles:
    files = ReportFiles(
        index=tmp_path / "guardduty_findings.csv",
        scores=tmp_path / "guardduty_scores.csv",
        train_scores=tmp_path / "train_scores.csv",
        truth=tmp_path / "truth.csv",
    )
    files.index.write_text(INDEX)
    files.scores.write_text(SCORES)
    files.train_scores.write_text(training_scores_csv())
    files.truth.write_text(TRUTH)
    return files
