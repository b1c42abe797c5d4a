"""Garbage, non-UTF-8, huge-field, gzip-bomb and unterminated-quote input to every reader of a
file: the parsers and CSV readers never raise anything but their one error type (property-based),
and every command reading such a file ends in one line."""

from __future__ import annotations

import contextlib
import csv
import gzip
import io
import zlib
from pathlib import Path

import pytest
from hostile_helpers import cloudtrail_log, leftovers, snapshot, unchanged
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secml.core.errors import InputError
from secml.ipinsights import tuples_io
from secml.report import join
from secml_ingest.decoding import plain_bytes
from secml_ingest.errors import BadObjectError
from secml_ingest.guardduty import INDEX_HEADER

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
LINE_BYTES = st.binary(max_size=80).filter(lambda line: b"\n" not in line)


@FAST
@given(st.lists(LINE_BYTES, max_size=30))
def test_tuple_lines_are_each_a_pair_or_one_counted_bad_line(lines: list[bytes]) -> None:
    stream = io.BytesIO(b"\n".join(lines))
    parsed = [tuples_io.parse_line(line) for line in tuples_io.raw_lines(stream)]
    content = [line for line in lines if line.strip()]
    assert len([p for p in parsed if p is not None]) <= len(content)
    for pair in parsed:
        assert pair is None or (isinstance(pair[0], str) and isinstance(pair[1], str))


def test_an_unterminated_quote_costs_one_line_not_the_lines_after_it(tmp_path: Path) -> None:
    good = [f"user-{n},192.0.2.{n % 250}" for n in range(2000)]
    source = tmp_path / "tuples.csv"
    source.write_text('"alice,192.0.2.1\n' + "\n".join(good) + "\n")
    tuples = tuples_io.read_tuples(str(source))
    assert len(tuples) == 2000 and tuples.skipped == 1


def test_non_utf8_and_oversized_lines_are_skipped_alone(tmp_path: Path) -> None:
    source = tmp_path / "tuples.csv"
    huge = b"x" * (tuples_io.MAX_LINE_BYTES + 10) + b",192.0.2.1"
    source.write_bytes(b"a,192.0.2.1\n\xff\xfe,192.0.2.2\n" + huge + b"\n" + b"b,192.0.2.3\n" * 40)
    tuples = tuples_io.read_tuples(str(source))
    assert len(tuples) == 41 and tuples.skipped == 2


def test_a_file_of_mostly_bad_lines_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "not-tuples.bin"
    source.write_bytes(b"\xff\x00garbage,with,fields\n" * 50 + b"a,192.0.2.1\n")
    with pytest.raises(InputError, match=r"50 of 51 lines are not principal,ip"):
        tuples_io.read_tuples(str(source))


@FAST
@given(st.binary(max_size=400))
def test_gunzip_of_anything_gives_bytes_or_a_bad_object(data: bytes) -> None:
    for candidate in (data, b"\x1f\x8b" + data, gzip.compress(data)[: len(data) or None]):
        with contextlib.suppress(BadObjectError):
            assert isinstance(plain_bytes(candidate), bytes)


def test_a_gzip_bomb_is_a_bad_object_without_inflating_it() -> None:
    bomb = gzip.compress(b"\0" * (8 * 2**20))
    with pytest.raises(BadObjectError, match="decompresses to more than 4 MiB"):
        plain_bytes(bomb, limit=4 * 2**20)
    assert plain_bytes(gzip.compress(b"ok") + gzip.compress(b"!")) == b"ok!"  # members, as gzip does


def test_truncated_gzip_is_a_bad_object() -> None:
    with pytest.raises(BadObjectError, match="truncated"):
        plain_bytes(gzip.compress(b"some text " * 100)[:-30])
    with pytest.raises(BadObjectError):
        plain_bytes(b"\x1f\x8b" + zlib.compress(b"not gzip framing"))


@FAST
@given(st.text(max_size=300))
def test_report_csv_readers_raise_only_input_errors(text: str) -> None:
    for parse in (join.parse_scores, join.parse_index):
        with contextlib.suppress(InputError):
            parse(text)


def test_report_csv_with_an_oversized_field_is_one_input_error() -> None:
    text = ",".join(INDEX_HEADER) + "\n" + "f," + "x" * (200 * 2**10) + "\n"
    with pytest.raises(InputError, match="line"):
        join.parse_index(text)


