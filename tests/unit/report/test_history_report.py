"""`secml report --history`: evidence columns, the verdict on unusualness calibrated on held-out
pairs, unseen principals keeping their verdict, and a deterministic ranking."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from report_samples import ReportFiles

from secml.cli import main
from secml.report import explain

# The tuples the model was fitted on: each principal's own network.
HISTORY = "alice,10.1.0.5\n" * 20 + "bob,198.51.100.7\n" * 15 + "bob,198.51.100.20\n" * 5 + "ci-role,192.0.2.1\n" * 20
# The same tuples as dated training parts: bob used 198.51.100.7 last on 03-07, the account last on 03-11.
PARTS = {
    "2026/03/07": "alice,10.1.0.5\n" * 10 + "bob,198.51.100.7\n" * 15,
    "2026/03/09": "alice,10.1.0.5\n" * 10 + "ci-role,192.0.2.1\n" * 20,
    "2026/03/11": "bob,198.51.100.20\n" * 5,
}


def _held_out_scores(count: int = 100) -> str:
    """Held-out normal pairs: new addresses inside each principal's own network, scores 0.00-0.99."""
    nets = {"alice": "10.1.0", "bob": "198.51.100", "ci-role": "192.0.2"}
    rows = []
    for i in range(count):
        principal = ("alice", "bob", "ci-role")[i % 3]
        rows.append(f"{principal},{nets[principal]}.{100 + i % 150},{i / count:.2f},true")
    return "principal,ip,dot_product,seen_principal\n" + "\n".join(rows) + "\n"


@pytest.fixture
def history_files(report_files: ReportFiles, tmp_path: Path) -> tuple[ReportFiles, Path]:
    history = tmp_path / "fit.csv"
    history.write_text(HISTORY)
    report_files.train_scores.write_text(_held_out_scores())
    return report_files, history


def _run(files: ReportFiles, history: Path, out: Path, *extra: str) -> int:
    return main(
        [
            "report", "--scores", str(files.scores), "--index", str(files.index),
            "--train-scores", str(files.train_scores), "--history", str(history),
            "--truth", str(files.truth), "--out", str(out), "--run", "history-run", *extra,
        ]
    )  # fmt: skip


