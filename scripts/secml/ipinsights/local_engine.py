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
import json
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

from secml.ipinsights import kernels
from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.entities import ENTITY_HASH_SCHEME, factorize, hash_slots
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.metrics import DISCRIMINATOR_AUC, discriminator_auc

FORMAT_VERSION = 1
PREFIX_LENGTHS = (8, 16, 24, 32)
IP_HASH_BITS = 16
SCORE_CHUNK_ROWS = 65_536
ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPSILON = 1e-8
INITIAL_SCALE = 0.1


class ModelFormatError(ValueError):
    """A saved model this engine cannot read (another format version, or not a model at all)."""


class InferenceFormatError(ValueError):
    """A request or accept type outside SageMaker's IP Insights inference formats."""


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
            dot_product[valid_rows] = self._dot_products(
                hash_slots(distinct, self.hyperparameters.num_entity_vectors), codes[valid_rows],
                parsed.values[valid_rows],
            )
        return ScoredBatch(dot_product, seen, parsed.errors)

    def _dot_products(self, slots: np.ndarray, entity_codes: np.ndarray, addresses: np.ndarray) -> np.ndarray:
        """Dot products of entity slots[entity_codes[i]] with address i.

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
        """Answer an inference request the way SageMaker's IP Insights endpoint does.

        Requests: text/csv, application/json ({"instances": [...]}) or application/jsonlines. Answers:
        application/json ({"predictions": [...]}) or application/jsonlines; `verbose=True` (or an accept
        parameter verbose=True, as on SageMaker) adds entity_embedding and ip_embedding. Each prediction
        also carries seen_principal, and a row that cannot be scored carries dot_product null and error.
        """
        request_type, _ = _media_type(content_type)
        answer_type, parameters = _media_type(accept)
        verbose = verbose or parameters.get("verbose", "").lower() == "true"
        if answer_type not in ("application/json", "application/jsonlines"):
            raise InferenceFormatError(f"unsupported accept {accept!r}: use application/json or application/jsonlines")
        rows = _read_request(body.decode("utf-8"), request_type)
        pairs = [row for row in rows if isinstance(row, tuple)]
        scored = self.score([p for p, _ in pairs], [ip for _, ip in pairs])
        predictions = []
        scored_index = 0
        for row in rows:
            if isinstance(row, str):
                predictions.append({"dot_product": None, "seen_principal": False, "error": row})
                continue
            predictions.append(self._prediction(scored, scored_index, row, verbose))
            scored_index += 1
        if answer_type == "application/json":
            return json.dumps({"predictions": predictions}).encode("utf-8")
        return "".join(json.dumps(prediction) + "\n" for prediction in predictions).encode("utf-8")

    def _prediction(self, scored: ScoredBatch, index: int, pair: tuple[str, str], verbose: bool) -> dict[str, Any]:
        error = scored.errors[index]
        seen = bool(scored.seen_principal[index])
        if error is not None:
            return {"dot_product": None, "seen_principal": seen, "error": error}
        prediction: dict[str, Any] = {"dot_product": float(scored.dot_product[index]), "seen_principal": seen}
        if verbose:
            slot = hash_slots([pair[0]], self.hyperparameters.num_entity_vectors)[0]
            address = parse_ipv4([pair[1]]).values
            prediction["entity_embedding"] = self.entity_table[slot].tolist()
            prediction["ip_embedding"] = self.encode_addresses(address)[0].tolist()
        return prediction

    def save(self, path: str | Path) -> None:
        """One portable .npz file (numpy arrays, no pickles) holding everything score() needs."""
        metadata = {
            "format_version": FORMAT_VERSION,
            "hyperparameters": self.hyperparameters.as_sagemaker(),
            "entity_hash_scheme": ENTITY_HASH_SCHEME,
            "ip_prefix_scheme": self.prefix_scheme.describe(),
            "ip_encoder": "sum of prefix embeddings, then dense layers with ReLU between them, last linear",
            "metrics": self.metrics,
        }
        arrays: dict[str, np.ndarray] = {
            "format_version": np.array(FORMAT_VERSION),
            "metadata": np.array(json.dumps(metadata)),
            "entity_table": self.entity_table,
            "prefix_table": self.prefix_table,
            # UTF-8 JSON, not a numpy str array: that is UTF-32 at the longest principal's width.
            "principals": np.frombuffer(json.dumps(self.principals).encode("utf-8"), dtype=np.uint8),
        }
        for layer, (weight, bias) in enumerate(zip(self.encoder.weights, self.encoder.biases)):
            arrays[f"encoder_weight_{layer}"] = weight
            arrays[f"encoder_bias_{layer}"] = bias
        with open(path, "wb") as handle:
            np.savez(handle, **arrays)

    @classmethod
    def load(cls, path: str | Path) -> LocalModel:
        """Read a model saved by save(); another format version is refused, not misread."""
        try:
            archive = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as error:
            raise ModelFormatError(f"{path} is not a local IP Insights model: {error}") from error
        with archive:
            if "format_version" not in archive.files or "metadata" not in archive.files:
                raise ModelFormatError(f"{path} is not a local IP Insights model (no format_version)")
            version = int(archive["format_version"])
            if version != FORMAT_VERSION:
                raise ModelFormatError(
                    f"{path} has model format version {version}; this engine reads version {FORMAT_VERSION}: "
                    "retrain the model or use the secml release that wrote it"
                )
            metadata = json.loads(str(archive["metadata"]))
            hyperparameters = Hyperparameters.from_mapping(metadata["hyperparameters"])
            scheme_text = metadata["ip_prefix_scheme"]
            layers = hyperparameters.num_ip_encoder_layers
            return cls(
                hyperparameters=hyperparameters,
                entity_table=archive["entity_table"],
                prefix_table=archive["prefix_table"],
                encoder=IpEncoder(
                    [archive[f"encoder_weight_{layer}"] for layer in range(layers)],
                    [archive[f"encoder_bias_{layer}"] for layer in range(layers)],
                ),
                principals=json.loads(archive["principals"].tobytes().decode("utf-8")),
                prefix_scheme=PrefixScheme(tuple(scheme_text["prefix_lengths"]), int(scheme_text["hash_bits"])),
                metrics=metadata["metrics"],
            )


def _media_type(header: str) -> tuple[str, dict[str, str]]:
    """'application/json; verbose=True' -> ('application/json', {'verbose': 'True'})."""
    kind, *parameters = [part.strip() for part in header.split(";")]
    pairs = dict(part.split("=", 1) for part in parameters if "=" in part)
    return kind.lower(), {name.strip().lower(): value.strip() for name, value in pairs.items()}


def _read_request(text: str, content_type: str) -> list[tuple[str, str] | str]:
    """Each request row as (entity, ip), or as an error message where the row has no such pair."""
    if content_type == "text/csv":
        return [_csv_pair(line) for line in text.splitlines() if line.strip()]
    if content_type == "application/json":
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise InferenceFormatError(f"request is not JSON: {error}") from error
        if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
            raise InferenceFormatError('application/json requests need {"instances": [...]}')
        return [_instance_pair(instance) for instance in document["instances"]]
    if content_type in ("application/jsonlines", "application/x-jsonlines"):
        rows: list[tuple[str, str] | str] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                rows.append(_instance_pair(json.loads(line)))
            except json.JSONDecodeError as error:
                rows.append(f"line is not JSON: {error}")
        return rows
    raise InferenceFormatError(
        f"unsupported content type {content_type!r}: use text/csv, application/json or application/jsonlines"
    )


def _csv_pair(line: str) -> tuple[str, str] | str:
    columns = [column.strip() for column in line.split(",")]
    if len(columns) != 2:
        return f"expected 2 columns (entity, ip), got {len(columns)}"
    return columns[0], columns[1]


def _instance_pair(instance: Any) -> tuple[str, str] | str:
    """SageMaker's instance shapes: {"features": [e, ip]} or {"data": {"features": {"values": [e, ip]}}}."""
    values: Any = None
    if isinstance(instance, dict):
        if "features" in instance:
            values = instance["features"]
        elif isinstance(instance.get("data"), dict) and isinstance(instance["data"].get("features"), dict):
            values = instance["data"]["features"].get("values")
    if isinstance(values, list) and len(values) == 2 and all(isinstance(value, str) for value in values):
        return values[0].strip(), values[1].strip()
    return 'expected {"features": [entity, ip]} or {"data": {"features": {"values": [entity, ip]}}}'


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
    in metrics["skipped_rows"]; validation pairs give validation:discriminator_auc after each epoch.
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
    epochs = []
    total_samples = hyperparameters.epochs * keep.size * trainer.samples_per_pair
    with tqdm(total=total_samples, unit="sample", unit_scale=True, disable=not progress, desc="ip insights") as bar:
        for epoch in range(1, hyperparameters.epochs + 1):
            summary = trainer.run_epoch(entity_rows, parsed.values[keep], bar)
            summary["epoch"] = epoch
            if validation is not None:
                summary[DISCRIMINATOR_AUC] = validation_auc(model, *validation, seed=seed)
            bar.set_postfix(loss=f"{summary['loss']:.4f}", accuracy=f"{summary['accuracy']:.3f}")
            epochs.append(summary)
    model.metrics = {
        "epochs": epochs,
        "train_pairs": int(keep.size),
        "skipped_rows": int(len(ips) - keep.size),
        "samples_per_second": sum(e["samples"] for e in epochs) / sum(e["seconds"] for e in epochs),
        "jit_seconds": jit_seconds,
    }
    if validation is not None:
        model.metrics[DISCRIMINATOR_AUC] = epochs[-1][DISCRIMINATOR_AUC]
    return model


