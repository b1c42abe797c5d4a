"""Building the history index that `secml report --history` reads (secml.history.index.read), from
one tuples CSV and from a folder of dated training parts holding the same tuples, then gathering
the evidence of a report's worth of finding IPs.

The corpus: 2,000 principals, each with a few home /24s and some travel, 2 M tuples over 30 days
(4 parts a day, laid out as `train/parts/<yyyy>/<mm>/<dd>/<part>.csv`). Each case runs in a fresh
process so its peak memory (max RSS) is its own; figures are wall-clock seconds on this machine,
with the process's CPU seconds beside the index's (steadier on a shared machine).

Run: `.venv/bin/python benchmarks/bench_history.py [--tuples N] [--findings N] [--dir DIR]`
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from secml.history import evidence, index
from secml.ipinsights.addresses import format_ipv4

DAYS = 30
PARTS_A_DAY = 4
PRINCIPALS = 2_000


def generate(folder: Path, tuples: int, seed: int = 0) -> None:
    """`folder/all.csv` and the same tuples as dated parts under `folder/parts/`."""
    rng = np.random.default_rng(seed)
    homes = rng.integers(0, 2**24, size=(PRINCIPALS, 3), dtype=np.uint32) << np.uint32(8)
    users = rng.integers(0, PRINCIPALS, size=tuples)
    travel = rng.random(tuples) < 0.03
    home = homes[users, rng.integers(0, 3, size=tuples)] | rng.integers(0, 256, size=tuples, dtype=np.uint32)
    ips = np.where(travel, rng.integers(0, 2**32, size=tuples, dtype=np.uint32), home)
    lines = [f"user_{u},{ip}\n" for u, ip in zip(users.tolist(), format_ipv4(ips), strict=True)]
    (folder / "all.csv").write_text("".join(lines))
    parts = np.array_split(np.arange(tuples), DAYS * PARTS_A_DAY)
    for number, rows in enumerate(parts):
        day = folder / "parts" / "2026" / "03" / f"{1 + number // PARTS_A_DAY:02d}"
        day.mkdir(parents=True, exist_ok=True)
        (day / f"part-{number % PARTS_A_DAY}.csv").write_text("".join(lines[i] for i in rows.tolist()))


def measure(location: str, findings: int) -> None:
    """One case, in this process: build the index, gather the evidence of `findings` pairs."""
    began, cpu = time.perf_counter(), time.process_time()
    history = index.read(location)
    built, built_cpu = time.perf_counter() - began, time.process_time() - cpu
    rng = np.random.default_rng(1)
    principals = [f"user_{u}" for u in rng.integers(0, PRINCIPALS, size=findings).tolist()]
    ips = format_ipv4(rng.integers(0, 2**32, size=findings, dtype=np.uint32))
    began = time.perf_counter()
    evidence.gather(history, principals, ips)
    gathered = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(
        f"{history.tuples:,} tuples, {history.keys.size:,} distinct pairs: index {built:.2f} s ({built_cpu:.2f} s CPU), "
        f"evidence of {findings:,} pairs {gathered:.3f} s, peak {peak:,.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tuples", type=int, default=2_000_000)
    parser.add_argument("--findings", type=int, default=10_000, help="pairs whose evidence is gathered")
    parser.add_argument("--dir", type=Path, default=None, help="corpus folder (reused when it holds all.csv)")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # one measurement, in a child process
    args = parser.parse_args()
    if args.case:
        measure(args.case, args.findings)
        return
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.dir or Path(scratch)
        if not (folder / "all.csv").is_file():
            began = time.perf_counter()
            folder.mkdir(parents=True, exist_ok=True)
            generate(folder, args.tuples)
            print(f"corpus: {args.tuples:,} tuples in {DAYS * PARTS_A_DAY} parts, {time.perf_counter() - began:.1f} s")
        for name, location in (("one CSV", folder / "all.csv"), ("dated parts", folder / "parts")):
            print(f"{name}: ", end="", flush=True)
            command = [sys.executable, __file__, "--case", str(location), "--findings", str(args.findings)]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
