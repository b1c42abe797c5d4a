"""`secml data tutorial`: the IP Insights tutorial's generative process and evaluation protocol."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from secml.cli import main
from secml.data import tutorial
from secml.data.networks import build_table


def test_logins_follow_the_tutorial_process() -> None:
    table = build_table(100_000, seed=0)
    logins = tutorial.simulate_logins(table, 2_000, np.random.default_rng(0))
    counts = np.bincount(logins.user, minlength=2_000)
    assert counts.min() >= 50 and counts.max() <= tutorial.MAX_EVENTS_PER_USER
    assert 250 < counts.mean() < 400  # 50 * (1 + ln 200) = 315 for Pareto(1) capped at 200x
    assert logins.second.min() >= 0 and logins.second.max() < tutorial.DAYS * 86_400
    ranges = table.range_of(logins.ip)
    assert np.all(ranges >= 0)
    # Users stay within a few entries (sigma 10) of two centres, home and work, unless travelling.
    near_centres = []
    for u in range(200):
        buckets = np.bincount(ranges[logins.user == u] // 100)
        near_centres.append(np.sort(buckets)[-4:].sum() / buckets.sum())
    assert np.median(near_centres) > 0.9


def test_work_offsets_cover_the_whole_window_but_never_home() -> None:
    offsets = tutorial.nonzero_offsets(np.random.default_rng(0), 3, 10_000)
    assert set(offsets.tolist()) == {-3, -2, -1, 1, 2, 3}
    assert np.all(np.abs(np.bincount(offsets + 3, minlength=7)[[0, 1, 2, 4, 5, 6]] / 10_000 - 1 / 6) < 0.02)


def test_files_split_by_time_and_label_random_ranges(tmp_path: Path) -> None:
    summary = tutorial.generate(tmp_path, seed=1, users=400, test_pairs=2_000, ranges=100_000)
    train = list(csv.reader(summary.train_path.open()))
    test = list(csv.reader(summary.test_path.open()))
    assert len(train) == summary.train_pairs and all(len(row) == 2 for row in train)
    assert 0.65 < summary.train_pairs / summary.events < 0.75  # 7 of 10 days
    assert len(test) == 4_000 and [row[2] for row in test] == ["0"] * 2_000 + ["1"] * 2_000
    seen = {row[0] for row in train}
    assert {row[0] for row in test} <= seen
    assert all(row[0].startswith("user_") for row in train[:100])


def test_same_seed_same_files(tmp_path: Path) -> None:
    first = tutorial.generate(tmp_path / "a", seed=2, users=100, test_pairs=200, ranges=100_000)
    second = tutorial.generate(tmp_path / "b", seed=2, users=100, test_pairs=200, ranges=100_000)
    assert first.train_path.read_bytes() == second.train_path.read_bytes()
    assert first.test_path.read_bytes() == second.test_path.read_bytes()


def test_cli_writes_the_corpus_and_rejects_impossible_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "tutorial", "--out", str(tmp_path), "--users", "100", "--test-pairs", "100"]) == 0
    assert "train:" in capsys.readouterr().out and (tmp_path / "test.csv").is_file()
    assert main(["data", "tutorial", "--out", str(tmp_path / "new"), "--users", "5", "--test-pairs", "100000"]) == 2
    assert "held-out" in capsys.readouterr().err
    assert main(["data", "tutorial", "--out", str(tmp_path), "--users", "100", "--test-pairs", "100"]) == 2
    assert "already holds files" in capsys.readouterr().err
