"""The local IP Insights engine on SageMaker's tutorial corpus (`secml.data.tutorial`, about 2.1 M
training pairs): training throughput, test AUC and precision, scoring throughput, peak memory.

Targets (issue "IP Insights engines"): num_ip_encoder_layers=1 at >= 560 k samples/s and 0 layers at
>= 1.4 M samples/s (a sample is an observed pair or one of its negatives: 7 per pair here); test AUC
>= 0.985 and precision >= 0.951 at recall 0.985 (label 1 = a seen user at a random range's address,
flagged by a low dot product); scoring >= 2 M pairs/s.

Run: `.venv/bin/python benchmarks/bench_ipinsights.py [--threads N] [--corpus DIR] [--quick]`. The
corpus is generated into DIR (default: a temporary folder) unless DIR already holds train.csv and
test.csv; --quick generates a small one (its numbers only show that the benchmark runs).
Samples/s counts training time only; JIT (numba compile or cache load), CSV reading and address
parsing are reported on their own lines.

End to end: the `cli` lines time the real command line in a fresh process, as a user runs it:
`secml train --backend local` for one epoch of the tutorial settings (CSV reading, address parsing,
JIT cache load, training and saving the model included; one epoch keeps it cheap, the in-process
lines above measure full training), then `secml score` of train.csv with that model (CSV in and
out included) as pairs/s.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from secml.data import tutorial
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.metrics import precision_at_recall, roc_auc
from secml.ipinsights.model import LocalModel
from secml.ipinsights.training import fit, warm_up

TUTORIAL_SETTINGS = {
    "num_entity_vectors": 20_000,
    "vector_dim": 128,
    "epochs": 5,
    "learning_rate": 0.01,
    "mini_batch_size": 1000,
    "random_negative_sampling_rate": 5,
    "shuffled_negative_sampling_rate": 1,
}
TARGET_RECALL = 0.985
CLI_TRAIN_EPOCHS = 1
QUICK_CORPUS: dict[str, int] = {"users": 300, "test_pairs": 2_000}


def read_columns(path: Path, columns: int) -> list[list[str]]:
    with path.open(encoding="utf-8") as stream:
        rows = [line.rstrip("\n").split(",") for line in stream]
    return [[row[column] for row in rows] for column in range(columns)]


def state_megabytes(model: LocalModel) -> float:
    """Weights plus the two Adam moments: 3 x 4 bytes x vector_dim x (num_entity_vectors + prefix rows)."""
    rows = model.entity_table.shape[0] + model.prefix_table.shape[0]
    return 3 * 4 * model.entity_table.shape[1] * rows / 2**20


def peak_rss_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_cli(threads: int | None, *arguments: str) -> float:
    """Wall seconds of one `secml` command in a fresh process (the venv's console script), its numba
    limited to `threads` like the in-process lines."""
    command = [str(Path(sys.executable).with_name("secml")), *arguments]
    environment = {**os.environ, **({"NUMBA_NUM_THREADS": str(threads)} if threads else {})}
    began = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True, env=environment)
    seconds = time.perf_counter() - began
    if finished.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({finished.returncode}):\n{finished.stderr}")
    return seconds


def bench_cli(corpus: Path, train_pairs: int, threads: int | None, scratch: Path) -> None:
    model = scratch / "cli-model"
    settings = {**TUTORIAL_SETTINGS, "epochs": CLI_TRAIN_EPOCHS, "num_ip_encoder_layers": 1}
    options = [f"--{name.replace('_', '-')}={value}" for name, value in settings.items()]
    seconds = run_cli(
        threads, "train", "--backend", "local", "--train", str(corpus / "train.csv"), "--model", str(model), *options
    )
    print(
        f"cli train: `secml train --backend local` ({CLI_TRAIN_EPOCHS} epoch, layers=1): {seconds:.1f} s wall, "
        f"{train_pairs * CLI_TRAIN_EPOCHS / seconds / 1e3:,.0f} k pairs/s (process start, CSV, parsing, JIT "
        "cache, training and saving included)"
    )
    seconds = run_cli(
        threads,
        "score",
        "--model",
        str(model),
        "--input",
        str(corpus / "train.csv"),
        "--out",
        str(scratch / "cli-scores.csv"),
    )
    print(
        f"cli score: `secml score` of train.csv: {train_pairs / seconds / 1e6:.2f} M pairs/s "
        f"({train_pairs:,} pairs in {seconds:.1f} s wall; process start, CSV in and out included)"
    )


def bench(corpus: Path, threads: int | None, layer_counts: list[int], quick: bool) -> None:
    if not (corpus / "train.csv").exists() or not (corpus / "test.csv").exists():
        began = time.perf_counter()
        summary = tutorial.generate(corpus, seed=0, shape=tutorial.Shape(**(QUICK_CORPUS if quick else {})))
        print(f"corpus: {summary.train_pairs:,} training pairs generated in {time.perf_counter() - began:.1f} s")
    began = time.perf_counter()
    principals, ips = read_columns(corpus / "train.csv", 2)
    test_principals, test_ips, test_labels = read_columns(corpus / "test.csv", 3)
    labels = np.array(test_labels, dtype=np.int64)
    print(
        f"read csv: {len(principals):,} training + {len(test_principals):,} test pairs in "
        f"{time.perf_counter() - began:.1f} s"
    )
    print(f"jit: {warm_up():.2f} s (numba compile, or load from its cache)")
    for layers in layer_counts:
        settings = Hyperparameters(**TUTORIAL_SETTINGS, num_ip_encoder_layers=layers)
        began = time.perf_counter()
        model = fit(principals, ips, settings, threads=threads)
        wall = time.perf_counter() - began
        per_epoch = [round(e["samples_per_second"] / 1e3) for e in model.metrics["epochs"]]
        print(
            f"layers={layers} training: {model.metrics['samples_per_second'] / 1e3:,.0f} k samples/s "
            f"(per epoch, k: {per_epoch}; fit {wall:.1f} s wall incl. parsing)"
        )
        scored = model.score(test_principals, test_ips, threads=threads)
        anomaly = -scored.dot_product
        print(f"layers={layers} test AUC: {roc_auc(anomaly, labels):.4f}")
        print(
            f"layers={layers} precision at recall {TARGET_RECALL}: "
            f"{precision_at_recall(anomaly, labels, TARGET_RECALL):.4f}"
        )
        began = time.perf_counter()
        model.score(principals, ips, threads=threads)
        seconds = time.perf_counter() - began
        print(
            f"layers={layers} scoring: {len(principals) / seconds / 1e6:.2f} M pairs/s "
            f"({len(principals):,} pairs from strings, parsing and hashing included)"
        )
        print(
            f"layers={layers} model+Adam state: {state_megabytes(model):,.0f} MiB; peak RSS so far: "
            f"{peak_rss_megabytes():,.0f} MiB"
        )
    with tempfile.TemporaryDirectory(prefix="secml-bench-cli-") as scratch:
        bench_cli(corpus, len(principals), threads, Path(scratch))
    print(
        "memory scaling: state = 12 bytes x vector_dim x (num_entity_vectors + 256 + 65,536 + 2 x 65,536 "
        "hashed /24 and /32 rows) + dense layers; batch buffers grow with mini_batch_size x vector_dim"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: all cores)")
    parser.add_argument("--corpus", type=Path, default=None, help="folder for train.csv/test.csv (reused)")
    parser.add_argument("--layers", default="1,0", help="comma-separated num_ip_encoder_layers values")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"generate a small corpus ({QUICK_CORPUS['users']} users) to check the benchmark runs",
    )
    args = parser.parse_args()
    layer_counts = [int(value) for value in args.layers.split(",")]
    if args.corpus is not None:
        bench(args.corpus, args.threads, layer_counts, args.quick)
        return
    with tempfile.TemporaryDirectory(prefix="secml-bench-ipinsights-") as scratch:
        bench(Path(scratch), args.threads, layer_counts, args.quick)


if __name__ == "__main__":
    main()