def validation_auc(model: LocalModel, principals: Sequence[str], ips: Sequence[str], seed: int = 0) -> float:
    """validation:discriminator_auc: the validation pairs against the same principals with uniformly
    random IPv4 addresses (its own random stream, so validating never changes training)."""
    observed = model.score(principals, ips)
    valid = np.flatnonzero(np.isfinite(observed.dot_product))
    random_addresses = np.random.default_rng([seed, 1]).integers(0, 2**32, size=valid.size, dtype=np.uint32)
    distinct, codes = factorize(principals)
    slots = hash_slots(distinct, model.hyperparameters.num_entity_vectors)
    random_scores = model._dot_products(slots, codes[valid], random_addresses)
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

    def run_epoch(self, entity_rows: np.ndarray, addresses: np.ndarray, bar: tqdm) -> dict[str, float]:
        batch = self.model.hyperparameters.mini_batch_size
        order = self.rng.permutation(addresses.size)
        loss = 0.0
        correct = 0.0
        samples = 0
        started = time.perf_counter()
        for start in range(0, order.size, batch):
            rows = order[start : start + batch]
            batch_loss, batch_correct = self._train_batch(entity_rows[rows], addresses[rows])
            loss += batch_loss
            correct += batch_correct
            batch_samples = rows.size * self._samples_per_pair(rows.size)
            samples += batch_samples
            bar.update(batch_samples)
        seconds = time.perf_counter() - started
        return {"loss": loss / samples, "accuracy": correct / samples, "samples": samples, "seconds": seconds,
                "samples_per_second": samples / seconds}

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

    def _update_table(self, table, moments, rows, grads, slot_of_row, unique, summed, step_size) -> None:
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
