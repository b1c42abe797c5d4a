"""The local IP Insights engine's model: SageMaker's documented model, scored on the CPU with numba.

Model. An entity is hashed (entities.py) to a row of an embedding of num_entity_vectors x vector_dim.
An IPv4 address is encoded from its prefix structure: the embeddings of its /8, /16, /24 and /32
prefixes are summed (prefixes up to /16 index their own table, longer ones are hashed into
2**IP_HASH_BITS rows each), then passed through num_ip_encoder_layers dense layers (ReLU between
layers, the last one linear; 0 layers allowed). The score is the dot product of the two vectors,
higher meaning more normal.

Determinism. fit() is bit-for-bit repeatable for a seed on a given machine, whatever the thread
count: all randomness comes from one numpy Generator, numba's parallel loops never share an output row
and every sum runs in a fixed order, and the dense layers' matrix products run on one BLAS thread
(BLAS splits sums differently per thread count; these products are small next to the kernels, and
spinning BLAS threads slow everything when the cores are shared).


Training (training.py), the model file (model_file.py) and SageMaker's inference formats
(inference_formats.py) build on these types, never the other way round.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from threadpoolctl import threadpool_limits

from secml.ipinsights import kernels
from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.entities import factorize, hash_slots
from secml.ipinsights.hyperparameters import Hyperparameters

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
        for layer, (weight, bias) in enumerate(zip(self.weights, self.biases, strict=True)):
            inputs.append(activation)
            activation = activation @ weight
            activation += bias
            if layer < last:
                np.maximum(activation, 0.0, out=activation)
        return activation, inputs

    def backward(self, output_grads: np.ndarray, inputs: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
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
        parameters = [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]
        if not self.moments:
            self.moments = [(np.zeros_like(p), np.zeros_like(p)) for p in parameters]
        for parameter, gradient, (m, v) in zip(parameters, parameter_grads, self.moments, strict=True):
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
                hash_slots(distinct, self.hyperparameters.num_entity_vectors),
                codes[valid_rows],
                parsed.values[valid_rows],
            )
        errors = list(parsed.errors)
        for row in valid_rows[~np.isfinite(dot_product[valid_rows])].tolist():
            errors[row] = NON_FINITE_SCORE  # a damaged model: never a blank score without a reason
        return ScoredBatch(dot_product, seen, errors)

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
        scores: np.ndarray = out + offsets[entity_codes]
        return scores


NON_FINITE_SCORE = "the model gave no finite score (its weights are not finite: retrain it)"


@contextmanager
def compute_threads(threads: int | None) -> Iterator[None]:
    """numba kernels on `threads` threads (default: all cores), BLAS on one (see Determinism)."""
    previous = numba.get_num_threads()
    numba.set_num_threads(threads or numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]  # set at import
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(previous)
