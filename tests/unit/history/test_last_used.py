"""When a principal last used the network of a finding's IP: the last day of the parts it used
that network on, known only when the history is read from dated parts, never made up."""

from __future__ import annotations

from pathlib import Path

import boto3
import numpy as np
import pytest
from moto import mock_aws

from secml.history import evidence, index
from secml.history.range_max import BLOCK, RangeMax
from secml.ipinsights.addresses import format_ipv4

# Day folder -> that day's tuples. bob is the last one seen in the account (03-11); alice last
# used 10.1.0.5 on 03-09 and 10.1.2.7 on 03-08.
PARTS = {
    "2026/03/07": [("alice", "10.1.0.5")] * 3 + [("bob", "198.51.100.7")] * 2,
    "2026/03/08": [("alice", "10.1.2.7")] * 4,
    "2026/03/09": [("alice", "10.1.0.5")] * 5,
    "2026/03/11": [("bob", "198.51.100.20")],
}
QUERIES = [
    ("alice", "10.1.0.9"),  # same /28 as 10.1.0.5 only
    ("alice", "10.1.2.9"),  # same /28 as 10.1.2.7 only
    ("alice", "10.1.0.5"),  # the address itself
    ("alice", "95.184.3.3"),  # shares 1 bit: every address alice used
    ("bob", "198.51.100.7"),  # the address bob used on 03-07, not its later neighbour
    ("mallory", "10.1.0.5"),  # not in the history
    ("alice", "2001:db8::1"),  # not IPv4
]


def _write_parts(root: Path, parts: dict[str, list[tuple[str, str]]]) -> Path:
    for day, rows in parts.items():
        folder = root / "parts" / day
        folder.mkdir(parents=True)
        (folder / "part-0.csv").write_text("".join(f"{p},{ip}\n" for p, ip in rows))
    return root / "parts"


def _last_used(history: index.HistoryIndex) -> list[str | None]:
    principals, ips = zip(*QUERIES, strict=True)
    return evidence.day_text(evidence.gather(history, list(principals), list(ips)).last_used)


def test_last_day_the_principal_used_the_longest_prefix(tmp_path: Path) -> None:
    history = index.read(str(_write_parts(tmp_path, PARTS)))
    assert _last_used(history) == ["2026-03-09", "2026-03-08", "2026-03-09", "2026-03-09", "2026-03-07", None, None]


@mock_aws
def test_last_used_from_an_s3_prefix_of_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    s3 = boto3.client("s3", region_name="us-west-2")
    s3.create_bucket(Bucket="tuples", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    for day, rows in PARTS.items():
        body = "".join(f"{p},{ip}\n" for p, ip in rows).encode()
        s3.put_object(Bucket="tuples", Key=f"train/parts/{day}/part-0.csv", Body=body)
    history = index.read("s3://tuples/train/parts/")
    assert _last_used(history) == ["2026-03-09", "2026-03-08", "2026-03-09", "2026-03-09", "2026-03-07", None, None]


def test_a_single_csv_has_no_dates(tmp_path: Path) -> None:
    single = tmp_path / "fit.csv"
    single.write_text("".join(f"{p},{ip}\n" for rows in PARTS.values() for p, ip in rows))
    history = index.read(str(single))
    assert history.last_days is None
    assert _last_used(history) == [None] * len(QUERIES)


def test_a_single_part_given_by_itself_is_not_dated(tmp_path: Path) -> None:
    folder = _write_parts(tmp_path, PARTS)
    history = index.read(str(folder / "2026" / "03" / "09" / "part-0.csv"))
    assert history.last_days is None


def test_an_undated_use_makes_the_network_unknown(tmp_path: Path) -> None:
    folder = _write_parts(tmp_path, PARTS)
    (folder / "undated.csv").write_text("alice,10.1.2.7\n")  # no date folder: when is unknown
    bad_day = folder / "2026" / "02" / "30"
    bad_day.mkdir(parents=True)
    (bad_day / "part-0.csv").write_text("bob,198.51.100.7\n")  # no such day
    assert _last_used(index.read(str(folder))) == [
        "2026-03-09",
        None,  # 10.1.2.7 was also used on an unknown day
        "2026-03-09",
        None,  # alice's whole history holds that unknown day
        None,
        None,
        None,
    ]


def test_last_used_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    size = 2_000
    ips = rng.integers(0, 2**32, size=size, dtype=np.uint32) & np.uint32(0xFF00FFFF)
    names = [f"p{i}" for i in rng.integers(0, 3, size=size)]
    days = rng.integers(19_000, 19_400, size=size).astype(np.int32)
    history = index.build(names, format_ipv4(ips), days=days)
    queries = rng.integers(0, 2**32, size=200, dtype=np.uint32) & np.uint32(0xFF00FFFF)
    who = [f"p{i}" for i in rng.integers(0, 3, size=200)]
    ids = history.principal_ids(who)
    for bits in (0, 4, 8, 17, 32):
        found = history.last_used(ids, queries, np.full(200, bits))
        for query, name, day in zip(queries.tolist(), who, found, strict=True):
            mine = np.array([n == name for n in names])
            inside = mine & ((ips.astype(np.int64) >> (32 - bits)) == (query >> (32 - bits)))
            expected = np.datetime64(int(days[inside].max()), "D") if inside.any() else np.datetime64("NaT")
            assert (np.isnat(day) and np.isnat(expected)) or day == expected


def test_range_max_matches_brute_force() -> None:
    rng = np.random.default_rng(5)
    for size in (1, BLOCK - 1, BLOCK, 5 * BLOCK + 3, 1_000):
        values = rng.integers(-50, 50, size=size).astype(np.int32)
        start = rng.integers(0, size, size=300)
        stop = start + 1 + (rng.random(300) * (size - start)).astype(np.int64)
        expected = [values[a:b].max() for a, b in zip(start.tolist(), stop.tolist(), strict=True)]
        assert RangeMax(values).query(start, stop).tolist() == expected
