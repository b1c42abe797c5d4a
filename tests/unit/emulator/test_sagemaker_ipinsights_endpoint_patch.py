"""InvokeEndpoint of SageMaker's IP Insights image (patch sagemaker_ipinsights_endpoint): upstream
moto answers a fixed body whatever the model; the patched emulator answers as the container does,
with the model in the endpoint's ModelDataUrl, and leaves every other endpoint to moto."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from ipinsights_endpoint import IMAGE, model_tarball
from moto import mock_aws

from secml.core.target import Target
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.inference_formats import invoke
from secml.ipinsights.model import LocalModel
from secml.ipinsights.training import fit

REGION = "us-west-2"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
ROWS = b"alice,10.0.0.9\nbob,192.168.1.20\nmallory,10.0.0.9\n"


@pytest.fixture(scope="module")
def model() -> LocalModel:
    principals = ["alice"] * 40 + ["bob"] * 40
    ips = [f"10.0.{i}.1" for i in range(40)] + [f"192.168.{i}.7" for i in range(40)]
    return fit(principals, ips, Hyperparameters(num_entity_vectors=16, vector_dim=4, epochs=2), seed=1)


def serve(name: str, image: str, model_data: str) -> None:
    """An endpoint `name` (serverless, as the automation's) of a model with this image and data."""
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    container = {"Image": image, "ModelDataUrl": model_data}
    sagemaker.create_model(ModelName=name, PrimaryContainer=container, ExecutionRoleArn=ROLE)
    variant = {"VariantName": "AllTraffic", "ModelName": name,
               "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 5}}  # fmt: skip
    sagemaker.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)


def put_model(bucket: str, model: LocalModel) -> str:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=bucket, Key="job/output/model.tar.gz", Body=model_tarball(model))
    return f"s3://{bucket}/job/output/model.tar.gz"


def invoke_endpoint(name: str, accept: str = "application/json") -> dict[str, Any]:
    runtime = boto3.client("sagemaker-runtime", region_name=REGION)
    answer = runtime.invoke_endpoint(EndpointName=name, Body=ROWS, ContentType="text/csv", Accept=accept)
    return {"body": answer["Body"].read(), "type": answer["ContentType"]}


def test_upstream_answers_a_fixed_body_for_an_ipinsights_endpoint(model: LocalModel) -> None:
    with mock_aws():
        serve("ipinsights", IMAGE, put_model("upstream-models", model))
        assert invoke_endpoint("ipinsights")["body"] == b"body"


@pytest.mark.emulator
def test_patched_emulator_scores_as_the_ipinsights_container(emulator_env: Target, model: LocalModel) -> None:
    name = f"secml-ipinsights-test-{uuid.uuid4().hex[:8]}"
    serve(name, IMAGE, put_model(f"{name}-models", model))
    as_json = invoke_endpoint(name)
    assert as_json["type"] == "application/json"
    assert json.loads(as_json["body"]) == json.loads(invoke(model, ROWS, "text/csv", "application/json"))
    assert [p["dot_product"] for p in json.loads(as_json["body"])["predictions"]] == pytest.approx(
        model.score(["alice", "bob", "mallory"], ["10.0.0.9", "192.168.1.20", "10.0.0.9"]).dot_product.tolist()
    )
    as_lines = invoke_endpoint(name, "application/jsonlines")
    assert as_lines["body"] == invoke(model, ROWS, "text/csv", "application/jsonlines")


@pytest.mark.emulator
def test_patched_emulator_fails_as_a_container_that_cannot_load_its_model(emulator_env: Target) -> None:
    name = f"secml-ipinsights-test-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=name, Key="model.tar.gz", Body=b"MXNet parameters, not a local model")
    serve(name, IMAGE, f"s3://{name}/model.tar.gz")
    runtime = boto3.client("sagemaker-runtime", region_name=REGION)
    with pytest.raises(runtime.exceptions.ModelError, match="holds no local IP Insights model"):
        invoke_endpoint(name)


@pytest.mark.emulator
def test_patched_emulator_leaves_other_images_and_missing_model_data_to_moto(
    emulator_env: Target, model: LocalModel
) -> None:
    name = f"secml-ipinsights-test-{uuid.uuid4().hex[:8]}"
    serve(name, IMAGE.replace("ipinsights", "xgboost"), put_model(f"{name}-models", model))
    assert invoke_endpoint(name)["body"] == b"body"
    serve(f"{name}-untrained", IMAGE, f"s3://{name}-models/never-written/model.tar.gz")
    assert invoke_endpoint(f"{name}-untrained")["body"] == b"body"
