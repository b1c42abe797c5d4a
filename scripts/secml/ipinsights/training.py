"""Training the local IP Insights engine (the model itself is in model.py).

Training. Binary cross-entropy, averaged over a mini-batch's samples: each observed pair is a positive;
R = random_negative_sampling_rate uniformly random IPv4 addresses per pair and
S = shuffled_negative_sampling_rate in-batch shuffled IPs per pair are negatives. The batch order is
already random, so negatives are assigned by cyclic shifts: shuffled negative s pairs entity b with the
observed IP of row (b + k_s) mod B, k_s drawn in [1, B) (never the row itself); the random negatives
come from a pool of P = max(B, R) uniformly random addresses drawn for the batch, pair b's j-th being
pool entry (b + c_j) mod P with distinct c_j. Every pair still meets R uniformly random addresses, as
on SageMaker, but each address serves R pairs, so encoding and updating them costs 1/R as much.

Optimiser: Adam with weight_decay as L2 on the gradient. Embedding tables use lazy Adam: only the rows a
batch touched move, with their own moments, and the global step drives bias correction (TensorFlow's
LazyAdam; dense Adam would sweep all 200 k+ rows every batch). The dense layers use plain Adam.

Determinism: see model.py.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from secml.ipinsights import kernels
from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.entities import factorize, hash_slots
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.metrics import DISCRIMINATOR_AUC, discriminator_auc
from secml.ipinsights.model import (
    ADAM_BETA1,
    ADAM_BETA2,
    ADAM_EPSILON,
    INITIAL_SCALE,
    IpEncoder,
    LocalModel,
    PrefixScheme,
    compute_threads,
)


def fit(
    principals: Sequence[str],
    ips: Sequence[str],
    hyperparameters: Hyperparameters | Mapping[str, Any],
    validation: tuple[Sequence[str], Sequence[str]] | None = None,
    seed: int = 0,
    progress: bool = False,
    threads: int | None = None,
) -> LocalModel:
    """Train on (principal, IPv4) pairs. Rows whose IP is IPv6 or malformed are skipped and counted
    in metrics["skipped_rows"]; validation pairs give validation:discriminator_auc after each epoch
    (or metrics["validation_skipped"] saying why not); metrics["batch_metrics"] holds the speed and
    running loss every batch_metrics_publish_interval batches.
    threads: numba threads (default all cores); the model does not depend on it."""
    with compute_threads(threads):
        return _fit(principals, ips, hyperparameters, validation, seed, progress)


def _fit(
    principals: Sequence[str],
    ips: Sequence[str],
    hyperparameters: Hyperparameters | Mapping[str, Any],
    validation: tuple[Sequence[str], Sequence[str]] | None,
    seed: int,
    progress: bool,
) -> LocalModel:
    if not isinstance(hyperparameters, Hyperparameters):
        hyperparameters = Hyperparameters.from_mapping(dict(hyperparameters))
    if len(principals) != len(ips):
        raise ValueError(f"{len(principals)} principals but {len(ips)} IPs")
    jit_seconds = warm_up()
    parsed = parse_ipv4(ips)
    keep = np.flatnonzero(parsed.valid)
    if keep.size == 0:
        raise ValueError("no IPv4 training pairs: every IP is IPv6 or malformed")
    kept_principals = [principals[i] for i in keep.tolist()] if keep.size < len(principals) else list(principals)
    distinct, codes = factorize(kept_principals)
    entity_rows = hash_slots(distinct, hyperparameters.num_entity_vectors)[codes]
    check_memory(hyperparameters)
    rng = np.random.default_rng(seed)
    model = _initial_model(hyperparameters, sorted(distinct), rng)
    trainer = _Trainer(model, rng)
    validation_skipped = _validation_skip_reason(validation)
    epochs = []
    total_samples = hyperparameters.epochs * keep.size * trainer.samples_per_pair
    # Overflow to inf/nan is not warned about line by line: check_finite stops a diverging run
    # after its epoch with one clear error.
    with (
        np.errstate(over="ignore", invalid="ignore", divide="ignore"),
        tqdm(total=total_samples, unit="sample", unit_scale=True, disable=not progress, desc="ip insights") as bar,
    ):
        for epoch in range(1, hyperparameters.epochs + 1):
            summary = trainer.run_epoch(epoch, entity_rows, parsed.values[keep], bar)
            check_finite(model, epoch, summary["loss"])
            if validation is not None and validation_skipped is None:
                summary[DISCRIMINATOR_AUC] = validation_auc(model, *validation, seed=seed)
            bar.set_postfix(loss=f"{summary['loss']:.4f}", accuracy=f"{summary['accuracy']:.3f}")
            epochs.append(summary)
    model.metrics = {
        "epochs": epochs,
        "batch_metrics": trainer.batch_metrics,
        "train_pairs": int(keep.size),
        "skipped_rows": int(len(ips) - keep.size),
        "samples_per_second": sum(e["samples"] for e in epochs) / sum(e["seconds"] for e in epochs),
        "jit_seconds": jit_seconds,
    }
    if validation_skipped is not None:
        model.metrics["validation_skipped"] = validation_skipped
    elif validation is not None:
        model.metrics[DISCRIMINATOR_AUC] = epochs[-1][DISCRIMINATOR_AUC]
    return model


class TrainingDivergedError(ValueError):
    """The loss or the weights stopped being finite numbers: the model would score nothing."""


def check_finite(model: LocalModel, epoch: int, loss: float) -> None:
    """Stop at the first epoch whose loss or weights are not finite (too high a learning rate),
    instead of saving a model whose every score is nan."""
    tables = [model.entity_table, model.prefix_table, *model.encoder.weights, *model.encoder.biases]
    if math.isfinite(loss) and all(np.isfinite(table).all() for table in tables):
        return
    raise TrainingDivergedError(
        f"training diverged in epoch {epoch} (loss {loss}, weights not finite): "
        f"lower learning_rate (now {model.hyperparameters.learning_rate:g}) and train again"
    )


# Bytes of float32 state per table element during training: the value and Adam's two moments.
TRAINING_BYTES_PER_ELEMENT = 3 * 4


def training_memory_bytes(hyperparameters: Hyperparameters) -> int:
    """The memory the embedding tables and their Adam moments need: the bulk of training's."""
    rows = hyperparameters.num_entity_vectors + PrefixScheme().total_rows
    return rows * hyperparameters.vector_dim * TRAINING_BYTES_PER_ELEMENT


