"""The largest value of any slice of an array, for many slices at once: the history's last day a
principal used a network is the largest day over one contiguous slice of its sorted keys, and that
slice can hold most of a busy principal's addresses.

A sparse table over the whole array would answer each slice in two look-ups but cost a copy of the
array per doubling (about 20 copies for a million keys); here it is built over blocks of BLOCK
values instead (a 32nd of that), and the at most BLOCK - 1 values at each end of a slice that fill
no whole block are read directly.
"""

from __future__ import annotations

import numpy as np

BLOCK = 32


class RangeMax:
    """Maxima of `values[start:stop]` (non-empty slices) of an integer array."""

    def __init__(self, values: np.ndarray) -> None:
        values = np.asarray(values)
        self._floor = np.iinfo(values.dtype).min
        blocks = -(-values.size // BLOCK)
        # One block more than whole blocks need, so a window of BLOCK values from any start fits.
        self._values = np.full((blocks + 1) * BLOCK, self._floor, dtype=values.dtype)
        self._values[: values.size] = values
        level = self._values[: blocks * BLOCK].reshape(blocks, BLOCK).max(axis=1)
        self._levels = [level]
        width = 1
        while 2 * width <= blocks:
            level = np.maximum(level[:-width], level[width:])
            self._levels.append(level)
            width *= 2

    def query(self, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
        """The maximum of each slice `values[start[i]:stop[i]]`; every slice must hold a value."""
        start = np.asarray(start, dtype=np.int64)
        stop = np.asarray(stop, dtype=np.int64)
        offsets = np.arange(BLOCK, dtype=np.int64)
        head = start[:, None] + offsets
        tail = np.maximum(stop[:, None] - BLOCK + offsets, 0)
        ends = np.maximum(
            np.where(head < stop[:, None], self._values[head], self._floor).max(axis=1),
            np.where(tail >= start[:, None], self._values[tail], self._floor).max(axis=1),
        )
        # Whole blocks inside the slice: first..last inclusive.
        first = -(-start // BLOCK)
        last = stop // BLOCK - 1
        count = last - first + 1
        inside = count > 0
        level = np.floor(np.log2(np.maximum(count, 1))).astype(np.int64)
        middle = np.full(start.size, self._floor, dtype=self._values.dtype)
        for k in np.unique(level[inside]).tolist():
            rows = inside & (level == k)
            table = self._levels[k]
            middle[rows] = np.maximum(table[first[rows]], table[last[rows] - (1 << k) + 1])
        return np.maximum(ends, middle)
