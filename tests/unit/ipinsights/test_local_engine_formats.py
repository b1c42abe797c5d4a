"""inference_formats.invoke speaks SageMaker's IP Insights inference formats."""

from __future__ import annotations

import json

import numpy as np
import pytest

from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.inference_formats import InferenceFormatError, invoke
from secml.ipinsights.model import LocalModel
from secml.ipinsights.training import fit

DIM = 8


@pytest.fixture(scope="module")
def model() -> LocalModel:
    principals = ["entity_id_1", "entity_id_2"] * 20
    ips = ["192.168.1.2", "10.10.1.2"] * 20
    settings = Hyperparameters(num_entity_vectors=16, vector_dim=DIM, epochs=2, mini_batch_size=8)
    return fit(principals, ips, settings)


def expected(model: LocalModel) -> list[float]:
    return model.score(["entity_id_1", "entity_id_2"], ["192.168.1.2", "10.10.1.2"]).dot_product.tolist()


def test_csv_in_json_out(model: LocalModel) -> None:
    body = b"entity_id_1, 192.168.1.2\nentity_id_2, 10.10.1.2\n"
    answer = json.loads(invoke(model, body, "text/csv", "application/json"))
    assert [p["dot_product"] for p in answer["predictions"]] == pytest.approx(expected(model))
    assert [p["seen_principal"] for p in answer["predictions"]] == [True, True]
    assert set(answer["predictions"][0]) == {"dot_product", "seen_principal"}


def test_csv_reads_quoted_principals_as_the_tuples_files_write_them(model: LocalModel) -> None:
    """Ingest writes a principal containing a comma quoted (csv module): invoke must read it whole."""
    body = b'"team,ops",192.168.1.2\r\n"say ""hi""", 10.10.1.2\n\n"a,b,c"\n'
    predictions = json.loads(invoke(model, body, "text/csv", "application/json"))["predictions"]
    assert len(predictions) == 3
    assert [p["seen_principal"] for p in predictions[:2]] == [False, False]
    assert predictions[0]["dot_product"] == pytest.approx(
        float(model.score(["team,ops"], ["192.168.1.2"]).dot_product[0])
    )
    assert predictions[1]["dot_product"] == pytest.approx(
        float(model.score(['say "hi"'], ["10.10.1.2"]).dot_product[0])
    )
    assert predictions[2]["error"] == "expected 2 columns (entity, ip), got 1"


def test_json_instances_in_both_documented_shapes(model: LocalModel) -> None:
    body = json.dumps(
        {
            "instances": [
                {"data": {"features": {"values": ["entity_id_1", "192.168.1.2"]}}},
                {"features": ["entity_id_2", "10.10.1.2"]},
            ]
        }
    ).encode()
    answer = json.loads(invoke(model, body, "application/json", "application/json"))
    assert [p["dot_product"] for p in answer["predictions"]] == pytest.approx(expected(model))


def test_jsonlines_in_and_out(model: LocalModel) -> None:
    body = (
        b'{"data": {"features": {"values": ["entity_id_1", "192.168.1.2"]}}}\n'
        b'{"features": ["entity_id_2", "10.10.1.2"]}\n'
    )
    lines = invoke(model, body, "application/jsonlines", "application/jsonlines").decode().splitlines()
    assert [json.loads(line)["dot_product"] for line in lines] == pytest.approx(expected(model))


@pytest.mark.parametrize("accept, flag", [("application/json; verbose=True", False), ("application/json", True)])
def test_verbose_adds_both_embeddings(model: LocalModel, accept: str, flag: bool) -> None:
    answer = json.loads(invoke(model, b"entity_id_1,192.168.1.2", "text/csv", accept, verbose=flag))
    prediction = answer["predictions"][0]
    assert len(prediction["entity_embedding"]) == len(prediction["ip_embedding"]) == DIM
    assert prediction["dot_product"] == pytest.approx(
        float(np.dot(prediction["entity_embedding"], prediction["ip_embedding"])), rel=1e-4
    )


def test_verbose_jsonlines(model: LocalModel) -> None:
    line = invoke(model, b"entity_id_1,192.168.1.2", "text/csv", "application/jsonlines;verbose=True").decode()
    assert set(json.loads(line)) == {"dot_product", "seen_principal", "entity_embedding", "ip_embedding"}


def test_bad_rows_answer_an_error_each_and_good_rows_still_score(model: LocalModel) -> None:
    body = b"entity_id_1,2001:db8::1\nonly-one-column\nnobody,10.10.1.2\nentity_id_1,192.168.1.2\n"
    predictions = json.loads(invoke(model, body, "text/csv", "application/json"))["predictions"]
    assert predictions[0]["dot_product"] is None and "IPv6" in predictions[0]["error"]
    assert predictions[1]["dot_product"] is None and "2 columns" in predictions[1]["error"]
    assert predictions[2]["seen_principal"] is False and predictions[2]["dot_product"] is not None
    assert predictions[3]["dot_product"] == pytest.approx(expected(model)[0])
    instances = json.dumps({"instances": [{"features": ["only-one"]}]}).encode()
    assert "error" in json.loads(invoke(model, instances, "application/json"))["predictions"][0]


def test_unsupported_formats_are_refused_clearly(model: LocalModel) -> None:
    with pytest.raises(InferenceFormatError, match="content type"):
        invoke(model, b"x", "application/x-recordio-protobuf")
    with pytest.raises(InferenceFormatError, match="accept"):
        invoke(model, b"entity_id_1,192.168.1.2", "text/csv", "text/csv")
    with pytest.raises(InferenceFormatError, match="instances"):
        invoke(model, b'{"rows": []}', "application/json")
