"""One score for the same model and pair whichever way it is served: the same local-engine model
promoted as a local model (the scoring artefact) and as a SageMaker-trained one (a serverless
endpoint of the IP Insights image, which the emulator plays with the model packed in its
model.tar.gz), scored by the scorer Lambda's handler against the emulator. And the endpoint's
lifecycle: the serverless config promotion asks for, a refused candidate's endpoint withdrawn, a
replaced one deleted after the pointer moved, and `secml cleanup` (`make down`) deleting it."""

from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from sagemaker_recorder import SageMakerRecorder, make_bucket, make_execution_role
from scoring_fixtures import finding, put_sagemaker_model, put_trained_model, trained

from secml.automation.promotion import promote_trained_model
from secml.automation.registry import read_registry, registry_location
from secml.core.target import Target
from secml.ipinsights import cleanup
from secml.ipinsights.model import LocalModel
from secml.ipinsights.sagemaker_jobs import MANAGED_TAGS, delete_endpoint
from secml_ingest.model_registry import ModelUnavailableError

pytestmark = pytest.mark.emulator

# Principal 3 uses 10.6.x.y and 172.7.x.y (scoring_fixtures.planted_pairs).
FINDINGS = [
    finding("AIDAPRINCIPAL0003", ["10.6.1.1", "198.51.100.7", "172.7.20.3", "2001:db8::5"], "a" * 32),
    finding("AIDAPRINCIPAL0005", ["10.10.4.4"], "b" * 32),
    finding("AIDANEVERSEEN", ["10.6.1.1"], "c" * 32),
]


@pytest.fixture(scope="module")
def model() -> LocalModel:
    return trained(0)


@pytest.fixture
def stack(emulator_env: Target, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A tuples bucket and topic, and the scorer handler with clients of the emulator."""
    finding_scorer = importlib.import_module("finding_scorer")
    bucket = f"secml-test-{uuid.uuid4().hex[:12]}"
    make_bucket(bucket, emulator_env.region)
    topic = boto3.client("sns").create_topic(Name=bucket)["TopicArn"]
    for name, service in (("s3_client", "s3"), ("sns_client", "sns"), ("runtime_client", "sagemaker-runtime")):
        monkeypatch.setattr(finding_scorer, name, boto3.client(service))
    monkeypatch.setattr(finding_scorer, "_loaded", {})
    monkeypatch.setenv("TUPLES_BUCKET", bucket)
    monkeypatch.setenv("TOPIC_ARN", topic)
    yield {"bucket": bucket, "handler": finding_scorer.handler, "role": make_execution_role(bucket)}


def scored(stack: dict[str, Any], event_prefix: str) -> list[list[dict[str, Any]]]:
    """Each finding's per-IP verdicts from the handler (its live-score lines)."""
    results = []
    for index, detail in enumerate(FINDINGS):
        event = {"id": f"{event_prefix}-{index}", "time": "2026-01-01T00:00:00Z", "detail": detail}
        stack["handler"](event, None)
    s3 = boto3.client("s3")
    for index, detail in enumerate(FINDINGS):
        listed = s3.list_objects_v2(Bucket=stack["bucket"], Prefix="scores/live/")["Contents"]
        (key,) = [o["Key"] for o in listed if o["Key"].endswith(f"{detail['id']}.{event_prefix}-{index}.jsonl")]
        body = s3.get_object(Bucket=stack["bucket"], Key=key)["Body"].read().decode()
        results.append([json.loads(line) for line in body.splitlines()])
    return results


def promote(stack: dict[str, Any], candidate: Any, session: boto3.Session | None = None) -> Any:
    bucket = stack["bucket"]
    return promote_trained_model(f"s3://{bucket}/models", registry_location(bucket), candidate, boto_session=session)


def test_the_same_model_scores_the_same_from_its_artefact_and_from_its_endpoint(
    stack: dict[str, Any], model: LocalModel, tmp_path: Path
) -> None:
    bucket = stack["bucket"]
    assert promote(stack, put_trained_model(tmp_path, bucket, "m-local", 0.9, model)).promoted
    from_artefact = scored(stack, "artefact")

    recorder = SageMakerRecorder()
    candidate = put_sagemaker_model(bucket, "m-sagemaker", 0.9, model, stack["role"])
    assert promote(stack, candidate, recorder.session).promoted
    current = read_registry(registry_location(bucket))["current"]
    endpoint = "secml-ipinsights-m-sagemaker-serverless"
    assert (current["format"], current["endpoint"]) == ("sagemaker-endpoint/1", endpoint)
    assert current["principals"] == f"s3://{bucket}/models/m-sagemaker/principals.txt.gz"
    assert recorder.calls("CreateEndpointConfig") == [
        {
            "EndpointConfigName": endpoint,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": endpoint,
                    "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5},
                }
            ],
            "Tags": MANAGED_TAGS,
        }
    ]
    from_endpoint = scored(stack, "endpoint")

    assert [[line["verdict"] for line in lines] for lines in from_endpoint] == [
        [line["verdict"] for line in lines] for lines in from_artefact
    ]
    assert [line["verdict"] for line in from_artefact[0]] == ["usual", "unusual", "usual", "ipv6_not_scored"]
    assert from_artefact[2][0]["verdict"] == "unseen_principal"
    assert from_endpoint[0][0]["threshold"] == pytest.approx(from_artefact[0][0]["threshold"])
    for artefact_lines, endpoint_lines in zip(from_artefact, from_endpoint, strict=True):
        for by_artefact, by_endpoint in zip(artefact_lines, endpoint_lines, strict=True):
            expected = by_artefact.get("score")
            assert by_endpoint["ip"] == by_artefact["ip"]
            assert by_endpoint.get("score") == (None if expected is None else pytest.approx(expected, rel=1e-5))
            assert by_endpoint["model_id"] == "m-sagemaker" and by_artefact["model_id"] == "m-local"


