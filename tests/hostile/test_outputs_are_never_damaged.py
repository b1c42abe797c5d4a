"""Data loss made impossible: every file the CLI writes is staged and renamed into place, sources
are checked first, and results are never overwritten without being asked."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from hostile_helpers import cloudtrail_log, leftovers, snapshot, unchanged

from secml.core import storage


def _trail(folder: Path, name: str = "a.json.gz") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(cloudtrail_log())
    return folder


def test_a_typo_in_the_source_leaves_every_output_as_it_was(tmp_path: Path, secml) -> None:
    out, ipv6 = tmp_path / "tuples.csv", tmp_path / "ipv6.csv"
    out.write_text("alice,192.0.2.1\n" * 1000)
    ipv6.write_text("alice,2001:db8::1\n")
    before = snapshot(out, ipv6)
    result = secml("tuples", "cloudtrail", tmp_path / "no-such-trail", "--out", out, "--ipv6-out", ipv6)
    assert result.status == 2
    assert "no-such-trail: no such file or folder" in result.err
    assert unchanged(before) and leftovers(tmp_path) == []


def test_every_input_bad_exits_non_zero_and_keeps_the_earlier_output(tmp_path: Path, secml) -> None:
    trail = tmp_path / "trail"
    trail.mkdir()
    (trail / "broken.json.gz").write_bytes(b"\x1f\x8b garbage")
    (trail / "binary.json").write_bytes(bytes(range(256)) * 4)
    out = tmp_path / "tuples.csv"
    out.write_text("kept,192.0.2.1\n")
    before = snapshot(out)
    result = secml("tuples", "cloudtrail", trail, "--out", out)
    assert result.status == 1
    assert "all 2 input objects were bad" in result.err and "bad object" in result.err
    assert unchanged(before) and leftovers(tmp_path) == []


def test_an_interrupted_write_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "results.csv"
    out.write_text("previous,complete\n")
    before = snapshot(out)
    with pytest.raises(KeyboardInterrupt), storage.staged_output(out) as stream:
        stream.write("half of a new file")
        raise KeyboardInterrupt
    assert unchanged(before) and leftovers(tmp_path) == []


def test_two_writers_on_one_output_each_rename_a_complete_file(tmp_path: Path) -> None:
    out = tmp_path / "shared.csv"
    bodies = {"a": "a-line\n" * 200_000, "b": "b-line\n" * 300_000}
    started = threading.Barrier(2)

    def write(body: str) -> None:
        with storage.staged_output(out) as stream:
            started.wait()
            for start in range(0, len(body), 4096):
                stream.write(body[start : start + 4096])

    threads = [threading.Thread(target=write, args=(body,)) for body in bodies.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert out.read_text() in bodies.values()  # the last rename wins, never an interleaving
    assert leftovers(tmp_path) == []


def test_two_secml_tuples_runs_on_one_output_leave_one_complete_file(tmp_path: Path) -> None:
    small, large = _trail(tmp_path / "small"), _trail(tmp_path / "large")
    for n in range(20):
        (large / f"copy-{n}.json.gz").write_bytes(cloudtrail_log())
    out = tmp_path / "tuples.csv"
    expected = {}
    for name, trail in (("small", small), ("large", large)):
        subprocess.run(
            [
                sys.executable,
                "-m",
                "secml.cli",
                "tuples",
                "cloudtrail",
                str(trail),
                "--out",
                str(tmp_path / f"{name}.csv"),
            ],
            check=True,
            capture_output=True,
        )
        expected[name] = (tmp_path / f"{name}.csv").read_bytes()
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "secml.cli", "tuples", "cloudtrail", str(trail), "--out", str(out)],
            stderr=subprocess.PIPE,
        )
        for trail in (small, large)
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0 and b"Traceback" not in err
    assert out.read_bytes() in expected.values()
    assert b"\0" not in out.read_bytes() and leftovers(tmp_path) == []


@pytest.mark.parametrize(
    "bad_out",
    ["folder", "under-a-file/tuples.csv"],
)
def test_an_out_path_that_cannot_be_written_fails_in_one_line_before_the_work(
    tmp_path: Path, secml, bad_out: str
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "under-a-file").write_text("a file, not a folder")
    result = secml("tuples", "cloudtrail", _trail(tmp_path / "trail"), "--out", tmp_path / bad_out)
    assert result.status == 2 and f"cannot write {tmp_path / bad_out}" in result.err


def test_data_generate_refuses_a_destination_holding_a_corpus(tmp_path: Path, secml) -> None:
    dest, truth = tmp_path / "corpus", tmp_path / "truth.csv"
    (dest / "cloudtrail").mkdir(parents=True)
    (dest / "cloudtrail" / "earlier.json.gz").write_bytes(b"an earlier corpus")
    truth.write_text("finding_id,label,reason\n")
    before = snapshot(dest / "cloudtrail" / "earlier.json.gz", truth)
    result = secml("data", "generate", "--out", dest, "--truth", truth, "--records", "1000", "--findings", "10")
    assert result.status == 2 and f"{dest} already holds files" in result.err and "--overwrite" in result.err
    assert unchanged(before)


def test_data_generate_refuses_a_truth_path_that_is_a_folder(tmp_path: Path, secml) -> None:
    (tmp_path / "truth").mkdir()
    result = secml("data", "generate", "--out", tmp_path / "corpus", "--truth", tmp_path / "truth")
    assert result.status == 2 and "it is a folder" in result.err
    assert not (tmp_path / "corpus").exists()


def test_data_tutorial_refuses_a_non_empty_folder_unless_told(tmp_path: Path, secml) -> None:
    out = tmp_path / "tutorial"
    out.mkdir()
    (out / "train.csv").write_text("mine\n")
    before = snapshot(out / "train.csv")
    result = secml("data", "tutorial", "--out", out, "--users", "50", "--test-pairs", "10")
    assert result.status == 2 and "already holds files" in result.err
    assert unchanged(before)
    assert secml("data", "tutorial", "--out", out, "--users", "50", "--test-pairs", "10", "--overwrite").status == 0
    assert (out / "train.csv").read_text() != "mine\n" and leftovers(out) == []
