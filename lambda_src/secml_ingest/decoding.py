"""Bytes of a stored object to text: gunzip when it is gzip (by its magic number, not its name)."""

from __future__ import annotations

import gzip
import zlib

from secml_ingest.errors import BadObjectError

GZIP_MAGIC = b"\x1f\x8b"


def plain_bytes(data: bytes) -> bytes:
    """The bytes of a plain or gzip object; BadObjectError when the gzip is corrupt."""
    if data[:2] != GZIP_MAGIC:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise BadObjectError(f"corrupt gzip: {error}") from None


def utf8_text(plain: bytes) -> str:
    """The UTF-8 text of plain bytes; BadObjectError says where they are not UTF-8."""
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadObjectError(f"not UTF-8 text: {error.reason} at byte {error.start}") from None


def object_text(data: bytes) -> str:
    """The UTF-8 text of a plain or gzip object; BadObjectError says why it cannot be read."""
    return utf8_text(plain_bytes(data))