def available_memory_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux); None where it cannot be read."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_memory(hyperparameters: Hyperparameters) -> None:
    """Refuse, before allocating, hyperparameters whose tables cannot fit in this machine's free
    memory (SageMaker's ranges allow num_entity_vectors x vector_dim far past any machine)."""
    needed, available = training_memory_bytes(hyperparameters), available_memory_bytes()
    if available is not None and needed > available:
        raise ValueError(
            f"num_entity_vectors={hyperparameters.num_entity_vectors} x vector_dim={hyperparameters.vector_dim} "
            f"needs about {needed / 2**30:.1f} GiB to train, {available / 2**30:.1f} GiB is free: "
            "lower them, or train with --backend sagemaker"
        )


def _validation_skip_reason(validation: tuple[Sequence[str], Sequence[str]] | None) -> str | None:
    """Why validation:discriminator_auc cannot be computed, or None when it can (or was not asked
    for): with no scorable pair there is nothing to rank, which is the data's fault, not training's."""
    if validation is None:
        return None
    principals, ips = validation
    if len(principals) != len(ips):
        raise ValueError(f"validation has {len(principals)} principals but {len(ips)} IPs")
    if not parse_ipv4(ips).valid.any():
        return f"{DISCRIMINATOR_AUC} not computed: none of the {len(ips)} validation pairs has an IPv4 address"
    return None


def validation_auc(model: LocalModel, principals: Sequence[str], ips: Sequence[str], seed: int = 0) -> float:
    """validation:discriminator_auc: the validation pairs against the same principals with uniformly
    random IPv4 addresses (its own random stream, so validating never changes training). Needs at
    least one pair with an IPv4 address (see _validation_skip_reason)."""
    observed = model.score(principals, ips)
    valid = np.flatnonzero(np.isfinite(observed.dot_product))
    random_addresses = np.random.default_rng([seed, 1]).integers(0, 2**32, size=valid.size, dtype=np.uint32)
    distinct, codes = factorize(principals)
    slots = hash_slots(distinct, model.hyperparameters.num_entity_vectors)
    random_scores = model.dot_products(slots, codes[valid], random_addresses)
    return discriminator_auc(observed.dot_product[valid], random_scores)


def _initial_model(hyperparameters: Hyperparameters, principals: list[str], rng: np.random.Generator) -> LocalModel:
    dim = hyperparameters.vector_dim
    scheme = PrefixScheme()
    scale = INITIAL_SCALE / math.sqrt(dim)
    entity_table = rng.standard_normal((hyperparameters.num_entity_vectors, dim), dtype=np.float32) * scale
    prefix_table = rng.standard_normal((scheme.total_rows, dim), dtype=np.float32) * scale
    layers = hyperparameters.num_ip_encoder_layers
    weights = [rng.standard_normal((dim, dim), dtype=np.float32) / np.float32(math.sqrt(dim)) for _ in range(layers)]
    biases = [np.zeros(dim, dtype=np.float32) for _ in range(layers)]
    return LocalModel(hyperparameters, entity_table, prefix_table, IpEncoder(weights, biases), principals, scheme)


