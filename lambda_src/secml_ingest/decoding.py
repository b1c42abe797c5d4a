"""Bytes of a stored object to text: gunzip when it is gzip (by its magic number, not its name).

Decompression streams with a cap on the output, so a small object that inflates enormously (a
1 MB gzip of 1 GB of zeros) is a bad object, reported and skipped, instead of taking the Lambda
(512 MB) or a backfill worker past its memory.
"""

from __future__ import annotations

import io
import zlib

from secml_ingest.errors import BadObjectError

GZIP_MAGIC = b"\x1f\x8b"
# The most a gzip object may decompress to. CloudTrail delivers a file every few minutes per region
# (a few MB decompressed even for busy accounts); with the parsed records beside the text, this
# keeps one object well inside the ingest Lambda's 512 MB.
MAX_DECOMPRESSED_BYTES = 128 * 2**20
# Output produced per step of the decompressor, so the cap is checked long before it is passed.
DECOMPRESS_STEP_BYTES = 4 * 2**20
GZIP_WBITS = 16 + zlib.MAX_WBITS


def plain_bytes(data: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """The bytes of a plain or gzip object (every gzip member, as `gzip.decompress`);
    BadObjectError when the gzip is corrupt or truncated, or would decompress past `limit`."""
    if data[:2] != GZIP_MAGIC:
        return data
    plain = io.BytesIO()
    pending = data
    try:
        while pending[:2] == GZIP_MAGIC:
            member = zlib.decompressobj(GZIP_WBITS)
            while not member.eof:
                chunk = member.decompress(pending, DECOMPRESS_STEP_BYTES)
                pending = member.unconsumed_tail
                if not chunk and not pending:
                    raise BadObjectError("corrupt gzip: truncated")
                if plain.tell() + len(chunk) > limit:
                    raise BadObjectError(f"gzip decompresses to more than {limit // 2**20} MiB (limit)")
                plain.write(chunk)
            pending = member.unused_data
    except zlib.error as error:
        raise BadObjectError(f"corrupt gzip: {error}") from None
    if pending.strip(b"\0"):  # gzip allows zero padding after the last member, nothing else
        raise BadObjectError("corrupt gzip: trailing garbage after the last member")
    return plain.getvalue()


def utf8_text(plain: bytes) -> str:
    """The UTF-8 text of plain bytes; BadObjectError says where they are not UTF-8."""
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadObjectError(f"not UTF-8 text: {error.reason} at byte {error.start}") from None


def object_text(data: bytes) -> str:
    """The UTF-8 text of a plain or gzip object; BadObjectError says why it cannot be read."""
    return utf8_text(plain_bytes(data))
