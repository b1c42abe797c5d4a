"""Scoring through a SageMaker endpoint of the built-in IP Insights algorithm: how a
SageMaker-trained model is served (registry format sagemaker-endpoint/1).

One InvokeEndpoint per finding carries all its scorable pairs as text/csv `entity,ip` rows (IP
Insights' request format, quoted as the tuples files are); the answer, application/json
{"predictions": [{"dot_product": x}, ...]} or application/jsonlines, gives their dot products in
order. The endpoint scores any entity string (an unseen one falls in a hash slot shared with
others) and does not say whether it was trained on it, so the training principals
(principals.txt.gz: gzip text, one a line, written by the sagemaker backend) tell seen from unseen,
as the scoring artefact's principal rows do for a local model.

Whatever goes wrong with the endpoint (missing, not in service, failing, an answer that is not
IP Insights scores) raises ModelUnavailableError: the scorer logs it and the event goes to the
dead-letter queue, never a silent score.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
import math
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from secml_ingest.model_registry import ModelUnavailableError
from secml_ingest.tuples_csv import csv_text

CSV = "text/csv"
JSON = "application/json"
JSON_LINES = ("application/jsonlines", "application/x-jsonlines")

# request body -> (answer body, answer content type)
Invoke = Callable[[bytes], tuple[bytes, str]]


def request_body(pairs: Sequence[tuple[str, int]]) -> bytes:
    """The text/csv request for (principal, IPv4 address as an int) pairs."""
    return csv_text((principal, str(ipaddress.IPv4Address(address))) for principal, address in pairs).encode()


def dot_products(body: bytes, content_type: str, expected: int) -> list[float]:
    """The dot products of an answer, in order; ValueError (or KeyError, TypeError) unless it
    holds exactly `expected` finite ones."""
    kind = content_type.split(";", 1)[0].strip().lower()
    text = body.decode("utf-8")
    if kind == JSON:
        predictions = json.loads(text)["predictions"]
    elif kind in JSON_LINES:
        predictions = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        raise ValueError(f"an answer of type {content_type!r}, not {JSON} or {JSON_LINES[0]}")
    if len(predictions) != expected:
        raise ValueError(f"{len(predictions)} predictions for {expected} pairs")
    values = [float(prediction["dot_product"]) for prediction in predictions]
    if not all(math.isfinite(value) for value in values):
        raise ValueError("a dot product that is not finite")
    return values


def training_principals(data: bytes, where: str) -> frozenset[str]:
    """The principals list (gzip text, one a line) as a set; ModelUnavailableError if damaged."""
    try:
        return frozenset(line for line in gzip.decompress(data).decode("utf-8").splitlines() if line)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as error:
        raise ModelUnavailableError(f"{where} is not a gzip list of principals: {error}") from None


def invoker(runtime_client: Any, endpoint: str, model_id: str) -> Invoke:
    """InvokeEndpoint of `endpoint` through a sagemaker-runtime client, asking for JSON; any
    refusal or failure is ModelUnavailableError."""

    def invoke(body: bytes) -> tuple[bytes, str]:
        try:
            answer = runtime_client.invoke_endpoint(EndpointName=endpoint, Body=body, ContentType=CSV, Accept=JSON)
            return answer["Body"].read(), str(answer.get("ContentType", JSON))
        except (ClientError, BotoCoreError) as error:
            raise ModelUnavailableError(f"model {model_id}: endpoint {endpoint} did not score: {error}") from None

    return invoke


class EndpointModel:
    """A model served by an endpoint (secml_ingest.verdicts.Scorer): one request per call."""

    def __init__(self, model_id: str, invoke: Invoke, principals: frozenset[str]) -> None:
        self.model_id = model_id
        self.invoke = invoke
        self.principals = principals

    def knows(self, principal: str) -> bool:
        return principal in self.principals

    def scores(self, pairs: Sequence[tuple[str, int]]) -> list[float]:
        body, content_type = self.invoke(request_body(pairs))
        try:
            return dot_products(body, content_type, len(pairs))
        except (ValueError, KeyError, TypeError) as error:
            raise ModelUnavailableError(
                f"model {self.model_id}: the endpoint's answer is not IP Insights scores: {error}"
            ) from None