class _Trainer:
    """Mini-batch training state: Adam moments, the step count and the per-batch buffers."""

    def __init__(self, model: LocalModel, rng: np.random.Generator) -> None:
        hp = model.hyperparameters
        self.model = model
        self.rng = rng
        self.step = 0
        self.batch_metrics: list[dict[str, float]] = []
        self.random_rate = hp.random_negative_sampling_rate
        self.shuffled_rate = hp.shuffled_negative_sampling_rate
        self.samples_per_pair = 1 + self.random_rate + self.shuffled_rate
        self.scheme_arrays = model.prefix_scheme.kernel_arrays()
        levels = len(model.prefix_scheme.prefix_lengths)
        dim = hp.vector_dim
        batch = hp.mini_batch_size
        ip_rows = batch + self._pool_size(batch)
        self.entity_moments = (np.zeros_like(model.entity_table), np.zeros_like(model.entity_table))
        self.prefix_moments = (np.zeros_like(model.prefix_table), np.zeros_like(model.prefix_table))
        self.entity_slot_of_row = np.full(model.entity_table.shape[0], -1, dtype=np.int64)
        self.prefix_slot_of_row = np.full(model.prefix_table.shape[0], -1, dtype=np.int64)
        self.ip_rows = np.empty((ip_rows, levels), dtype=np.int64)
        self.ip_vectors = np.empty((ip_rows, dim), dtype=np.float32)
        self.ip_grads = np.empty((ip_rows, dim), dtype=np.float32)
        self.entity_grads = np.empty((batch, dim), dtype=np.float32)
        self.coefficients = np.empty((self.samples_per_pair, batch), dtype=np.float32)
        self.tallies = np.empty((batch, 2), dtype=np.float64)
        self.prefix_unique = np.empty(min(ip_rows * levels, model.prefix_table.shape[0]), dtype=np.int64)
        self.prefix_summed = np.empty((self.prefix_unique.size, dim), dtype=np.float32)
        self.entity_unique = np.empty(min(batch, model.entity_table.shape[0]), dtype=np.int64)
        self.entity_summed = np.empty((self.entity_unique.size, dim), dtype=np.float32)

    def run_epoch(self, epoch: int, entity_rows: np.ndarray, addresses: np.ndarray, bar: tqdm) -> dict[str, float]:
        batch = self.model.hyperparameters.mini_batch_size
        interval = self.model.hyperparameters.batch_metrics_publish_interval
        order = self.rng.permutation(addresses.size)
        loss = 0.0
        correct = 0.0
        samples = 0
        started = time.perf_counter()
        published = (started, 0)  # time and sample count at the last batch metrics
        for number, start in enumerate(range(0, order.size, batch), start=1):
            rows = order[start : start + batch]
            batch_loss, batch_correct = self._train_batch(entity_rows[rows], addresses[rows])
            loss += batch_loss
            correct += batch_correct
            batch_samples = rows.size * self._samples_per_pair(rows.size)
            samples += batch_samples
            bar.update(batch_samples)
            if number % interval == 0:
                published = self._publish_batch_metrics(epoch, number, loss, correct, samples, published, bar)
        seconds = time.perf_counter() - started
        return {
            "epoch": epoch,
            "loss": loss / samples,
            "accuracy": correct / samples,
            "samples": samples,
            "seconds": seconds,
            "samples_per_second": samples / seconds,
        }

    def _publish_batch_metrics(
        self,
        epoch: int,
        batch: int,
        loss: float,
        correct: float,
        samples: int,
        published: tuple[float, int],
        bar: tqdm,
    ) -> tuple[float, int]:
        """SageMaker's Speedometer: every batch_metrics_publish_interval batches, the speed since the
        last report and the epoch's running loss and accuracy, to the progress bar and the metrics."""
        now = time.perf_counter()
        since, samples_then = published
        speed = (samples - samples_then) / max(now - since, 1e-9)
        entry = {
            "epoch": epoch,
            "batch": batch,
            "samples_per_second": speed,
            "loss": loss / samples,
            "accuracy": correct / samples,
        }
        self.batch_metrics.append(entry)
        bar.set_postfix(
            batch=batch,
            samples_per_s=f"{entry['samples_per_second']:,.0f}",
            loss=f"{entry['loss']:.4f}",
            accuracy=f"{entry['accuracy']:.3f}",
        )
        return now, samples

    def _pool_size(self, batch: int) -> int:
        return max(batch, self.random_rate) if self.random_rate else 0

    def _samples_per_pair(self, batch: int) -> int:
        return 1 + self.random_rate + (self.shuffled_rate if batch > 1 else 0)

    def _train_batch(self, entity_rows: np.ndarray, observed: np.ndarray) -> tuple[float, float]:
        model = self.model
        hp = model.hyperparameters
        batch = observed.size
        pool = self._pool_size(batch)
        addresses = np.concatenate((observed, self.rng.integers(0, 2**32, size=pool, dtype=np.uint32)))
        random_shifts = self.rng.choice(pool, size=self.random_rate, replace=False).astype(np.int64)
        shuffle_shifts = (
            self.rng.integers(1, batch, size=self.shuffled_rate) if batch > 1 else np.zeros(0, dtype=np.int64)
        )
        count = addresses.size
        ip_rows = self.ip_rows[:count]
        vectors = self.ip_vectors[:count]
        kernels.gather_ip_vectors(addresses, model.prefix_table, *self.scheme_arrays, ip_rows, vectors)
        encoded, layer_inputs = model.encoder.forward(vectors)
        ip_grads = self.ip_grads[:count]
        entity_grads = self.entity_grads[:batch]
        tallies = self.tallies[:batch]
        scale = 1.0 / (batch * self._samples_per_pair(batch))
        kernels.pair_gradients(
            entity_rows,
            model.entity_table,
            encoded,
            random_shifts,
            shuffle_shifts,
            scale,
            entity_grads,
            ip_grads,
            self.coefficients,
            tallies,
        )
        self.step += 1
        step_size = hp.learning_rate * math.sqrt(1.0 - ADAM_BETA2**self.step) / (1.0 - ADAM_BETA1**self.step)
        if model.encoder.weights:
            prefix_grads, parameter_grads = model.encoder.backward(ip_grads, layer_inputs)
            model.encoder.adam_step(parameter_grads, step_size, hp.weight_decay)
        else:
            prefix_grads = ip_grads
        self._update_table(
            model.prefix_table,
            self.prefix_moments,
            ip_rows,
            prefix_grads,
            self.prefix_slot_of_row,
            self.prefix_unique,
            self.prefix_summed,
            step_size,
        )
        self._update_table(
            model.entity_table,
            self.entity_moments,
            entity_rows.reshape(-1, 1),
            entity_grads,
            self.entity_slot_of_row,
            self.entity_unique,
            self.entity_summed,
            step_size,
        )
        return float(tallies[:, 0].sum()), float(tallies[:, 1].sum())

    def _update_table(
        self,
        table: np.ndarray,
        moments: tuple[np.ndarray, np.ndarray],
        rows: np.ndarray,
        grads: np.ndarray,
        slot_of_row: np.ndarray,
        unique: np.ndarray,
        summed: np.ndarray,
        step_size: float,
    ) -> None:
        """Lazy Adam on the table rows a batch touched: gradients of repeated rows summed first."""
        touched = kernels.accumulate_rows(rows, grads, slot_of_row, unique, summed)
        kernels.apply_lazy_adam(
            table,
            moments[0],
            moments[1],
            summed,
            unique,
            touched,
            slot_of_row,
            step_size,
            ADAM_BETA1,
            ADAM_BETA2,
            ADAM_EPSILON,
            self.model.hyperparameters.weight_decay,
        )


def warm_up() -> float:
    """Compile (or load from numba's cache) every kernel; returns the seconds this call spent on it
    (0 once the process is warm), so throughput figures can leave JIT time out."""
    started = time.perf_counter()
    _run_every_kernel()
    return time.perf_counter() - started


@functools.cache
def _run_every_kernel() -> None:
    hp = Hyperparameters(num_entity_vectors=4, vector_dim=4, epochs=1, mini_batch_size=2, num_ip_encoder_layers=2)
    model = _initial_model(hp, ["a"], np.random.default_rng(0))
    trainer = _Trainer(model, np.random.default_rng(0))
    trainer._train_batch(np.array([0, 1], dtype=np.int64), np.array([1, 2], dtype=np.uint32))
    model.score(["a"], ["1.2.3.4"])  # a hidden layer: gathered vectors, then row dot products
    replace(model, encoder=IpEncoder([], [])).score(["a"], ["1.2.3.4"])  # no layer: the fused kernel