def test_evidence_unusualness_and_verdicts(
    history_files: tuple[ReportFiles, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files, history = history_files
    assert _run(files, history, tmp_path / "out") == 0
    printed = capsys.readouterr().out
    assert "unusualness calibrated so 1 of 100 held-out training pairs (1.00%) lie above it" in printed
    rows = {(r["finding_id"], r["ip"]): r for r in csv.DictReader((tmp_path / "out" / "findings.csv").open())}
    attack = rows[("f-attack", "203.0.113.9")]
    assert attack["verdict"] == "unusual" and float(attack["unusualness"]) == 1.0
    assert attack["score"] == "-4.500000"  # the IP Insights score is kept unchanged
    assert attack["seen_8"] == "0" and attack["new_to_account"] == "true"
    assert attack["reason"] == "never used 203.0.0.0/8; usual: 10.1.0.0/16 (20×)"
    benign = rows[("f-benign", "198.51.100.7")]
    assert benign["verdict"] == "usual" and benign["longest_prefix"] == "32" and benign["seen_32"] == "15"
    assert benign["usual_networks"] == "198.51.0.0/16 (20×)"
    # An undated history (one CSV) says nothing about when.
    assert {row["last_used"] for row in rows.values()} == {""}
    assert not any("last" in row["reason"] for row in rows.values())
    # An unseen principal keeps its own verdict (no unusualness), but still gets its evidence.
    unseen = rows[("f-new", "192.0.2.99")]
    assert unseen["verdict"] == "unseen principal" and unseen["unusualness"] == ""
    assert unseen["reason"] == "principal unseen by the model; principal absent from the training history"
    document = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert document["findings"][0]["finding_id"] == "f-attack"
    assert document["findings"][0]["reason"].startswith("never used 203.0.0.0/8")
    assert "never used 203.0.0.0/8" in (tmp_path / "out" / "report.html").read_text()
    assert {finding["last_used"] for finding in document["findings"]} == {None}


def test_last_used_from_dated_parts(history_files: tuple[ReportFiles, Path], tmp_path: Path) -> None:
    files, _ = history_files
    for day, tuples in PARTS.items():
        (tmp_path / "parts" / day).mkdir(parents=True)
        (tmp_path / "parts" / day / "part-0.csv").write_text(tuples)
    assert _run(files, tmp_path / "parts", tmp_path / "out") == 0
    rows = {(r["finding_id"], r["ip"]): r for r in csv.DictReader((tmp_path / "out" / "findings.csv").open())}
    benign = rows[("f-benign", "198.51.100.7")]
    assert benign["last_used"] == "2026-03-07"  # bob's last use of this address, not its last day
    assert benign["reason"] == (
        "used this address 15× before (75.00% of its 20 events), last on 2026-03-07; usual: 198.51.0.0/16 (20×)"
    )
    probe = rows[("f-probe", "192.0.2.2")]
    assert probe["longest_prefix"] == "30" and probe["last_used"] == "2026-03-09"
    assert probe["reason"].startswith(
        "never used this address (closest: same /30); last used 192.0.2.0/30 on 2026-03-09;"
    )
    # alice shares no leading bit with 203.0.113.9: the day is its last of all, not named in the reason.
    attack = rows[("f-attack", "203.0.113.9")]
    assert attack["longest_prefix"] == "0" and attack["last_used"] == "2026-03-09"
    assert attack["reason"] == "never used 203.0.0.0/8; usual: 10.1.0.0/16 (20×)"
    assert rows[("f-new", "192.0.2.99")]["last_used"] == ""
    document = json.loads((tmp_path / "out" / "findings.json").read_text())
    by_ip = {finding["ip"]: finding for finding in document["findings"]}
    assert by_ip["198.51.100.7"]["last_used"] == "2026-03-07" and by_ip["192.0.2.99"]["last_used"] is None
    page = (tmp_path / "out" / "report.html").read_text()
    assert "<th>last used</th>" in page and "<td>2026-03-07</td>" in page
    assert "last used 192.0.2.0/30 on 2026-03-09" in page


def test_ranking_is_deterministic(history_files: tuple[ReportFiles, Path], tmp_path: Path) -> None:
    files, history = history_files
    assert _run(files, history, tmp_path / "one") == 0
    assert _run(files, history, tmp_path / "two") == 0
    assert (tmp_path / "one" / "findings.csv").read_bytes() == (tmp_path / "two" / "findings.csv").read_bytes()


def test_history_may_hold_the_held_out_pairs(
    history_files: tuple[ReportFiles, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """All the training tuples as --history: each held-out pair is calibrated on without its own uses,
    so the threshold is set on activity new to the history, as with the fitting channel."""
    files, history = history_files
    held_out_tuples = "".join(line.rsplit(",", 2)[0] + "\n" for line in _held_out_scores().splitlines()[1:])
    history.write_text(HISTORY + held_out_tuples)
    assert _run(files, history, tmp_path / "out") == 0
    assert "unusualness calibrated so 1 of 100 held-out training pairs (1.00%) lie above it" in capsys.readouterr().out
    rows = {(r["finding_id"], r["ip"]): r for r in csv.DictReader((tmp_path / "out" / "findings.csv").open())}
    assert rows[("f-attack", "203.0.113.9")]["verdict"] == "unusual"
    assert rows[("f-benign", "198.51.100.7")]["verdict"] == "usual"
    # the history now holds the held-out pairs too: 34 of them are alice's, in 10.1.0.0/24
    assert rows[("f-attack", "203.0.113.9")]["usual_networks"] == "10.1.0.0/16 (54×)"


def test_fixed_threshold_on_unusualness_is_checked(
    history_files: tuple[ReportFiles, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files, history = history_files
    assert _run(files, history, tmp_path / "out", "--threshold", "-0.5") == 2
    assert "between 0 and 1" in capsys.readouterr().err


def test_calibration_on_unusualness() -> None:
    held_out = np.linspace(0.0, 1.0, 1001)
    chosen = explain.calibrate(held_out, 0.01)
    assert int(np.count_nonzero(held_out > chosen.value)) == 10
    assert chosen.value == pytest.approx(0.99)
    assert explain.calibrate(held_out, 0.1).value < chosen.value


def test_contrast_scores_weigh_a_useless_model_down(
    history_files: tuple[ReportFiles, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files, history = history_files
    # The model scores addresses the principals never used above their held-out ones (it learnt
    # nothing useful); half of them are far networks, half new addresses in the principal's own /24.
    nets = {"alice": "10.1.0", "bob": "198.51.100", "ci-role": "192.0.2"}
    rows = []
    for i in range(100):
        principal = ("alice", "bob", "ci-role")[i % 3]
        ip = f"95.184.{i}.1" if i % 2 else f"{nets[principal]}.{10 + i}"
        rows.append(f"{principal},{ip},{1 + (i * 37 % 100) / 100:.2f},true")
    contrast = tmp_path / "contrast_scores.csv"
    contrast.write_text("principal,ip,dot_product,seen_principal\n" + "\n".join(rows) + "\n")
    assert _run(files, history, tmp_path / "out", "--contrast-scores", str(contrast)) == 0
    printed = capsys.readouterr().out
    line = next(line for line in printed.splitlines() if line.startswith("unusualness: IP Insights weight"))
    assert float(line.split("weight ")[1].split(",")[0]) == 0.0
    document = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert document["combination"] == line.removeprefix("unusualness: ")


def test_contrast_scores_need_the_history(
    history_files: tuple[ReportFiles, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files, _ = history_files
    code = main(
        [
            "report", "--scores", str(files.scores), "--index", str(files.index),
            "--train-scores", str(files.train_scores), "--contrast-scores", str(files.train_scores),
            "--out", str(tmp_path / "out"),
        ]
    )  # fmt: skip
    assert code == 2
    assert "give --history as well" in capsys.readouterr().err
