"""CloudTrail log objects to `<principal, ip>` tuples.

A log object is gzip JSON ``{"Records": [...]}``. Decoding every record with `json` costs far more
than the two fields needed, so records in CloudTrail's own delivery layout (compact JSON, each
record starting ``{"eventVersion":"...","userIdentity":{...},"eventTime":...,"sourceIPAddress":``)
are read by a strict scanner that decodes only ``userIdentity`` and the head fields. The scanner
splits records at ``},{"eventVersion":"`` and accepts the splits only when the text between two of
them is exactly one object (brackets outside JSON strings nest and close at its end), so a record
nested in request parameters cannot pose as a top-level one. Records stay positions in the
object's text (no copy of each), and a principal is remembered by its userIdentity text, which
repeats in every call a principal makes. Any object or record not in that layout (other key
order, whitespace, escapes in head fields) is decoded with `json`, so both paths give the same
tuples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from secml_ingest.addresses import literal_ip
from secml_ingest.decoding import plain_bytes, utf8_text
from secml_ingest.errors import BadObjectError
from secml_ingest.outcomes import MALFORMED_RECORD, PrincipalIp, Skip
from secml_ingest.principals import principal_of

_DOCUMENT_HEAD = '{"Records":['
_DOCUMENT_TAIL = "}]}"
_RECORD_SEPARATOR = '},{"eventVersion":"'
_RECORD_SEPARATOR_BYTES = _RECORD_SEPARATOR.encode()
_MARK_BYTE = b"\x00"
_MARKED_SEPARATOR_BYTES = _RECORD_SEPARATOR_BYTES.replace(b",", _MARK_BYTE, 1)
_RECORD_HEAD = re.compile(r'\{"eventVersion":"[^"\\]*","userIdentity":')
_EVENT_TIME_KEY = ',"eventTime":"'
_AFTER_IDENTITY = re.compile(
    r',"eventTime":"([^"\\]*)","eventSource":"([^"\\]*)","eventName":"([^"\\]*)"'
    r',"awsRegion":"([^"\\]*)","sourceIPAddress":"([^"\\]*)"'
)
_SOURCE_IP_GROUP = 5
_DECODER = json.JSONDecoder()
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'{}[]"\x00')
_QUOTED = re.compile(rb'"[^"]*"')
_SKELETON_HEAD = b"{[{"  # of '{"Records":[{', the first record's brace included
_SKELETON_TAIL = b"}]}"
_MARKED_BRACES = b"}" + _MARK_BYTE + b"{"
_RECORD_BOUNDARY = b">" + _MARK_BYTE + b"<"
_BRACKETS_AS_BRACES = bytes.maketrans(b"[]", b"{}")
# Records nested deeper than this may be read by `json` (the whole object falls back).
MAX_SCANNED_DEPTH = 32
# Distinct userIdentity texts whose principal is remembered (about 1 KiB each).
IDENTITY_CACHE_SIZE = 4096


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


def _records_are_objects(plain: bytes) -> bool:
    """Whether the brackets outside JSON strings between two separators form exactly one object
    each, by bulk byte operations (a regex over every string costs more than decoding the JSON).

    Separators are marked with NUL, which valid JSON never holds unescaped. Escapes go first, left
    to right (`\\\\` before `\\"`, as JSON pairs them), so every '"' left delimits a string; then
    everything but brackets, quotes and marks; then the strings: empty ones by a plain replace
    (removing two adjacent quotes keeps the pairing of the rest), the few holding brackets by a
    regex. What is left is `{[`, the records' brackets with marks between them, and `]}`. Each
    record's own braces become `<` and `>` and square brackets become braces (this checks nesting,
    not JSON validity); removing adjacent `{}` until none are left leaves only the boundaries
    `>|<` when every record is exactly one object."""
    skeleton = plain.replace(_RECORD_SEPARATOR_BYTES, _MARKED_SEPARATOR_BYTES)
    if b"\\" in skeleton:
        skeleton = skeleton.replace(b"\\\\", b"").replace(b'\\"', b"")
    skeleton = _QUOTED.sub(b"", skeleton.translate(None, _NOT_STRUCTURE).replace(b'""', b""))
    if not skeleton.startswith(_SKELETON_HEAD) or not skeleton.endswith(_SKELETON_TAIL):
        return False
    records = skeleton[len(_SKELETON_HEAD) : -len(_SKELETON_TAIL)]
    records = records.replace(_MARKED_BRACES, _RECORD_BOUNDARY).translate(_BRACKETS_AS_BRACES)
    for _ in range(MAX_SCANNED_DEPTH):
        reduced = records.replace(b"{}", b"")
        if reduced == records:
            break
        records = reduced
    return records == _RECORD_BOUNDARY * records.count(_MARK_BYTE)


def _delivery_layout_spans(plain: bytes, text: str) -> Iterator[tuple[int, int]] | None:
    """Where each record's JSON text lies in `text` (the UTF-8 decoding of `plain`) when it is in
    CloudTrail's delivery layout, else None. The brackets outside strings between two separators
    must form exactly one object, so a separator nested in a record cannot split it."""
    if not text.startswith(_DOCUMENT_HEAD):
        return None
    end_of_records = len(text.rstrip()) - 2
    if not text.endswith(_DOCUMENT_TAIL, 0, end_of_records + 2) or _MARK_BYTE in plain:
        return None
    if not _records_are_objects(plain):
        return None
    return _record_spans(text, len(_DOCUMENT_HEAD), end_of_records)


def _record_spans(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each record between `start` and `end`, split at every separator."""
    while (separator := text.find(_RECORD_SEPARATOR, start, end)) >= 0:
        yield start, separator + 1
        start = separator + 2
    yield start, end


