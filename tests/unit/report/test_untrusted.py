"""Attacker-influenced finding fields reach a spreadsheet and a terminal inert."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from report_samples import SCORES

from secml.report import compose, console, join, threshold, writer
from secml.report.untrusted import spreadsheet_cell, terminal_text

HOSTILE_INDEX = (
    "finding_id,type,severity,updated_at,account,region,principal,ip\n"
    '"=HYPERLINK(""http://x"")",+cmd|calc,8,2024-05-01T10:00:00Z,1,us-west-2,alice,203.0.113.9\n'
    '@SUM(A1),"\x1b[2Jcleared\rspoof",5,2024-05-01T11:00:00Z,1,us-west-2,bob,198.51.100.7\n'
)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Recon:IAMUser/MaliciousIPCaller", "Recon:IAMUser/MaliciousIPCaller"),
        ("", ""),
    ],
)
def test_formula_cells_are_prefixed_with_an_apostrophe(text: str, cell: str) -> None:
    assert spreadsheet_cell(text) == cell


def test_control_and_format_characters_never_reach_the_terminal() -> None:
    assert terminal_text("a\x1b[31mb\rc\x07d\u202ee\x9bf") == "a[31mbcdef"
    assert terminal_text("arn:aws:iam::1:user/ünïcode") == "arn:aws:iam::1:user/ünïcode"


def _report() -> compose.Report:
    findings = join.join(join.parse_index(HOSTILE_INDEX), join.parse_scores(SCORES), 0.0)
    return compose.Report("run", findings, threshold.fixed(0.0), None, np.array([0.0, 1.0]), np.array([-4.5]))


def test_the_findings_csv_neutralises_text_but_keeps_negative_scores(tmp_path: Path) -> None:
    written = writer.write(_report(), tmp_path / "out")
    with written.findings_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    attack = next(row for row in rows if row["principal"] == "alice")
    assert attack["finding_id"] == '\'=HYPERLINK("http://x")' and attack["type"] == "'+cmd|calc"
    assert attack["score"] == "-4.500000"
    probe = next(row for row in rows if row["principal"] == "bob")
    assert probe["finding_id"] == "'@SUM(A1)"


def test_the_console_line_has_no_control_characters() -> None:
    lines = [console.finding_line(finding) for finding in _report().findings]
    assert all(char.isprintable() for line in lines for char in line)
    assert any("[2Jclearedspoof" in line for line in lines)
