"""The scorer's model serving: artefact size, load time and per-finding scoring time, pure Python
(what the Lambda runs: no numpy in its runtime) against numpy over the same bytes.

Run: `.venv/bin/python benchmarks/bench_scoring_artefact.py [--pairs N]`. The model has the
workshop's shape (secml.workshop.training_run.WORKSHOP_HYPERPARAMETERS: 128 dimensions, no dense
layer), trained briefly on random pairs: size and speed depend on the shape, not the training.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from secml.automation.artefact import artefact_bytes
from secml.ipinsights.addresses import format_ipv4
from secml.ipinsights.training import fit
from secml.workshop.training_run import WORKSHOP_HYPERPARAMETERS
from secml_ingest.scoring_artefact import ScoringModel, in_memory, read_header


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=2000, help="pairs scored per measurement")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    principals = [f"AIDA{p:06d}" for p in rng.integers(0, 200, 20_000)]
    ips = format_ipv4(rng.integers(0, 1 << 32, 20_000, dtype=np.uint32))
    model = fit(principals, ips, WORKSHOP_HYPERPARAMETERS, seed=0)
    began = time.perf_counter()
    data = artefact_bytes(model)
    print(f"artefact: {len(data) / 2**20:.1f} MiB, exported in {time.perf_counter() - began:.2f} s")

    reads: list[int] = []

    def counted(first: int, length: int) -> bytes:
        reads.append(length)
        return data[first : first + length]

    began = time.perf_counter()
    ScoringModel(counted)
    print(f"pure Python, ranged load: {(time.perf_counter() - began) * 1000:.1f} ms, {sum(reads) / 1024:.0f} KiB read")
    began = time.perf_counter()
    whole = ScoringModel(in_memory(data))
    print(f"pure Python, whole load (bytes in memory): {(time.perf_counter() - began) * 1000:.1f} ms")

    sample = rng.integers(0, len(model.principals), args.pairs)
    addresses = rng.integers(0, 1 << 32, args.pairs, dtype=np.uint32).tolist()
    names = [model.principals[i] for i in sample]
    began = time.perf_counter()
    pure = [whole.score(p, a) for p, a in zip(names, addresses, strict=True)]
    pure_us = (time.perf_counter() - began) / args.pairs * 1e6
    print(f"pure Python: {pure_us:.0f} us per pair (first touch of each prefix row)")

    header, start = read_header(data)
    sections = header["sections"]
    dim = header["vector_dim"]
    prefixes = np.frombuffer(data, dtype="<f4", offset=start + sections["prefixes"]["offset"]).reshape(-1, dim)
    entities = np.frombuffer(data, dtype="<f4", count=sections["entities"]["shape"][0] * dim,
                             offset=start + sections["entities"]["offset"]).reshape(-1, dim)  # fmt: skip
    rows = [whole.principal_rows[p] for p in names]
    began = time.perf_counter()
    vectorised = [
        float(entities[r] @ prefixes[[level.row(a) for level in whole.levels]].sum(axis=0))
        for r, a in zip(rows, addresses, strict=True)
    ]
    numpy_us = (time.perf_counter() - began) / args.pairs * 1e6
    print(f"numpy, one pair at a time: {numpy_us:.0f} us per pair")
    print(f"largest difference pure Python vs numpy: {np.max(np.abs(np.array(pure) - np.array(vectorised))):.2e}")


if __name__ == "__main__":
    main()
