"""The numba hot paths of the local IP Insights engine.

Every parallel loop writes only to its own rows, and every sum over a mini-batch runs in one fixed
order, so results do not depend on how many threads numba uses (see model.py for the whole
determinism claim). Arrays are float32; indices int64. fastmath lets numba reassociate the float32
dot products into SIMD lanes (about 3x faster here); the compiled order is still fixed, so repeated
runs on one machine agree bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, inline="always", fastmath=True)
def splitmix64(value: np.uint64) -> np.uint64:
    """SplitMix64's finaliser: a fixed, well-mixed 64-bit hash for IP prefixes."""
    mixed = value + _GOLDEN
    mixed = (mixed ^ (mixed >> np.uint64(30))) * _MIX1
    mixed = (mixed ^ (mixed >> np.uint64(27))) * _MIX2
    return mixed ^ (mixed >> np.uint64(31))


@njit(cache=True, inline="always", fastmath=True)
def prefix_row(address: np.uint32, shift: np.int64, offset: np.int64, mask: np.int64, hashed: np.int64) -> np.int64:
    """Row of one prefix of an address in the concatenated prefix table: short prefixes index their
    table directly, long ones are hashed (salted by prefix length) into a power-of-two table."""
    prefix = np.uint64(address) >> np.uint64(shift)
    if hashed:
        salted = prefix ^ (np.uint64(32 - shift) << np.uint64(32))
        return offset + np.int64(splitmix64(salted) & np.uint64(mask))
    return offset + np.int64(prefix)


@njit(cache=True, parallel=True, fastmath=True)
def gather_ip_vectors(
    addresses: np.ndarray,
    prefix_table: np.ndarray,
    shifts: np.ndarray,
    offsets: np.ndarray,
    masks: np.ndarray,
    hashed: np.ndarray,
    rows: np.ndarray,
    vectors: np.ndarray,
) -> None:
    """vectors[i] = sum of the prefix embeddings of addresses[i]; rows[i] records which rows."""
    levels = shifts.size
    dim = prefix_table.shape[1]
    for i in prange(addresses.size):
        for k in range(dim):
            vectors[i, k] = 0.0
        for level in range(levels):
            row = prefix_row(addresses[i], shifts[level], offsets[level], masks[level], hashed[level])
            rows[i, level] = row
            for k in range(dim):
                vectors[i, k] += prefix_table[row, k]


@njit(cache=True, inline="always", fastmath=True)
def _softplus(x: float) -> float:
    return max(x, 0.0) + np.log1p(np.exp(-abs(x)))


@njit(cache=True, inline="always", fastmath=True)
def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + np.exp(-x))
    e = np.exp(x)
    return e / (1.0 + e)


@njit(cache=True, inline="always", fastmath=True)
def _dot(entity: np.ndarray, vectors: np.ndarray, row: int) -> np.float32:
    total = np.float32(0.0)
    for k in range(entity.size):
        total += entity[k] * vectors[row, k]
    return total


@njit(cache=True, inline="always", fastmath=True)
def _add_scaled(target: np.ndarray, row: int, coefficient: np.float32, source: np.ndarray) -> None:
    for k in range(source.size):
        target[row, k] += coefficient * source[k]


@njit(cache=True, parallel=True, fastmath=True)
def pair_gradients(
    entity_rows: np.ndarray,
    entity_table: np.ndarray,
    ip_vectors: np.ndarray,
    random_shifts: np.ndarray,
    shuffle_shifts: np.ndarray,
    scale: float,
    entity_grads: np.ndarray,
    ip_grads: np.ndarray,
    coefficients: np.ndarray,
    tallies: np.ndarray,
) -> None:
    """Binary cross-entropy of a mini-batch and its gradients with respect to the entity vectors
    (entity_grads, one row per pair) and the encoded IP vectors (ip_grads, one row per IP).

    ip_vectors holds the batch's B observed IPs, then a pool of P random IPs. Pair b's random negative
    j is pool row (b + random_shifts[j]) mod P and its shuffled negative s is observed row
    (b + shuffle_shifts[s]) mod B. coefficients is scratch (1 + R + S rows of B): dLoss/dScore per
    sample, scaled by `scale`. tallies[b] = (loss sum, correct count) over pair b's samples.
    """
    batch = entity_rows.size
    pool = ip_vectors.shape[0] - batch
    random_rate = random_shifts.size
    for b in prange(batch):
        entity = entity_table[entity_rows[b]]
        score = _dot(entity, ip_vectors, b)
        coefficient = np.float32((_sigmoid(score) - 1.0) * scale)
        coefficients[0, b] = coefficient
        loss = _softplus(-score)
        correct = 1.0 if score > 0 else 0.0
        for k in range(entity.size):
            entity_grads[b, k] = coefficient * ip_vectors[b, k]
        for j in range(random_rate):
            row = batch + (b + random_shifts[j]) % pool
            score = _dot(entity, ip_vectors, row)
            coefficient = np.float32(_sigmoid(score) * scale)
            coefficients[1 + j, b] = coefficient
            loss += _softplus(score)
            correct += 1.0 if score < 0 else 0.0
            _add_scaled(entity_grads, b, coefficient, ip_vectors[row])
        for s in range(shuffle_shifts.size):
            row = (b + shuffle_shifts[s]) % batch
            score = _dot(entity, ip_vectors, row)
            coefficient = np.float32(_sigmoid(score) * scale)
            coefficients[1 + random_rate + s, b] = coefficient
            loss += _softplus(score)
            correct += 1.0 if score < 0 else 0.0
            _add_scaled(entity_grads, b, coefficient, ip_vectors[row])
        tallies[b, 0] = loss
        tallies[b, 1] = correct
    # Each IP row gathers the samples that used it (inverting the shifts) instead of the loop above
    # scattering into it, so no two threads write one row and the order of every sum is fixed.
    for row in prange(batch + pool):
        for k in range(ip_grads.shape[1]):
            ip_grads[row, k] = 0.0
        if row < batch:
            _add_scaled(ip_grads, row, coefficients[0, row], entity_table[entity_rows[row]])
            for s in range(shuffle_shifts.size):
                source = (row - shuffle_shifts[s]) % batch
                _add_scaled(ip_grads, row, coefficients[1 + random_rate + s, source], entity_table[entity_rows[source]])
        else:
            for j in range(random_rate):
                source = (row - batch - random_shifts[j]) % pool
                if source < batch:
                    _add_scaled(ip_grads, row, coefficients[1 + j, source], entity_table[entity_rows[source]])


