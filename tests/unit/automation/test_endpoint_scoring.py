"""Scoring through an IP Insights endpoint (secml_ingest.endpoint_scoring): the request, the two
answer formats, the principals list, and that every failure is ModelUnavailableError."""

from __future__ import annotations

import gzip
import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber

from secml_ingest.endpoint_scoring import (
    EndpointModel,
    dot_products,
    invoker,
    request_body,
    training_principals,
)
from secml_ingest.model_registry import ModelUnavailableError

PAIRS = [("AIDAPRINCIPAL0003", 0x0A06_0101), ("alice, the admin", 0xC633_6407)]


def test_the_request_is_ip_insights_csv_quoted_as_the_tuples_files() -> None:
    assert request_body(PAIRS) == b'AIDAPRINCIPAL0003,10.6.1.1\n"alice, the admin",198.51.100.7\n'


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"predictions": [{"dot_product": 1.5}, {"dot_product": -2.0}]}', "application/json"),
        (b'{"predictions": [{"dot_product": 1.5}, {"dot_product": -2.0}]}', "application/json; charset=utf-8"),
        (b'{"dot_product": 1.5}\n{"dot_product": -2.0}\n', "application/jsonlines"),
    ],
)
def test_both_answer_formats_give_the_dot_products_in_order(body: bytes, content_type: str) -> None:
    assert dot_products(body, content_type, 2) == [1.5, -2.0]


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b'{"predictions": [{"dot_product": 1.5}]}', "application/json", "1 predictions for 2 pairs"),
        (b'{"predictions": [{"dot_product": 1.5}, {"dot_product": null}]}', "application/json", "NoneType"),
        (b'{"predictions": [{"dot_product": 1.5}, {"dot_product": NaN}]}', "application/json", "not finite"),
        (b"body", "content_type", "an answer of type 'content_type'"),
        (b"not json", "application/json", "Expecting value"),
    ],
)
def test_an_answer_that_is_not_ip_insights_scores_is_refused(body: bytes, content_type: str, message: str) -> None:
    model = EndpointModel("m1", lambda _: (body, content_type), frozenset())
    with pytest.raises(ModelUnavailableError, match=f"model m1: the endpoint's answer is not IP Insights.*{message}"):
        model.scores(PAIRS)


def test_one_request_per_call_and_knows_from_the_principals_list() -> None:
    requests: list[bytes] = []

    def invoke(body: bytes) -> tuple[bytes, str]:
        requests.append(body)
        return b'{"dot_product": 0.25}\n{"dot_product": -0.75}\n', "application/jsonlines"

    principals = training_principals(gzip.compress(b"AIDAPRINCIPAL0003\nalice, the admin\n"), "list")
    model = EndpointModel("m1", invoke, principals)
    assert model.scores(PAIRS) == [0.25, -0.75]
    assert requests == [request_body(PAIRS)]
    assert model.knows("alice, the admin") and not model.knows("AIDANEVERSEEN")


def test_a_damaged_principals_list_is_model_unavailable() -> None:
    with pytest.raises(ModelUnavailableError, match=r"model m1: s3://b/p\.gz is not a gzip list of principals"):
        training_principals(b"plain text", "model m1: s3://b/p.gz")


def test_an_endpoint_that_refuses_is_model_unavailable_naming_it() -> None:
    runtime = boto3.client("sagemaker-runtime", region_name="us-east-1", aws_access_key_id="x",
                           aws_secret_access_key="x")  # fmt: skip
    with Stubber(runtime) as stub:
        stub.add_client_error(
            "invoke_endpoint",
            service_error_code="ValidationException",
            service_message="Endpoint secml-ipinsights-x-serverless of account 123456789012 not found.",
            http_status_code=400,
        )
        stub.add_response(
            "invoke_endpoint",
            {"Body": StreamingBody(io.BytesIO(b'{"predictions": []}'), 19), "ContentType": "application/json"},
        )
        invoke = invoker(runtime, "secml-ipinsights-x-serverless", "m1")
        with pytest.raises(ModelUnavailableError, match="model m1: endpoint secml-ipinsights-x-serverless did not"):
            invoke(b"AIDAPRINCIPAL0003,10.6.1.1\n")
        assert json.loads(invoke(b"")[0]) == {"predictions": []}
