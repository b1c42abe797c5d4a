"""How long the data generators take: the default workshop corpus (target: under 30 s) and the
IP Insights tutorial corpus (target: under 2 minutes for about 2.1 M training pairs).

Run: `.venv/bin/python benchmarks/bench_data.py [--repeat N] [--skip-tutorial]`. Each run writes
into a fresh temporary folder; the figures are wall-clock seconds on this machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from secml.data import corpus, networks, tutorial


def bench_corpus(folder: Path) -> None:
    networks.build_table.cache_clear()
    summary = corpus.generate(str(folder / "corpus"), folder / "truth.csv", seed=0)
    size = sum(p.stat().st_size for p in (folder / "corpus").rglob("*") if p.is_file())
    print(
        f"corpus: {summary.records:,} records in {summary.cloudtrail_files:,} files, {summary.findings} findings, "
        f"{size / 2**20:.1f} MiB, {summary.seconds:.1f} s ({summary.records / summary.seconds:,.0f} records/s)"
    )


def bench_tutorial(folder: Path) -> None:
    networks.build_table.cache_clear()
    began = time.perf_counter()
    summary = tutorial.generate(folder / "tutorial", seed=0)
    seconds = time.perf_counter() - began
    print(
        f"tutorial: {summary.users:,} users, {summary.events:,} logins, {summary.train_pairs:,} training pairs, "
        f"{summary.test_normal + summary.test_random:,} test pairs, {seconds:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--skip-tutorial", action="store_true")
    args = parser.parse_args()
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="secml-bench-data-") as scratch:
            bench_corpus(Path(scratch))
            if not args.skip_tutorial:
                bench_tutorial(Path(scratch))


if __name__ == "__main__":
    main()
