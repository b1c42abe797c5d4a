"""The compact scoring artefact of a local-engine IP Insights model, read and scored in pure Python.

Why pure Python: the Lambda runtime has no numpy, and a finding names one to a few IPs. Scoring one
pair reads one entity row and the four prefix rows of the address (vector_dim floats each) and
adds their dot products (plus the dense layers, when the model has any): microseconds in Python.

Layout (all numbers little-endian): MAGIC, a uint32 header length, the UTF-8 JSON header, zero
padding to a multiple of 4 bytes, then float32 sections. The header names each section's byte
offset (from the start of the data) and shape. The prefix table, by far the largest section
(196,864 rows at the default scheme), comes last, so a reader can fetch everything before it in
one read and each prefix row on demand (an S3 ranged GET): a cold start then reads kilobytes, not
the whole table. Only the entity rows of principals seen in training are kept: an unseen principal
gets its own verdict, never a score. Dense-layer weights are stored transposed (one contiguous
row per output unit).

The model it comes from is secml.ipinsights.model.LocalModel: the same prefix rows (splitmix64 of
the prefix salted by its length, for prefixes longer than hash_bits), the same sum, the same dense
layers (ReLU between layers, the last linear), the same dot product.
"""

from __future__ import annotations

import json
import struct
import sys
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from math import fsum
from typing import Any

MAGIC = b"SECMLIP1"
FORMAT = "secml-ipinsights-scoring"
FORMAT_VERSION = 1
FLOAT_BYTES = 4
PREFIX_SECTION = "prefixes"
ENTITY_SECTION = "entities"
# Bytes a reader fetches first: the header and the small sections usually fit.
FIRST_READ_BYTES = 1 << 20
ROW_CACHE_SIZE = 65_536
_MASK64 = (1 << 64) - 1

# fetch(first_byte, length) -> exactly those bytes of the artefact.
Fetch = Callable[[int, int], bytes]


class ArtefactError(Exception):
    """Bytes that are not a scoring artefact this code reads."""