def _scanned_record(text: str, start: int, end: int) -> CloudTrailRecord | Skip:
    """The record in text[start:end]: its head fields by regex and its userIdentity by `json`
    when it has CloudTrail's key order, else the whole record by `json`."""
    head = _RECORD_HEAD.match(text, start, end)
    if head is not None:
        try:
            identity, identity_end = _DECODER.raw_decode(text, head.end())
        except json.JSONDecodeError:
            identity_end = -1
        fields = _AFTER_IDENTITY.match(text, identity_end, end) if identity_end > 0 else None
        if fields is not None:
            event_time, event_source, event_name, region, source_ip = fields.groups()
            return CloudTrailRecord(identity, source_ip, event_time, event_source, event_name, region, text[start:end])
    try:
        return _record_of(json.loads(text[start:end]))
    except json.JSONDecodeError as error:
        raise BadObjectError(f"invalid JSON: {error}") from None


def _tuple_of(principal: str | Skip, source_ip: Any) -> PrincipalIp | Skip:
    if isinstance(principal, Skip):
        return principal
    address = literal_ip(source_ip)
    if isinstance(address, Skip):
        return address
    return PrincipalIp(principal, address.text, address.version)


def tuple_from_record(record: CloudTrailRecord | Skip) -> PrincipalIp | Skip:
    """Apply the principal rule, then the IP rule; the first that fails names the skip."""
    if isinstance(record, Skip):
        return record
    return _tuple_of(principal_of(record.identity), record.source_ip)


@lru_cache(maxsize=IDENTITY_CACHE_SIZE)  # a principal's identity repeats in every call it makes
def _principal_of_identity_json(identity_json: str) -> str | Skip | None:
    """The principal of a userIdentity's JSON text, or None when the text is not exactly one JSON
    value (the caller then reads the record as `_scanned_record` does)."""
    try:
        identity, identity_end = _DECODER.raw_decode(identity_json)
    except json.JSONDecodeError:
        return None
    return principal_of(identity) if identity_end == len(identity_json) else None


def _scanned_tuple(text: str, start: int, end: int) -> PrincipalIp | Skip:
    """What `tuple_from_record(_scanned_record(text, start, end))` gives, for less work: when the
    text between the userIdentity key and the record's first `,"eventTime":"` is exactly one JSON
    value, it is the userIdentity (a JSON value ends at one place), so its principal is looked up
    by that text; anything else takes `_scanned_record`."""
    head = _RECORD_HEAD.match(text, start, end)
    if head is not None:
        identity_end = text.find(_EVENT_TIME_KEY, head.end(), end)
        fields = _AFTER_IDENTITY.match(text, identity_end, end) if identity_end > 0 else None
        if fields is not None:
            principal = _principal_of_identity_json(text[head.end() : identity_end])
            if principal is not None:
                return _tuple_of(principal, fields.group(_SOURCE_IP_GROUP))
    return tuple_from_record(_scanned_record(text, start, end))


def records_from_log_bytes(data: bytes) -> Iterator[CloudTrailRecord | Skip]:
    """Every record of one log object (gzip or plain). Raises BadObjectError for an unreadable
    object, possibly after yielding some records: callers keep an object's tuples only once it
    has been read to the end."""
    plain = plain_bytes(data)
    text = utf8_text(plain)
    spans = _delivery_layout_spans(plain, text)
    if spans is None:
        yield from _decoded_records(text)
        return
    for start, end in spans:
        yield _scanned_record(text, start, end)


def tuples_from_log_bytes(data: bytes) -> Iterator[PrincipalIp | Skip]:
    """One outcome per record of a log object: its tuple, or the reason it was skipped."""
    plain = plain_bytes(data)
    text = utf8_text(plain)
    spans = _delivery_layout_spans(plain, text)
    if spans is None:
        for record in _decoded_records(text):
            yield tuple_from_record(record)
        return
    for start, end in spans:
        yield _scanned_tuple(text, start, end)
