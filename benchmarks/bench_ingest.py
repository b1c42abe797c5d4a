"""Throughput and peak memory of `secml tuples cloudtrail` against the workshop's seed-style loop.

Builds corpora with `secml.data` (the generator behind `secml data generate` and the emulator's
seeded inputs), so both sides read the records the product ingests: CloudTrail's delivery files
(compact gzip JSON), IAM users, assumed roles with many sessions, root, service events,
`AWS Internal`, service host names, IPv6 and VPC endpoint addresses, request parameters of varied
size. It reads
every file once so both sides find it in the page cache, then times, alternately and several
times, two fresh processes over the same folder:

- the seed-style loop, a plain Python script: read each file, `json.loads` the whole of it, loop
  over `Records`, split `principalId` at ':', append to a list;
- `secml tuples cloudtrail FOLDER --out FILE`: the real command, start-up included, all cores.

Each figure is the best of the repetitions (the run least disturbed by other work on the machine),
with the median beside it. Peak memory is the largest resident set of any one process of a run
(`ru_maxrss` from `wait4`, which covers a process and the workers it waited for), at two corpus
sizes: it should not grow with the corpus.

Usage: .venv/bin/python benchmarks/bench_ingest.py [--records 400000] [--small-records 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from secml.data.corpus import CorpusSummary

CORPUS_SEED = 7
# Records per day of activity. The corpus grows by days, not by density, so both sizes have
# CloudTrail files of the same size (about 240 records each) and differ only in how many there are:
# the comparison then measures size, not a change in per-file overhead.
RECORDS_PER_DAY = 200_000


def build_corpus(folder: Path, records: int) -> CorpusSummary:
    """The generated account's CloudTrail logs under `folder`/cloudtrail (findings and truth
    beside them, unused here)."""
    from secml.data.corpus import CorpusSize, generate_into

    return generate_into(
        str(folder / "cloudtrail"), str(folder / "guardduty"), folder / "truth.csv",
        seed=CORPUS_SEED, size=CorpusSize(records=records, days=max(1, round(records / RECORDS_PER_DAY))),
    )  # fmt: skip


def generated(folder: Path, records: int) -> CorpusSummary:
    """`build_corpus` in a spawned process of its own. Linux carries a process's peak resident set
    into the `ru_maxrss` of every child it starts later (across fork and exec), so the generator's
    memory must never be in this process or it would be reported as the measured commands'."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(build_corpus, folder, records).result()


SEED_LOOP = """
import gzip, json, sys
from pathlib import Path

tuples = []
for path in sorted(Path(sys.argv[1]).rglob("*.json.gz")):
    with gzip.open(path) as log:
        document = json.loads(log.read())
    for record in document["Records"]:
        principal = record.get("userIdentity", {}).get("principalId", "").split(":")[0]
        tuples.append((principal, record.get("sourceIPAddress")))
print(len(tuples))
"""


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float


def timed(command: list[str]) -> Run:
    """Wall time and peak resident set of one process (and the children it waited for)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with exit status {process.returncode}")
    return Run(seconds, usage.ru_maxrss / 1024)


def warm_page_cache(folder: Path) -> None:
    for path in folder.rglob("*.json.gz"):
        path.read_bytes()


def compare(folder: Path, seed_script: Path, out: Path, repeat: int) -> dict[str, list[Run]]:
    secml = str(Path(sys.executable).with_name("secml"))
    commands = {
        "seed-style loop": [sys.executable, str(seed_script), str(folder)],
        "secml tuples cloudtrail": [secml, "tuples", "cloudtrail", str(folder), "--out", str(out)],
    }
    warm_page_cache(folder)
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(timed(command))
    return runs


def report(records: int, runs: dict[str, list[Run]]) -> None:
    best = {name: min(run.seconds for run in measured) for name, measured in runs.items()}
    for name, measured in runs.items():
        median = statistics.median(run.seconds for run in measured)
        peak = max(run.peak_mib for run in measured)
        print(f"{name} ({records:,} records): {records / best[name]:,.0f} records/s best, "
              f"{records / median:,.0f} median of {len(measured)}; peak RSS {peak:.0f} MiB")  # fmt: skip
    seed, ours = best["seed-style loop"], best["secml tuples cloudtrail"]
    print(f"speed-up ({records:,} records): {seed / ours:.2f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=400_000)
    parser.add_argument("--small-records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each side per corpus")
    args = parser.parse_args()
    print(f"cpus available: {len(os.sched_getaffinity(0))}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="secml-bench-") as workdir:
        work = Path(workdir)
        seed_script = work / "seed_loop.py"
        seed_script.write_text(SEED_LOOP)
        empty = work / "empty"
        empty.mkdir()
        startup = min(timed([str(Path(sys.executable).with_name("secml")), "tuples", "cloudtrail", str(empty)]).seconds
                      for _ in range(args.repeat))  # fmt: skip
        print(f"secml tuples start-up (empty input): {startup:.2f} s")
        for asked in (args.small_records, args.records):
            corpus = generated(work / f"corpus-{asked}", asked)
            folder = Path(corpus.cloudtrail_url)
            size = sum(path.stat().st_size for path in folder.rglob("*.json.gz"))
            print(f"corpus: {corpus.records:,} records, {corpus.cloudtrail_files} objects, {size / 2**20:.1f} MiB gzip "
                  f"(generated in {corpus.seconds:.1f} s)")  # fmt: skip
            report(corpus.records, compare(folder, seed_script, work / f"tuples-{asked}.csv", args.repeat))
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