def test_tuples_gzip_bomb_object_is_reported_and_skipped(tmp_path: Path, secml) -> None:
    trail = tmp_path / "trail"
    trail.mkdir()
    (trail / "good.json.gz").write_bytes(cloudtrail_log())
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = bomb.compress(b"\0" * (130 * 2**20)) + bomb.flush()
    (trail / "bomb.json.gz").write_bytes(body)
    out = tmp_path / "tuples.csv"
    result = secml("tuples", "cloudtrail", trail, "--out", out)
    assert result.status == 0
    assert "bad object" in result.err and "decompresses to more than 128 MiB" in result.err
    assert out.read_text().count("\n") > 0


@pytest.mark.parametrize(
    "content",
    [b"\xff\xfe\x00 not utf-8", b'principal,ip,dot_product,seen_principal\n"unterminated,1.2.3.4,1,true\n'],
)
def test_report_on_a_hostile_scores_file_is_one_line(tmp_path: Path, secml, content: bytes) -> None:
    scores = tmp_path / "scores.csv"
    scores.write_bytes(content)
    index = tmp_path / "index.csv"
    index.write_text(",".join(INDEX_HEADER) + "\n")
    result = secml(
        "report", "--scores", scores, "--index", index, "--train-scores", scores, "--out", tmp_path / "report"
    )
    assert result.status == 2 and str(scores) in result.err
    assert not (tmp_path / "report").exists()


def _scores_csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["principal", "ip", "dot_product", "seen_principal", "error"])
        writer.writerows([(*row, "") for row in rows])
    return path


def _index_csv(path: Path, pairs: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(INDEX_HEADER)
        for n, (principal, ip) in enumerate(pairs):
            row = dict.fromkeys(INDEX_HEADER, "x") | {"finding_id": f"f-{n}", "severity": "5"}
            writer.writerow([*(row[name] for name in INDEX_HEADER[:-2]), principal, ip])
    return path


def test_report_refuses_scores_of_another_run_and_an_existing_report(tmp_path: Path, secml) -> None:
    train = _scores_csv(tmp_path / "train.csv", [("alice", f"192.0.2.{n}", f"{n / 10}", "true") for n in range(50)])
    index = _index_csv(tmp_path / "index.csv", [("alice", "198.51.100.1"), ("bob", "198.51.100.2")])
    other_run = _scores_csv(tmp_path / "other.csv", [("carol", "203.0.113.1", "-3", "true")])
    args = ["report", "--index", index, "--train-scores", train]
    result = secml(*args, "--scores", other_run, "--out", tmp_path / "r1")
    assert result.status == 2 and "has no score for 2 of the 2 finding-index rows" in result.err
    assert not (tmp_path / "r1").exists()

    scores = _scores_csv(
        tmp_path / "scores.csv", [("alice", "198.51.100.1", "-2", "true"), ("bob", "198.51.100.2", "1", "true")]
    )
    assert secml(*args, "--scores", scores, "--out", tmp_path / "r1").status == 0
    before = snapshot(*sorted((tmp_path / "r1").iterdir()))
    again = secml(*args, "--scores", scores, "--out", tmp_path / "r1", "--fpr", "0.5")
    assert again.status == 2 and "already holds files" in again.err and "--overwrite" in again.err
    assert unchanged(before)
    assert secml(*args, "--scores", scores, "--out", tmp_path / "r1", "--fpr", "0.5", "--overwrite").status == 0


def test_run_names_are_unique_within_one_second() -> None:
    from secml.report.compose import new_run_name

    assert len({new_run_name() for _ in range(200)}) == 200


@pytest.mark.parametrize("content", [b"", b"\xff\xfe,\x00\n", b"a" * 300_000 + b",1.2.3.4\n", b"no comma here\n"])
def test_scoring_an_input_without_one_tuple_fails_and_keeps_the_earlier_scores(
    tmp_path: Path, secml, content: bytes
) -> None:
    training_pairs = tmp_path / "train.csv"
    training_pairs.write_text("a,10.0.0.1\nb,10.0.0.2\n" * 8)
    model = tmp_path / "model"
    small = ("--epochs", "1", "--num-entity-vectors", "16", "--vector-dim", "4", "--mini-batch-size", "8")
    assert secml("train", "--backend", "local", "--train", training_pairs, "--model", model, *small).status == 0
    given = tmp_path / "tuples.csv"
    given.write_bytes(content)
    out = tmp_path / "scores.csv"
    out.write_text("earlier scores\n")
    before = snapshot(out)
    result = secml("score", "--model", model, "--input", given, "--out", out)
    assert result.status == 2 and f"secml score: {given}: no principal,ip line to score" in result.err
    assert unchanged(before) and leftovers(tmp_path) == []
