"""GuardDuty findings to `<principal, ip>` scoring tuples and finding-index rows.

Findings arrive in three shapes: a JSON array of findings or a GetFindings response
(``{"Findings": [...]}`` with PascalCase keys as the SDKs return it, ``{"findings": [...]}`` in
camelCase as the REST API answers), GuardDuty's own S3 export (``.jsonl.gz``, one finding a line)
and EventBridge events whose ``detail`` is a finding (camelCase), one per object, one a line, or
concatenated with no separator as Kinesis Data Firehose archives them (``{...}{...}``). Keys are
normalised to camelCase so one extractor reads them all.

A finding yields tuples only when it has ``resource.accessKeyDetails`` (the principal) and an
action that names the caller's remote IP: ``AWS_API_CALL``, ``NETWORK_CONNECTION`` and every
detail of ``PORT_PROBE``. Other action types are counted by type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from secml_ingest.addresses import literal_ip
from secml_ingest.decoding import object_text
from secml_ingest.errors import BadObjectError
from secml_ingest.outcomes import (
    MALFORMED_FINDING,
    NO_ACCESS_KEY_DETAILS,
    NO_ACTION,
    NO_REMOTE_IP,
    NO_SOURCE_IP,
    PrincipalIp,
    Skip,
    unsupported_action,
)
from secml_ingest.principals import principal_of_access_key

INDEX_HEADER = ("finding_id", "type", "severity", "updated_at", "account", "region", "principal", "ip")
JSON_LINES_SUFFIXES = (".jsonl", ".jsonl.gz")
# The findings list of a GetFindings answer: SDKs (PascalCase) and the REST API (camelCase).
FINDINGS_KEYS = ("Findings", "findings")
_DECODER = json.JSONDecoder()
_ACTION_IP_FIELDS = {"AWS_API_CALL": "awsApiCallAction", "NETWORK_CONNECTION": "networkConnectionAction"}


def camel_keys(value: Any) -> Any:
    """The same JSON value with every object key starting lower-case (API PascalCase -> camelCase)."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: camel_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value


def _finding_of(item: Any) -> dict[str, Any] | Skip:
    if isinstance(item, dict) and isinstance(item.get("detail"), dict):
        item = item["detail"]  # EventBridge event
    finding = camel_keys(item)
    if not isinstance(finding, dict) or not finding.get("id"):
        return Skip(MALFORMED_FINDING)
    return finding


def _json_lines(text: str) -> Iterator[Any]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                raise BadObjectError(f"invalid JSON on line {number}: {error}") from None


def _concatenated_values(text: str) -> Iterator[Any]:
    """Each JSON value of a text holding several, separated by whitespace or by nothing at all
    (JSON lines, Firehose archives)."""
    position, end = 0, len(text)
    while True:
        while position < end and text[position].isspace():
            position += 1
        if position == end:
            return
        try:
            value, position = _DECODER.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise BadObjectError(f"invalid JSON: {error}") from None
        yield value


def _items(text: str) -> Iterator[Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if error.msg != "Extra data":
            raise BadObjectError(f"invalid JSON: {error}") from None
        yield from _concatenated_values(text)
        return
    if isinstance(document, dict):
        listed = next((document[key] for key in FINDINGS_KEYS if isinstance(document.get(key), list)), None)
        document = document if listed is None else listed
    if isinstance(document, list):
        yield from document
    elif isinstance(document, dict):
        yield document
    else:
        raise BadObjectError("unexpected shape: neither a finding, a list of them nor an event")


def findings_from_bytes(key: str, data: bytes) -> Iterator[dict[str, Any] | Skip]:
    """Every finding (camelCase keys) of one object in any of the three shapes. A `key` ending
    ``.jsonl`` or ``.jsonl.gz`` is read a line at a time (GuardDuty's export); other objects by
    their content. Raises BadObjectError for an unreadable object."""
    text = object_text(data)
    items = _json_lines(text) if key.endswith(JSON_LINES_SUFFIXES) else _items(text)
    for item in items:
        yield _finding_of(item)


def remote_ip_details(action: Mapping[str, Any]) -> list[Any] | Skip:
    """The ``remoteIpDetails`` of a finding's action (camelCase keys), one per caller address:
    one for an API call or a network connection, one per probe of a port probe; other action
    types name no caller's address. Entries are as stored (possibly missing or not objects)."""
    action_type = action.get("actionType") or ""
    if action_type in _ACTION_IP_FIELDS:
        return [(action.get(_ACTION_IP_FIELDS[action_type]) or {}).get("remoteIpDetails")]
    if action_type == "PORT_PROBE":
        probes = (action.get("portProbeAction") or {}).get("portProbeDetails") or []
        return [probe.get("remoteIpDetails") for probe in probes if isinstance(probe, dict)]
    return unsupported_action(action_type)


def remote_address(details: Any) -> Any:
    """The address one ``remoteIpDetails`` names (IPv4 first), or None."""
    return (details.get("ipAddressV4") or details.get("ipAddressV6")) if isinstance(details, dict) else None


def tuples_from_finding(finding: Mapping[str, Any]) -> list[PrincipalIp | Skip] | Skip:
    """One outcome per remote IP the finding names (its tuple, or why that IP gives none), or
    the reason the whole finding gives none."""
    resource = finding.get("resource") or {}
    details = resource.get("accessKeyDetails") if isinstance(resource, dict) else None
    if not details:
        return Skip(NO_ACCESS_KEY_DETAILS)
    principal = principal_of_access_key(details, finding.get("accountId"))
    if isinstance(principal, Skip):
        return principal
    action = (finding.get("service") or {}).get("action")
    if not isinstance(action, dict):
        return Skip(NO_ACTION)
    ip_details = remote_ip_details(action)
    if isinstance(ip_details, Skip):
        return ip_details
    if not ip_details:
        return Skip(NO_REMOTE_IP)
    outcomes: list[PrincipalIp | Skip] = []
    for remote in ip_details:
        address = literal_ip(remote_address(remote))
        if isinstance(address, Skip):
            outcomes.append(Skip(NO_REMOTE_IP) if address.reason == NO_SOURCE_IP else address)
        else:
            outcomes.append(PrincipalIp(principal, address.text, address.version))
    return outcomes


def index_row(finding: Mapping[str, Any], pair: PrincipalIp) -> tuple[str, ...]:
    """A finding-index row (columns of INDEX_HEADER) for one of the finding's tuples."""
    return (
        str(finding.get("id", "")),
        str(finding.get("type", "")),
        str(finding.get("severity", "")),
        str(finding.get("updatedAt", "")),
        str(finding.get("accountId", "")),
        str(finding.get("region", "")),
        pair.principal,
        pair.ip,
    )