def splitmix64(value: int) -> int:
    """SplitMix64's finaliser, as the engine's kernel computes it on uint64."""
    mixed = (value + 0x9E3779B97F4A7C15) & _MASK64
    mixed = ((mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    mixed = ((mixed ^ (mixed >> 27)) * 0x94D049BB133111EB) & _MASK64
    return mixed ^ (mixed >> 31)


@dataclass(frozen=True)
class PrefixLevel:
    """One prefix length's slice of the prefix table."""

    length: int
    offset: int
    mask: int
    hashed: bool

    def row(self, address: int) -> int:
        prefix = address >> (32 - self.length)
        if self.hashed:
            return self.offset + (splitmix64(prefix ^ (self.length << 32)) & self.mask)
        return self.offset + prefix


def prefix_levels(prefix_lengths: list[int], hash_bits: int) -> list[PrefixLevel]:
    """The rows of each prefix length, as the engine's PrefixScheme lays them out."""
    levels, offset = [], 0
    for length in prefix_lengths:
        size = 1 << min(length, hash_bits)
        levels.append(PrefixLevel(length, offset, size - 1, length > hash_bits))
        offset += size
    return levels


def floats(data: bytes) -> list[float]:
    """Little-endian float32 bytes as Python floats (exact)."""
    values = array("f")
    values.frombytes(data)
    if sys.byteorder != "little":
        values.byteswap()
    return values.tolist()


def pack_header(header: Mapping[str, Any]) -> bytes:
    """MAGIC, length and JSON header, padded so the data starts at a multiple of 4 bytes."""
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    head = MAGIC + struct.pack("<I", len(text)) + text
    return head + b"\0" * (-len(head) % FLOAT_BYTES)


def read_header(first: bytes) -> tuple[dict[str, Any], int]:
    """The header and the byte where the data starts, from the artefact's first bytes."""
    if first[: len(MAGIC)] != MAGIC:
        raise ArtefactError("not a secml scoring artefact (bad magic bytes)")
    start = len(MAGIC) + 4
    if len(first) < start:
        raise ArtefactError("truncated scoring artefact")
    (length,) = struct.unpack("<I", first[len(MAGIC) : start])
    if len(first) < start + length:
        raise ArtefactError("truncated scoring artefact header")
    try:
        header = json.loads(first[start : start + length].decode("utf-8"))
    except ValueError as error:
        raise ArtefactError(f"damaged scoring artefact header: {error}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ArtefactError("not a secml scoring artefact (no format in the header)")
    if header.get("format_version") != FORMAT_VERSION:
        raise ArtefactError(
            f"scoring artefact format version {header.get('format_version')}; this scorer reads {FORMAT_VERSION}"
        )
    data_start = start + length
    return header, data_start + (-data_start % FLOAT_BYTES)


class ScoringModel:
    """A loaded artefact: the small sections in memory, prefix rows fetched on demand (and kept).
    `fetch` reads bytes of the artefact (a slice of bytes in memory, or an S3 ranged GET)."""

    def __init__(self, fetch: Fetch, first_read_bytes: int = FIRST_READ_BYTES) -> None:
        first = fetch(0, first_read_bytes)
        header, data_start = read_header(first)
        try:
            sections: dict[str, Any] = header["sections"]
            self.dim = int(header["vector_dim"])
            self.levels = prefix_levels(list(header["prefix_lengths"]), int(header["hash_bits"]))
            self.principal_rows: dict[str, int] = dict(header["principals"])
            layers = int(header["encoder_layers"])
            prefix_offset = int(sections[PREFIX_SECTION]["offset"])
            self.prefix_rows = int(sections[PREFIX_SECTION]["shape"][0])
        except (KeyError, TypeError, ValueError) as error:
            raise ArtefactError(f"incomplete scoring artefact header: {error!r}") from None
        self.header = header
        small_end = data_start + prefix_offset
        small = first[data_start:small_end] if len(first) >= small_end else fetch(data_start, prefix_offset)
        if len(small) != prefix_offset:
            raise ArtefactError("truncated scoring artefact")

        def section(name: str) -> list[float]:
            spec = sections[name]
            count = 1
            for size in spec["shape"]:
                count *= int(size)
            start = int(spec["offset"])
            return floats(small[start : start + count * FLOAT_BYTES])

        entities = section(ENTITY_SECTION)
        self._entities = [entities[r * self.dim : (r + 1) * self.dim] for r in range(len(entities) // self.dim)]
        self._layers: list[tuple[list[list[float]], list[float]]] = []
        for layer in range(layers):
            weights, biases = section(f"encoder_weight_t_{layer}"), section(f"encoder_bias_{layer}")
            width = len(weights) // len(biases)
            self._layers.append(([weights[j * width : (j + 1) * width] for j in range(len(biases))], biases))
        prefix_start = data_start + prefix_offset
        row_bytes = self.dim * FLOAT_BYTES

        @lru_cache(maxsize=ROW_CACHE_SIZE)
        def prefix_row(row: int) -> tuple[float, ...]:
            data = fetch(prefix_start + row * row_bytes, row_bytes)
            if len(data) != row_bytes:
                raise ArtefactError(f"truncated scoring artefact: prefix row {row} is missing")
            return tuple(floats(data))

        self._prefix_row = prefix_row

    def knows(self, principal: str) -> bool:
        return principal in self.principal_rows

    def ip_vector(self, address: int) -> list[float]:
        """The encoded vector of an IPv4 address (as an int): summed prefix rows, then the layers."""
        vector = [0.0] * self.dim
        for level in self.levels:
            vector = [a + b for a, b in zip(vector, self._prefix_row(level.row(address)), strict=True)]
        last = len(self._layers) - 1
        for index, (weights_t, biases) in enumerate(self._layers):
            vector = [
                bias + fsum(map(float.__mul__, vector, column)) for column, bias in zip(weights_t, biases, strict=True)
            ]
            if index < last:
                vector = [value if value > 0.0 else 0.0 for value in vector]
        return vector

    def score(self, principal: str, address: int) -> float:
        """The dot product of a seen principal's vector and the address's (KeyError if unseen)."""
        entity = self._entities[self.principal_rows[principal]]
        return fsum(map(float.__mul__, entity, self.ip_vector(address)))

    def scores(self, pairs: Sequence[tuple[str, int]]) -> list[float]:
        """score() of each (principal, address) pair, in order (secml_ingest.verdicts.Scorer)."""
        return [self.score(principal, address) for principal, address in pairs]


def in_memory(data: bytes) -> Fetch:
    """A fetch over an artefact held whole in memory."""
    view = memoryview(data)

    def fetch(first_byte: int, length: int) -> bytes:
        return bytes(view[first_byte : first_byte + length])

    return fetch