@njit(cache=True, fastmath=True)
def accumulate_rows(
    rows: np.ndarray, grads: np.ndarray, slot_of_row: np.ndarray, unique_rows: np.ndarray, summed: np.ndarray
) -> int:
    """Sum grads[i] into every table row in rows[i, :], compacted: summed[c] belongs to unique_rows[c].

    Sequential on purpose: it fixes the order of every sum. slot_of_row must be -1 everywhere on
    entry; apply_lazy_adam resets it.
    """
    count = 0
    dim = grads.shape[1]
    for i in range(rows.shape[0]):
        for level in range(rows.shape[1]):
            row = rows[i, level]
            slot = slot_of_row[row]
            if slot < 0:
                slot = count
                slot_of_row[row] = slot
                unique_rows[slot] = row
                count += 1
                for k in range(dim):
                    summed[slot, k] = grads[i, k]
            else:
                for k in range(dim):
                    summed[slot, k] += grads[i, k]
    return count


@njit(cache=True, parallel=True, fastmath=True)
def apply_lazy_adam(
    table: np.ndarray,
    first_moment: np.ndarray,
    second_moment: np.ndarray,
    summed: np.ndarray,
    unique_rows: np.ndarray,
    count: int,
    slot_of_row: np.ndarray,
    step_size: float,
    beta1: float,
    beta2: float,
    epsilon: float,
    weight_decay: float,
) -> None:
    """Adam on the rows a mini-batch touched only (lazy Adam, as TensorFlow's LazyAdam): rows not in
    the batch keep their moments, as if their gradient were undefined rather than zero. Weight decay is
    L2 added to the gradient of those rows. step_size carries the bias correction."""
    dim = table.shape[1]
    # float32 throughout, so the loop vectorises.
    b1, b2, eps, decay, step = (
        np.float32(beta1),
        np.float32(beta2),
        np.float32(epsilon),
        np.float32(weight_decay),
        np.float32(step_size),
    )
    one = np.float32(1.0)
    for c in prange(count):
        row = unique_rows[c]
        slot_of_row[row] = -1
        for k in range(dim):
            gradient = summed[c, k] + decay * table[row, k]
            m = b1 * first_moment[row, k] + (one - b1) * gradient
            v = b2 * second_moment[row, k] + (one - b2) * gradient * gradient
            first_moment[row, k] = m
            second_moment[row, k] = v
            table[row, k] -= step * m / (np.sqrt(v) + eps)


@njit(cache=True, parallel=True, fastmath=True)
def row_dot_products(
    entity_rows: np.ndarray, entity_table: np.ndarray, ip_vectors: np.ndarray, out: np.ndarray
) -> None:
    """out[i] = entity_table[entity_rows[i]] . ip_vectors[i]."""
    dim = entity_table.shape[1]
    for i in prange(entity_rows.size):
        entity = entity_table[entity_rows[i]]
        total = np.float32(0.0)
        for k in range(dim):
            total += entity[k] * ip_vectors[i, k]
        out[i] = total


@njit(cache=True, parallel=True, fastmath=True)
def prefix_sum_dot_products(
    addresses: np.ndarray,
    entity_rows: np.ndarray,
    entity_vectors: np.ndarray,
    prefix_table: np.ndarray,
    shifts: np.ndarray,
    offsets: np.ndarray,
    masks: np.ndarray,
    hashed: np.ndarray,
    out: np.ndarray,
) -> None:
    """out[i] = entity_vectors[entity_rows[i]] . (sum of the prefix embeddings of addresses[i]), without
    materialising the summed vectors: scoring's hot path when no hidden layer sits in between."""
    dim = prefix_table.shape[1]
    for i in prange(addresses.size):
        entity = entity_vectors[entity_rows[i]]
        total = np.float32(0.0)
        for level in range(shifts.size):
            row = prefix_row(addresses[i], shifts[level], offsets[level], masks[level], hashed[level])
            for k in range(dim):
                total += entity[k] * prefix_table[row, k]
        out[i] = total
