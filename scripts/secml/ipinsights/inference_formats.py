"""SageMaker's IP Insights inference formats for a local model: the request and answer bodies an
endpoint takes and gives, so code written against `invoke_endpoint` runs unchanged locally.

Requests: text/csv (`entity,ip` rows, quoted the way the csv module and the ingest Lambdas write
them), application/json ({"instances": [...]}) or application/jsonlines. Answers: application/json
({"predictions": [...]}) or application/jsonlines.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from secml.core.errors import InputError
from secml.ipinsights.addresses import parse_ipv4
from secml.ipinsights.entities import hash_slots
from secml.ipinsights.model import LocalModel, ScoredBatch

JSON = "application/json"
JSON_LINES = ("application/jsonlines", "application/x-jsonlines")
CSV = "text/csv"


class InferenceFormatError(InputError):
    """A request or accept type outside SageMaker's IP Insights inference formats."""


def invoke(model: LocalModel, body: bytes, content_type: str, accept: str = JSON, verbose: bool = False) -> bytes:
    """Answer an inference request the way SageMaker's IP Insights endpoint does.

    `verbose=True` (or an accept parameter verbose=True, as on SageMaker) adds entity_embedding and
    ip_embedding. Each prediction also carries seen_principal, and a row that cannot be scored
    carries dot_product null and error.
    """
    request_type, _ = media_type(content_type)
    answer_type, parameters = media_type(accept)
    verbose = verbose or parameters.get("verbose", "").lower() == "true"
    if answer_type != JSON and answer_type not in JSON_LINES:
        raise InferenceFormatError(f"unsupported accept {accept!r}: use application/json or application/jsonlines")
    rows = read_request(body.decode("utf-8"), request_type)
    pairs = [row for row in rows if isinstance(row, tuple)]
    scored = model.score([p for p, _ in pairs], [ip for _, ip in pairs])
    predictions = []
    scored_index = 0
    for row in rows:
        if isinstance(row, str):
            predictions.append({"dot_product": None, "seen_principal": False, "error": row})
            continue
        predictions.append(_prediction(model, scored, scored_index, row, verbose))
        scored_index += 1
    if answer_type == JSON:
        return json.dumps({"predictions": predictions}).encode("utf-8")
    return "".join(json.dumps(prediction) + "\n" for prediction in predictions).encode("utf-8")


def _prediction(
    model: LocalModel, scored: ScoredBatch, index: int, pair: tuple[str, str], verbose: bool
) -> dict[str, Any]:
    error = scored.errors[index]
    seen = bool(scored.seen_principal[index])
    if error is not None:
        return {"dot_product": None, "seen_principal": seen, "error": error}
    prediction: dict[str, Any] = {"dot_product": float(scored.dot_product[index]), "seen_principal": seen}
    if verbose:
        slot = hash_slots([pair[0]], model.hyperparameters.num_entity_vectors)[0]
        address = parse_ipv4([pair[1]]).values
        prediction["entity_embedding"] = model.entity_table[slot].tolist()
        prediction["ip_embedding"] = model.encode_addresses(address)[0].tolist()
    return prediction


def media_type(header: str) -> tuple[str, dict[str, str]]:
    """'application/json; verbose=True' -> ('application/json', {'verbose': 'True'})."""
    kind, *parameters = [part.strip() for part in header.split(";")]
    pairs = dict(part.split("=", 1) for part in parameters if "=" in part)
    return kind.lower(), {name.strip().lower(): value.strip() for name, value in pairs.items()}


def read_request(text: str, content_type: str) -> list[tuple[str, str] | str]:
    """Each request row as (entity, ip), or as an error message where the row has no such pair."""
    if content_type == CSV:
        return _csv_pairs(text)
    if content_type == JSON:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise InferenceFormatError(f"request is not JSON: {error}") from error
        if not isinstance(document, dict) or not isinstance(document.get("instances"), list):
            raise InferenceFormatError('application/json requests need {"instances": [...]}')
        return [_instance_pair(instance) for instance in document["instances"]]
    if content_type in JSON_LINES:
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


def _csv_pairs(text: str) -> list[tuple[str, str] | str]:
    """CSV rows as the tuples files hold them (tuples_io reads them the same way): a quoted principal
    may contain commas; blank lines are not rows; spaces around a field are dropped, as SageMaker does."""
    rows: list[tuple[str, str] | str] = []
    try:
        for columns in csv.reader(io.StringIO(text, newline="")):
            if not any(column.strip() for column in columns):
                continue
            if len(columns) != 2:
                rows.append(f"expected 2 columns (entity, ip), got {len(columns)}")
                continue
            rows.append((columns[0].strip(), columns[1].strip()))
    except csv.Error as error:
        raise InferenceFormatError(f"request is not CSV: {error}") from error
    return rows


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