def test_a_refused_endpoint_is_withdrawn_a_replaced_one_deleted_after_the_pointer_moved(
    stack: dict[str, Any], model: LocalModel, tmp_path: Path
) -> None:
    bucket, sagemaker = stack["bucket"], boto3.client("sagemaker")
    assert promote(stack, put_sagemaker_model(bucket, "m-good", 0.9, model, stack["role"])).promoted
    good = "secml-ipinsights-m-good-serverless"
    assert sagemaker.describe_endpoint(EndpointName=good)["EndpointStatus"] == "InService"

    refused = promote(stack, put_sagemaker_model(bucket, "m-worse", 0.5, model, stack["role"]))
    assert not refused.promoted
    endpoints = [e["EndpointName"] for e in sagemaker.list_endpoints(NameContains="secml-ipinsights-m-")["Endpoints"]]
    assert good in endpoints and "secml-ipinsights-m-worse-serverless" not in endpoints
    assert not boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="models/m-worse/").get("Contents")

    assert promote(stack, put_trained_model(tmp_path, bucket, "m-local", 0.95, model)).promoted
    assert good not in [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]]
    assert good not in [c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]]
    assert stack["handler"]({"id": "e", "time": "", "detail": FINDINGS[0]}, None)["model_id"] == "m-local"


def test_cleanup_deletes_the_automation_endpoint(
    stack: dict[str, Any], model: LocalModel, emulator_env: Target
) -> None:
    assert promote(stack, put_sagemaker_model(stack["bucket"], "m-kept", 0.9, model, stack["role"])).promoted
    name = "secml-ipinsights-m-kept-serverless"
    deleted = cleanup.delete_hosted_resources(emulator_env)
    assert {f"endpoint/{name}", f"endpoint-config/{name}", f"model/{name}"} <= set(deleted)
    assert boto3.client("sagemaker").list_endpoints(NameContains=name)["Endpoints"] == []


def test_a_missing_endpoint_is_one_clear_line_and_a_dead_letter_not_a_score(
    stack: dict[str, Any], model: LocalModel, capsys: pytest.CaptureFixture[str]
) -> None:
    """On AWS InvokeEndpoint refuses an endpoint that does not exist; the emulator answers moto's
    fixed body for it: either way the scorer raises (the event goes to the dead-letter queue)."""
    assert promote(stack, put_sagemaker_model(stack["bucket"], "m-gone", 0.9, model, stack["role"])).promoted
    delete_endpoint(boto3.Session(), "secml-ipinsights-m-gone-serverless")
    with pytest.raises(ModelUnavailableError, match="model m-gone: the endpoint's answer is not IP Insights"):
        stack["handler"]({"id": "e", "time": "", "detail": FINDINGS[0]}, None)
    assert capsys.readouterr().out.startswith("secml scorer: not scored: model m-gone: ")
