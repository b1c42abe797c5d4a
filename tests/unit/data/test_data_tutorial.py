"""`secml data tutorial`: the IP Insights tutorial's generative process and evaluation protocol."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from secml.cli import main
from secml.data import tutorial
from secml.data.networks import build_table
from secml.data.structures import STRUCTURES, table_for
from secml.ipinsights.metrics import roc_auc


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
    summary = tutorial.generate(tmp_path, seed=1, shape=tutorial.Shape(users=400, test_pairs=2_000, ranges=100_000))
    train = list(csv.reader(summary.train_path.open()))
    test = list(csv.reader(summary.test_path.open()))
    assert len(train) == summary.train_pairs and all(len(row) == 2 for row in train)
    assert 0.65 < summary.train_pairs / summary.events < 0.75  # 7 of 10 days
    assert len(test) == 4_000 and [row[2] for row in test] == ["0"] * 2_000 + ["1"] * 2_000
    seen = {row[0] for row in train}
    assert {row[0] for row in test} <= seen
    assert all(row[0].startswith("user_") for row in train[:100])


def test_same_seed_same_files(tmp_path: Path) -> None:
    first = tutorial.generate(tmp_path / "a", seed=2, shape=tutorial.Shape(users=100, test_pairs=200, ranges=100_000))
    second = tutorial.generate(tmp_path / "b", seed=2, shape=tutorial.Shape(users=100, test_pairs=200, ranges=100_000))
    assert first.train_path.read_bytes() == second.train_path.read_bytes()
    assert first.test_path.read_bytes() == second.test_path.read_bytes()


def test_cli_writes_the_corpus_and_rejects_impossible_sizes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "tutorial", "--out", str(tmp_path), "--users", "100", "--test-pairs", "100"]) == 0
    assert "train:" in capsys.readouterr().out and (tmp_path / "test.csv").is_file()
    assert main(["data", "tutorial", "--out", str(tmp_path / "new"), "--users", "5", "--test-pairs", "100000"]) == 2
    assert "held-out" in capsys.readouterr().err
    assert main(["data", "tutorial", "--out", str(tmp_path), "--users", "100", "--test-pairs", "100"]) == 2
    assert "already holds files" in capsys.readouterr().err


def test_default_files_are_the_tutorials_bytes(tmp_path: Path) -> None:
    """The structures, event budget and near attacks leave the default corpus unchanged: these are
    the digests of the files written before they existed (seed 3, 300 users, 500 test pairs)."""
    import hashlib

    summary = tutorial.generate(tmp_path, seed=3, shape=tutorial.Shape(users=300, test_pairs=500))
    assert hashlib.md5(summary.train_path.read_bytes()).hexdigest() == "b0ebe00428209b5ccc3714f9807d1883"
    assert hashlib.md5(summary.test_path.read_bytes()).hexdigest() == "0101318692590e6d805b17e7c8b08789"


@pytest.mark.parametrize("structure", list(STRUCTURES))
def test_every_structure_keeps_users_near_their_ranges_and_is_deterministic(structure: str) -> None:
    corpus = tutorial.simulate(1, tutorial.Shape(users=200, test_pairs=300, ranges=50_000, structure=structure))
    again = tutorial.simulate(1, tutorial.Shape(users=200, test_pairs=300, ranges=50_000, structure=structure))
    assert np.array_equal(corpus.train_ip, again.train_ip) and np.array_equal(corpus.test_ip, again.test_ip)
    # The Bayes-optimal score separates attacks from normal logins, less so where users travel more.
    ceiling = roc_auc(corpus.ceiling_score, corpus.attack)
    assert (0.93 if structure == "high-travel" else 0.97) < ceiling < 1.0


def test_packed_tables_have_the_structures_sizes_and_alignment() -> None:
    unaligned = table_for(STRUCTURES["unaligned"], 50_000, seed=0)
    sizes = unaligned.end.astype(np.int64) - unaligned.begin + 1
    prefixes = 32 - np.log2(sizes).astype(int)
    assert prefixes.min() >= 12 and prefixes.max() <= 28 and {12, 28} <= set(prefixes.tolist())
    assert np.mean(unaligned.begin % sizes != 0) > 0.5  # most start off their own size
    assert np.all(unaligned.begin[1:] > unaligned.end[:-1])  # sorted, never overlapping
    clustered = table_for(STRUCTURES["clustered"], 50_000, seed=0)
    clustered_sizes = clustered.end.astype(np.int64) - clustered.begin + 1
    assert np.all(clustered.begin % clustered_sizes == 0)
    # back to back: the median gap between neighbours is smaller than the median range
    assert np.median(clustered.begin[1:].astype(np.int64) - clustered.end[:-1]) < np.median(clustered_sizes)
    for table in (unaligned, clustered):
        first_octet = table.begin >> 24
        assert not np.any(np.isin(first_octet, [0, 10, 127])) and np.all(first_octet < 224)


def test_shared_egress_addresses_are_shared_by_many_users() -> None:
    corpus = tutorial.simulate(0, tutorial.Shape(users=300, test_pairs=200, ranges=50_000, structure="shared-egress"))
    pairs = np.unique(np.column_stack([corpus.train_user, corpus.train_ip]), axis=0)
    _, sharing = np.unique(pairs[:, 1], return_counts=True)
    assert np.sort(sharing)[-5:].min() >= 3  # the busiest egress addresses serve several users


def test_small_account_has_its_size_and_near_attacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "small"
    assert main(["data", "small-account", "--out", str(out), "--principals", "40", "--tuples", "12000"]) == 0
    train = list(csv.reader((out / "train.csv").open()))
    test = list(csv.reader((out / "test.csv").open()))
    assert abs(len(train) - 12_000) < 600 and len({row[0] for row in train}) <= 40
    assert [row[2] for row in test] == ["0"] * 150 + ["1"] * 150
    corpus = tutorial.simulate(
        0, tutorial.Shape(users=40, test_pairs=150, events=round(12_000 * 10 / 7), near_share=0.3)
    )
    table = table_for(STRUCTURES["tutorial"], tutorial.TUTORIAL_RANGES, 0)
    attacked = corpus.test_user[corpus.attack]
    ranges = table.range_of(corpus.test_ip[corpus.attack])
    home, work = corpus.population.home[attacked], corpus.population.work[attacked]
    near = (np.abs(ranges - home) <= tutorial.NEAR_OFFSETS[1]) | (np.abs(ranges - work) <= tutorial.NEAR_OFFSETS[1])
    assert 0.2 < near.mean() < 0.4  # 30 % near the principal's own ranges, the rest anywhere
    assert main(["data", "small-account", "--out", str(out), "--findings", "3"]) == 2
    assert "even number" in capsys.readouterr().err


def test_small_account_refuses_a_non_empty_destination(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["data", "small-account", "--out", str(tmp_path), "--principals", "20", "--tuples", "3000"]
    assert main([*args, "--findings", "40"]) == 0
    before = (tmp_path / "train.csv").read_bytes()
    assert main([*args, "--findings", "60"]) == 2
    assert "already holds files" in capsys.readouterr().err
    assert (tmp_path / "train.csv").read_bytes() == before
