"""CloudTrail log objects to `<principal, ip>` tuples.

A log object is gzip JSON ``{"Records": [...]}``. Decoding every record with `json` costs far more
than the two fields needed, so records in CloudTrail's own delivery layout (compact JSON, each
record starting ``{"eventVersion":"...","userIdentity":{...},"eventTime":...,"sourceIPAddress":``)
are read by a strict scanner that decodes only ``userIdentity`` and the head fields. The scanner
splits records at ``},{"eventVersion":"`` and accepts the splits only when the text between two of
them is exactly one object (brackets outside JSON strings nest and close at its end), so a record
nested in request parameters cannot pose as a top-level one. Any object or record not in that layout (other key order, whitespace, escapes in
head fields) is decoded with `json`, so both paths give the same tuples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from secml_ingest.addresses import literal_ip
from secml_ingest.decoding import object_text
from secml_ingest.errors import BadObjectError
from secml_ingest.outcomes import MALFORMED_RECORD, PrincipalIp, Skip
from secml_ingest.principals import principal_of

_DOCUMENT_HEAD = '{"Records":['
_DOCUMENT_TAIL = "}]}"
_RECORD_SEPARATOR = '},{"eventVersion":"'
_RECORD_HEAD = re.compile(r'\{"eventVersion":"[^"\\]*","userIdentity":')
_AFTER_IDENTITY = re.compile(
    r',"eventTime":"([^"\\]*)","eventSource":"([^"\\]*)","eventName":"([^"\\]*)"'
    r',"awsRegion":"([^"\\]*)","sourceIPAddress":"([^"\\]*)"'
)
_DECODER = json.JSONDecoder()
_MARK = "\x00"
_MARKED_SEPARATOR = _RECORD_SEPARATOR.replace(",", _MARK, 1)
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'{}[]"\x00')
_QUOTED = re.compile(rb'"[^"]*"')
# Records nested deeper than this are read by `json` (the whole object falls back).
MAX_SCANNED_DEPTH = 32


class CloudTrailRecord(NamedTuple):
    """The fields of one record that ingest uses; `source` is its JSON text or decoded object."""

    identity: Any
    source_ip: Any
    event_time: Any
    event_source: Any
    event_name: Any
    region: Any
    source: str | dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return json.loads(self.source) if isinstance(self.source, str) else self.source


def _record_of(decoded: Any) -> CloudTrailRecord | Skip:
    if not isinstance(decoded, dict):
        return Skip(MALFORMED_RECORD)
    get = decoded.get
    return CloudTrailRecord(
        get("userIdentity"), get("sourceIPAddress"), get("eventTime"), get("eventSource"),
        get("eventName"), get("awsRegion"), decoded,
    )  # fmt: skip


def _decoded_records(text: str) -> Iterator[CloudTrailRecord | Skip]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadObjectError(f"invalid JSON: {error}") from None
    records = document.get("Records") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise BadObjectError("unexpected shape: no 'Records' list")
    for decoded in records:
        yield _record_of(decoded)


def _nested(depth: int) -> str:
    """A regex for bracket sequences balanced to `depth` levels (linear size, no backtracking:
    each alternative starts with a distinct character)."""
    return "" if depth == 0 else rf"(?:[{{\[]{_nested(depth - 1)}[}}\]])*"


def _record_shapes(marked: str) -> list[bytes]:
    """The brackets outside JSON strings of each marked record, by bulk byte operations (a regex
    over every string costs more than decoding the JSON). Escapes go first, left to right (`\\\\`
    before `\\"`, as JSON pairs them), so every '"' left delimits a string; then everything but
    brackets, quotes and marks; then the strings: empty ones by a plain replace (removing two
    adjacent quotes keeps the pairing of the rest), the few holding brackets by a regex."""
    skeleton = marked.encode()
    if b"\\" in skeleton:
        skeleton = skeleton.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = skeleton.translate(None, _NOT_STRUCTURE).replace(b'""', b"")
    return _QUOTED.sub(b"", skeleton).split(_MARK.encode())


def _delivery_layout_records(text: str) -> list[str] | None:
    """The JSON text of each record when `text` is in CloudTrail's delivery layout, else None.

    Each separator is marked with NUL, which valid JSON never holds unescaped; the brackets
    outside strings between two marks must then form exactly one object."""
    if not text.startswith(_DOCUMENT_HEAD):
        return None
    end_of_records = len(text.rstrip()) - 2
    if not text.endswith(_DOCUMENT_TAIL, 0, end_of_records + 2):
        return None
    body = text[len(_DOCUMENT_HEAD) : end_of_records]
    if _MARK in body:
        return None
    marked = body.replace(_RECORD_SEPARATOR, _MARKED_SEPARATOR)
    if not all(_ONE_OBJECT.fullmatch(shape) for shape in _record_shapes(marked)):
        return None
    return marked.split(_MARK)


def _scanned_record(record: str) -> CloudTrailRecord | Skip:
    head = _RECORD_HEAD.match(record)
    if head is not None:
        try:
            identity, identity_end = _DECODER.raw_decode(record, head.end())
        except json.JSONDecodeError:
            identity_end = -1
        fields = _AFTER_IDENTITY.match(record, identity_end) if identity_end > 0 else None
        if fields is not None:
            event_time, event_source, event_name, region, source_ip = fields.groups()
            return CloudTrailRecord(
                identity, source_ip, event_time, event_source, event_name, region, record
            )
    try:
        return _record_of(json.loads(record))
    except json.JSONDecodeError as error:
        raise BadObjectError(f"invalid JSON: {error}") from None


_ONE_OBJECT = re.compile(rf"\{{{_nested(MAX_SCANNED_DEPTH - 1)}\}}".encode())


def records_from_log_bytes(data: bytes) -> Iterator[CloudTrailRecord | Skip]:
    """Every record of one log object (gzip or plain). Raises BadObjectError for an unreadable
    object, possibly after yielding some records: callers keep an object's tuples only once it
    has been read to the end."""
    text = object_text(data)
    records = _delivery_layout_records(text)
    if records is None:
        yield from _decoded_records(text)
        return
    for record in records:
        yield _scanned_record(record)


def tuple_from_record(record: CloudTrailRecord | Skip) -> PrincipalIp | Skip:
    """Apply the principal rule, then the IP rule; the first that fails names the skip."""
    if isinstance(record, Skip):
        return record
    principal = principal_of(record.identity)
    if isinstance(principal, Skip):
        return principal
    address = literal_ip(record.source_ip)
    if isinstance(address, Skip):
        return address
    return PrincipalIp(principal, address.text, address.version)


def tuples_from_log_bytes(data: bytes) -> Iterator[PrincipalIp | Skip]:
    """One outcome per record of a log object: its tuple, or the reason it was skipped."""
    for record in records_from_log_bytes(data):
        yield tuple_from_record(record)
