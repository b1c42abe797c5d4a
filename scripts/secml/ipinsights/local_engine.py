"""The local IP Insights engine: SageMaker's documented model, trained on the CPU with numba and numpy.

Model. An entity is hashed (entities.py) to a row of an embedding of num_entity_vectors x vector_dim.
An IPv4 address is encoded from its prefix structure: the embeddings of its /8, /16, /24 and /32
prefixes are summed (prefixes up to /16 index their own table, longer ones are hashed into
2**IP_HASH_BITS rows each), then passed through num_ip_encoder_layers dense layers (ReLU between
layers, the last one linear; 0 layers allowed). The score is the dot product of the two vectors,
higher meaning more normal.

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

Determinism. fit() is bit-for-bit repeatable for a seed on a given machine, whatever the thread
count: all randomness comes from one numpy Generator, numba's parallel loops never share an output row
and every sum runs in a fixed order, and the dense layers' matrix products run on one BLAS thread
(BLAS splits sums differently per thread count; these products are small next to the kernels, and
spinning BLAS threads slow everything when the cores are shared).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numba
import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from secml.ipinsights import inference_formats, kernels, model_file
from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.entities import factorize, hash_slots
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.metrics import DISCRIMINATOR_AUC, discriminator_auc
from secml.ipinsights.model_file import ModelFormatError  # raised by LocalModel.load; callers catch it here

PREFIX_LENGTHS = (8, 16, 24, 32)
IP_HASH_BITS = 16
SCORE_CHUNK_ROWS = 65_536
ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPSILON = 1e-8
INITIAL_SCALE = 0.1


@dataclass(frozen=True)
class PrefixScheme:
    """Where each prefix of an address lives in the concatenated prefix table."""

    prefix_lengths: tuple[int, ...] = PREFIX_LENGTHS
    hash_bits: int = IP_HASH_BITS

    def level_sizes(self) -> list[int]:
        return [1 << min(length, self.hash_bits) for length in self.prefix_lengths]

    @property
    def total_rows(self) -> int:
        return sum(self.level_sizes())

    def kernel_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        sizes = self.level_sizes()
        shifts = np.array([32 - length for length in self.prefix_lengths], dtype=np.int64)
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        masks = np.array(sizes, dtype=np.int64) - 1
        hashed = np.array([length > self.hash_bits for length in self.prefix_lengths], dtype=np.int64)
        return shifts, offsets, masks, hashed

    def describe(self) -> dict[str, Any]:
        return {
            "prefix_lengths": list(self.prefix_lengths),
            "hash_bits": self.hash_bits,
            "hash": "splitmix64(prefix ^ (prefix_length << 32)) & (2**hash_bits - 1), prefixes longer than hash_bits",
        }


@dataclass(frozen=True)
class ScoredBatch:
    """dot_product is nan where errors[i] is not None; seen_principal says whether the principal was in
    the training data (an unseen one shares a hashed vector with others, so its score is not trusted)."""

    dot_product: np.ndarray
    seen_principal: np.ndarray
    errors: list[str | None]


@dataclass
class IpEncoder:
    """The dense layers over the summed prefix embeddings, with their Adam state."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    moments: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)

    def forward(self, vectors: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """The encoded vectors and each layer's input (kept for backward)."""
        inputs = []
        activation = vectors
        last = len(self.weights) - 1
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            inputs.append(activation)
            activation = activation @ weight
            activation += bias
            if layer < last:
                np.maximum(activation, 0.0, out=activation)
        return activation, inputs

    def backward(
        self, output_grads: np.ndarray, inputs: list[np.ndarray]
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Gradient with respect to the encoder's input, and the parameter gradients (W0, b0, W1, ...)."""
        parameter_grads: list[np.ndarray] = []
        grads = output_grads
        for layer in range(len(self.weights) - 1, -1, -1):
            layer_input = inputs[layer]
            parameter_grads[:0] = [layer_input.T @ grads, grads.sum(axis=0)]
            grads = grads @ self.weights[layer].T
            if layer > 0:
                grads *= layer_input > 0  # the input of layer > 0 is a ReLU output
        return grads, parameter_grads

    def adam_step(self, parameter_grads: list[np.ndarray], step_size: float, weight_decay: float) -> None:
        parameters = [p for pair in zip(self.weights, self.biases) for p in pair]
        if not self.moments:
            self.moments = [(np.zeros_like(p), np.zeros_like(p)) for p in parameters]
        for parameter, gradient, (m, v) in zip(parameters, parameter_grads, self.moments):
            gradient = gradient + weight_decay * parameter
            m *= ADAM_BETA1
            m += (1.0 - ADAM_BETA1) * gradient
            v *= ADAM_BETA2
            v += (1.0 - ADAM_BETA2) * gradient * gradient
            parameter -= (step_size * m / (np.sqrt(v) + ADAM_EPSILON)).astype(np.float32)


@dataclass
class LocalModel:
    """A trained model: weights, the hashing schemes that index them, and the training principals."""

    hyperparameters: Hyperparameters
    entity_table: np.ndarray
    prefix_table: np.ndarray
    encoder: IpEncoder
    principals: list[str]  # sorted: the principals seen in training
    prefix_scheme: PrefixScheme = PrefixScheme()
    metrics: dict[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def _known_principals(self) -> frozenset[str]:
        return frozenset(self.principals)

    def encode_addresses(self, addresses: np.ndarray) -> np.ndarray:
        """IP vectors (float32, rows x vector_dim) of uint32 addresses."""
        rows = np.empty((addresses.size, len(self.prefix_scheme.prefix_lengths)), dtype=np.int64)
        vectors = np.empty((addresses.size, self.prefix_table.shape[1]), dtype=np.float32)
        kernels.gather_ip_vectors(addresses, self.prefix_table, *self.prefix_scheme.kernel_arrays(), rows, vectors)
        encoded, _ = self.encoder.forward(vectors)
        return encoded

    def score(self, principals: Sequence[str], ips: Sequence[str], threads: int | None = None) -> ScoredBatch:
        """Dot products of (principal, IP) pairs; bad addresses get nan and an error, not an exception.
        threads: numba threads (default all cores)."""
        if len(principals) != len(ips):
            raise ValueError(f"{len(principals)} principals but {len(ips)} IPs")
        distinct, codes = factorize(principals)
        known = self._known_principals
        seen = np.fromiter(map(known.__contains__, distinct), dtype=bool, count=len(distinct))[codes]
        parsed = parse_ipv4(ips)
        dot_product = np.full(len(ips), np.nan, dtype=np.float32)
        valid_rows = np.flatnonzero(parsed.valid)
        with compute_threads(threads):
            dot_product[valid_rows] = self.dot_products(
                hash_slots(distinct, self.hyperparameters.num_entity_vectors), codes[valid_rows],
                parsed.values[valid_rows],
            )
        return ScoredBatch(dot_product, seen, parsed.errors)

    def dot_products(self, slots: np.ndarray, entity_codes: np.ndarray, addresses: np.ndarray) -> np.ndarray:
        """Dot products of entity row slots[entity_codes[i]] with uint32 address i (no parsing, no
        checks: score() is the front door; this is for callers that already hold rows and addresses).

        The last encoder layer is linear, so e . (a W + b) = (W e) . a + e . b: it is applied to the
        batch's distinct entities instead of to every address, and with at most one layer the summed
        prefix embeddings are never materialised."""
        entities = self.entity_table[slots]
        offsets = np.zeros(slots.size, dtype=np.float32)
        if self.encoder.weights:
            offsets = entities @ self.encoder.biases[-1]
            entities = np.ascontiguousarray(entities @ self.encoder.weights[-1].T)
        hidden = IpEncoder(self.encoder.weights[:-1], self.encoder.biases[:-1])
        out = np.empty(addresses.size, dtype=np.float32)
        scheme = self.prefix_scheme.kernel_arrays()
        for start in range(0, addresses.size, SCORE_CHUNK_ROWS):
            part = slice(start, start + SCORE_CHUNK_ROWS)
            if hidden.weights:
                rows = np.empty((addresses[part].size, len(self.prefix_scheme.prefix_lengths)), dtype=np.int64)
                vectors = np.empty((addresses[part].size, self.prefix_table.shape[1]), dtype=np.float32)
                kernels.gather_ip_vectors(addresses[part], self.prefix_table, *scheme, rows, vectors)
                penultimate, _ = hidden.forward(vectors)
                np.maximum(penultimate, 0.0, out=penultimate)
                kernels.row_dot_products(entity_codes[part], entities, penultimate, out[part])
            else:
                kernels.prefix_sum_dot_products(
                    addresses[part], entity_codes[part], entities, self.prefix_table, *scheme, out[part]
                )
        return out + offsets[entity_codes]

    def invoke(self, body: bytes, content_type: str, accept: str = "application/json", verbose: bool = False) -> bytes:
        """Answer an inference request the way SageMaker's IP Insights endpoint does (inference_formats)."""
        return inference_formats.invoke(self, body, content_type, accept, verbose)

    def save(self, path: str | Path) -> None:
        """One portable .npz file holding everything score() needs (model_file)."""
        model_file.save(self, path)

    @classmethod
    def load(cls, path: str | Path) -> LocalModel:
        """Read a model saved by save(); another format version is refused, not misread (model_file)."""
        return model_file.load(path)


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


@contextmanager
def compute_threads(threads: int | None) -> Iterator[None]:
    """numba kernels on `threads` threads (default: all cores), BLAS on one (see Determinism)."""
    previous = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(previous)


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
    rng = np.random.default_rng(seed)
    model = _initial_model(hyperparameters, sorted(distinct), rng)
    trainer = _Trainer(model, rng)
    validation_skipped = _validation_skip_reason(validation)
    epochs = []
    total_samples = hyperparameters.epochs * keep.size * trainer.samples_per_pair
    with tqdm(total=total_samples, unit="sample", unit_scale=True, disable=not progress, desc="ip insights") as bar:
        for epoch in range(1, hyperparameters.epochs + 1):
            summary = trainer.run_epoch(epoch, entity_rows, parsed.values[keep], bar)
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
    entity_table = (rng.standard_normal((hyperparameters.num_entity_vectors, dim), dtype=np.float32) * scale)
    prefix_table = (rng.standard_normal((scheme.total_rows, dim), dtype=np.float32) * scale)
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
        return {"epoch": epoch, "loss": loss / samples, "accuracy": correct / samples, "samples": samples,
                "seconds": seconds, "samples_per_second": samples / seconds}

    def _publish_batch_metrics(
        self, epoch: int, batch: int, loss: float, correct: float, samples: int,
        published: tuple[float, int], bar: tqdm,
    ) -> tuple[float, int]:
        """SageMaker's Speedometer: every batch_metrics_publish_interval batches, the speed since the
        last report and the epoch's running loss and accuracy, to the progress bar and the metrics."""
        now = time.perf_counter()
        since, samples_then = published
        speed = (samples - samples_then) / max(now - since, 1e-9)
        entry = {"epoch": epoch, "batch": batch, "samples_per_second": speed,
                 "loss": loss / samples, "accuracy": correct / samples}
        self.batch_metrics.append(entry)
        bar.set_postfix(batch=batch, samples_per_s=f"{entry['samples_per_second']:,.0f}",
                        loss=f"{entry['loss']:.4f}", accuracy=f"{entry['accuracy']:.3f}")
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
            entity_rows, model.entity_table, encoded, random_shifts, shuffle_shifts, scale,
            entity_grads, ip_grads, self.coefficients, tallies,
        )
        self.step += 1
        step_size = hp.learning_rate * math.sqrt(1.0 - ADAM_BETA2**self.step) / (1.0 - ADAM_BETA1**self.step)
        if model.encoder.weights:
            prefix_grads, parameter_grads = model.encoder.backward(ip_grads, layer_inputs)
            model.encoder.adam_step(parameter_grads, step_size, hp.weight_decay)
        else:
            prefix_grads = ip_grads
        self._update_table(model.prefix_table, self.prefix_moments, ip_rows, prefix_grads,
                           self.prefix_slot_of_row, self.prefix_unique, self.prefix_summed, step_size)
        self._update_table(model.entity_table, self.entity_moments, entity_rows.reshape(-1, 1), entity_grads,
                           self.entity_slot_of_row, self.entity_unique, self.entity_summed, step_size)
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
            table, moments[0], moments[1], summed, unique, touched, slot_of_row,
            step_size, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, self.model.hyperparameters.weight_decay,
        )


def warm_up() -> float:
    """Compile (or load from numba's cache) every kernel; returns the seconds this call spent on it
    (0 once the process is warm), so throughput figures can leave JIT time out."""
    started = time.perf_counter()
    _run_every_kernel()
    return time.perf_counter() - started


@functools.cache
def _run_every_kernel() -> None:
    hp = Hyperparameters(num_entity_vectors=4, vector_dim=4, epochs=1, mini_batch_size=2,
                         num_ip_encoder_layers=2)
    model = _initial_model(hp, ["a"], np.random.default_rng(0))
    trainer = _Trainer(model, np.random.default_rng(0))
    trainer._train_batch(np.array([0, 1], dtype=np.int64), np.array([1, 2], dtype=np.uint32))
    model.score(["a"], ["1.2.3.4"])  # a hidden layer: gathered vectors, then row dot products
    replace(model, encoder=IpEncoder([], [])).score(["a"], ["1.2.3.4"])  # no layer: the fused kernel
