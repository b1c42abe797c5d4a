"""Per-core speed of the CloudTrail ingest parser against the workshop's seed-style loop, in one
process on one core, over the same objects held in memory (so neither side pays for the disk).

- seed loop: `gzip.decompress`, `json.loads` the whole object, loop over `Records`, split
  `principalId` at ':' and keep (principal, sourceIPAddress) — no rules, no CSV;
- ingest: `secml_ingest.objects.read_cloudtrail_object` per object, as the parts Lambda and
  `secml tuples` call it: gunzip, the delivery-layout scanner, the principal and IP rules, skips
  counted, the CSV text of the tuples written.
- the two steps every parser pays whatever it does: gunzip alone, and gunzip + UTF-8 decoding,
  which bound what any faster JSON parser could gain.

Each figure is the best of `--repeat` alternated runs (the least disturbed on a shared machine).

Usage: .venv/bin/python benchmarks/bench_parser_per_core.py [--records 200000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lambda_src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import build_corpus


def seed_loop(objects: list[bytes]) -> int:
    tuples = []
    for data in objects:
        document = json.loads(gzip.decompress(data))
        for record in document["Records"]:
            principal = record.get("userIdentity", {}).get("principalId", "").split(":")[0]
            tuples.append((principal, record.get("sourceIPAddress")))
    return len(tuples)


def ingest(objects: list[bytes]) -> int:
    from secml_ingest.objects import read_cloudtrail_object

    return sum(read_cloudtrail_object("k", data).summary.items_seen for data in objects)


def gunzip_only(objects: list[bytes]) -> int:
    return sum(len(gzip.decompress(data)) for data in objects)


def gunzip_and_decode(objects: list[bytes]) -> int:
    return sum(len(gzip.decompress(data).decode()) for data in objects)


def best_of(runs: dict[str, Callable[[list[bytes]], int]], objects: list[bytes], repeat: int) -> dict[str, float]:
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            run(objects)
            seconds[name].append(time.perf_counter() - started)
    return {name: min(values) for name, values in seconds.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        build_corpus(Path(folder), args.records)
        objects = [path.read_bytes() for path in sorted(Path(folder, "cloudtrail").rglob("*.json.gz"))]
    records = seed_loop(objects)
    runs = {"seed loop": seed_loop, "ingest parser": ingest, "gunzip": gunzip_only, "gunzip+decode": gunzip_and_decode}
    best = best_of(runs, objects, args.repeat)
    print(f"{records} records in {len(objects)} objects, one core, best of {args.repeat}")
    for name, seconds in best.items():
        print(f"  {name:15s} {seconds:7.3f} s  {records / seconds / 1000:8.1f} k records/s")
    print(f"ingest parser vs seed loop: {best['seed loop'] / best['ingest parser']:.2f}x per core")
    floor = best["gunzip+decode"]
    print(f"bound for any parser (seed loop / gunzip+decode alone): {best['seed loop'] / floor:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
