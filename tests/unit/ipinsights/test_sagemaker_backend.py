"""The SageMaker backend against the emulator: the exact requests it sends for training, batch
transform, endpoints and clean-up, and what it writes beside the model."""

from __future__ import annotations

import argparse
import gzip
import json
import os
import uuid
from typing import Any

import boto3
import pytest
from sagemaker_recorder import (
    SageMakerRecorder,
    make_bucket,
    make_execution_role,
)

from secml.core.errors import InputError, ServiceError
from secml.core.target import Target
from secml.emulator.patches.sagemaker_ipinsights_endpoint import local_model
from secml.ipinsights import api, cleanup, sagemaker_backend, sagemaker_jobs, tuples_io
from secml.ipinsights.hyperparameters import Hyperparameters

pytestmark = pytest.mark.emulator

IMAGE = "174872318107.dkr.ecr.us-west-2.amazonaws.com/ipinsights:1"  # SageMaker's us-west-2 image
TAGS = [{"Key": "secml:managed", "Value": "true"}]
HYPERPARAMETERS = Hyperparameters(num_entity_vectors=200, vector_dim=16, epochs=3, random_negative_sampling_rate=5)
TRAIN_LINES = "alice,10.0.0.1\nalice,10.0.0.2\nbob,192.168.1.7\n"
SCORE_LINES = "alice,10.0.0.9\nmallory,10.0.0.9\nbob,2001:db8::1\nbob,300.1.1.1\nbob,192.168.1.20\n"


def _s3_text(uri: str) -> bytes:
    bucket, key = uri[len("s3://") :].split("/", 1)
    return bytes(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read())


def _trained_scores(model: str, lines: list[str]) -> list[tuple[str, str, float, str]]:
    """Score lines `principal,ip,score,seen,...` as (principal, ip, score, seen), and the same rows
    with the score the job's model gives (the emulator trains IP Insights jobs with the local
    engine and its endpoints serve that model: patches sagemaker_ipinsights_training, _endpoint)."""
    manifest = json.loads(_s3_text(model + api.MANIFEST))
    trained = local_model(manifest["model_data"], _s3_text(manifest["model_data"]))
    rows = [line.split(",") for line in lines]
    expected = trained.score([r[0] for r in rows], [r[1] for r in rows]).dot_product.tolist()
    return [(r[0], r[1], pytest.approx(e, rel=1e-6), r[3]) for r, e in zip(rows, expected, strict=True)]


def _as_scored(lines: list[str]) -> list[tuple[str, str, float, str]]:
    return [(r[0], r[1], float(r[2]), r[3]) for r in (line.split(",") for line in lines)]


def _model_names() -> list[str]:
    """Every model in the emulator (its ListModels ignores NameContains)."""
    pages = boto3.client("sagemaker").get_paginator("list_models").paginate()
    return [model["ModelName"] for page in pages for model in page["Models"]]


def _put(uri: str, text: str) -> None:
    bucket, key = uri[len("s3://") :].split("/", 1)
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=text.encode())


@pytest.fixture
def bucket(emulator_env: Target) -> str:
    name = f"secml-test-{uuid.uuid4().hex[:12]}"
    make_bucket(name, emulator_env.region)
    _put(f"s3://{name}/train/cloudtrail_tuples.csv", TRAIN_LINES)
    _put(f"s3://{name}/validation/held_out.csv", "alice,10.0.0.3\n")
    _put(f"s3://{name}/infer/guardduty_tuples.csv", SCORE_LINES)
    return name


@pytest.fixture
def role(emulator_env: Target) -> str:
    return make_execution_role(f"secml-test-{uuid.uuid4().hex[:12]}")


@pytest.fixture
def trained(bucket: str, role: str) -> tuple[SageMakerRecorder, str]:
    recorder = SageMakerRecorder()
    api.train(
        "sagemaker",
        train=f"s3://{bucket}/train/cloudtrail_tuples.csv",
        validation=f"s3://{bucket}/validation/held_out.csv",
        model=f"s3://{bucket}/model/",
        hyperparameters=HYPERPARAMETERS,
        role_arn=role,
        boto_session=recorder.session,
    )
    return recorder, f"s3://{bucket}/model/"


def test_training_job_request_is_ip_insights_on_text_csv_channels(trained: Any, bucket: str, role: str) -> None:
    recorder, _ = trained
    [request] = recorder.calls("CreateTrainingJob")
    assert request["AlgorithmSpecification"] == {"TrainingInputMode": "File", "TrainingImage": IMAGE}
    assert request["InputDataConfig"] == [
        {
            "ChannelName": channel,
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": uri,
                    "S3DataDistributionType": "FullyReplicated",
                }
            },
            "ContentType": "text/csv",
            "InputMode": "File",
        }
        for channel, uri in (
            ("train", f"s3://{bucket}/train/cloudtrail_tuples.csv"),
            ("validation", f"s3://{bucket}/validation/held_out.csv"),
        )
    ]
    assert request["HyperParameters"] == {
        "num_entity_vectors": "200",
        "vector_dim": "16",
        "batch_metrics_publish_interval": "1000",
        "epochs": "3",
        "learning_rate": "0.001",
        "mini_batch_size": "10000",
        "num_ip_encoder_layers": "1",
        "random_negative_sampling_rate": "5",
        "shuffled_negative_sampling_rate": "1",
        "weight_decay": "1e-05",
    }
    assert request["ResourceConfig"] == {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30}
    assert request["OutputDataConfig"] == {"S3OutputPath": f"s3://{bucket}/model/", "CompressionType": "GZIP"}
    assert request["StoppingCondition"] == {"MaxRuntimeInSeconds": sagemaker_jobs.MAX_TRAINING_SECONDS}
    assert request["RoleArn"] == role
    assert request["Tags"] == TAGS
    assert request["TrainingJobName"].startswith("secml-ipinsights-")


def test_training_job_as_the_emulator_recorded_it(trained: Any, bucket: str) -> None:
    recorder, _ = trained
    [request] = recorder.calls("CreateTrainingJob")
    sagemaker = boto3.client("sagemaker")
    described = sagemaker.describe_training_job(TrainingJobName=request["TrainingJobName"])
    assert described["HyperParameters"] == HYPERPARAMETERS.as_sagemaker()
    assert described["AlgorithmSpecification"]["TrainingImage"] == IMAGE
    assert [c["ContentType"] for c in described["InputDataConfig"]] == ["text/csv", "text/csv"]
    assert sagemaker.list_tags(ResourceArn=described["TrainingJobArn"])["Tags"] == TAGS


def test_model_folder_records_the_job_and_the_training_principals(trained: Any, bucket: str, role: str) -> None:
    recorder, model = trained
    [request] = recorder.calls("CreateTrainingJob")
    job = request["TrainingJobName"]
    manifest = json.loads(_s3_text(model + api.MANIFEST))
    assert manifest["backend"] == "sagemaker"
    assert manifest["training_job_name"] == job
    assert manifest["model_data"] == f"s3://{bucket}/model/{job}/output/model.tar.gz"
    assert manifest["image"] == IMAGE
    assert manifest["role_arn"] == role
    assert gzip.decompress(_s3_text(model + sagemaker_backend.PRINCIPALS)).decode() == "alice\nbob\n"
    metrics = json.loads(_s3_text(model + api.METRICS))
    assert metrics["backend"] == "sagemaker"
    assert metrics["training_job_name"] == job


def test_local_training_files_are_staged_under_the_model(bucket: str, role: str, tmp_path: Any) -> None:
    local_train = tmp_path / "train.csv"
    local_train.write_text(TRAIN_LINES)
    recorder = SageMakerRecorder()
    api.train(
        "sagemaker",
        str(local_train),
        None,
        f"s3://{bucket}/m2",
        HYPERPARAMETERS,
        role_arn=role,
        boto_session=recorder.session,
    )
    [request] = recorder.calls("CreateTrainingJob")
    [channel] = request["InputDataConfig"]
    assert channel["DataSource"]["S3DataSource"]["S3Uri"] == f"s3://{bucket}/m2/input/train.csv"
    assert _s3_text(f"s3://{bucket}/m2/input/train.csv").decode() == TRAIN_LINES


def test_sagemaker_model_must_go_to_s3(role: str, tmp_path: Any) -> None:
    with pytest.raises(InputError, match="writes its model to S3"):
        api.train("sagemaker", "s3://b/t.csv", None, str(tmp_path), HYPERPARAMETERS, role_arn=role)


def test_sdk_sends_no_telemetry(bucket: str, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from sagemaker.core.telemetry import telemetry_logging

    sent: list[str] = []
    monkeypatch.setattr(telemetry_logging, "_requests_helper", lambda url, timeout: sent.append(url))
    api.train(
        "sagemaker",
        f"s3://{bucket}/train/cloudtrail_tuples.csv",
        None,
        f"s3://{bucket}/m3",
        HYPERPARAMETERS,
        role_arn=role,
        boto_session=SageMakerRecorder().session,
    )
    assert sent == []


def test_batch_transform_requests_and_nothing_left_behind(trained: Any, bucket: str, role: str) -> None:
    recorder, model = trained
    summary = api.score(
        model, f"s3://{bucket}/infer/guardduty_tuples.csv", f"s3://{bucket}/scores/s.csv", boto_session=recorder.session
    )
    [create_model] = recorder.calls("CreateModel")
    [transform] = recorder.calls("CreateTransformJob")
    name = transform["TransformJobName"]
    job = recorder.calls("CreateTrainingJob")[0]["TrainingJobName"]
    assert create_model == {
        "ModelName": name,
        "PrimaryContainer": {"Image": IMAGE, "ModelDataUrl": f"s3://{bucket}/model/{job}/output/model.tar.gz"},
        "ExecutionRoleArn": role,
        "Tags": TAGS,
    }
    staged = f"s3://{bucket}/model/transform/{name}/input/tuples.csv"
    assert transform == {
        "TransformJobName": name,
        "ModelName": name,
        "BatchStrategy": "MultiRecord",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": staged}},
            "ContentType": "text/csv",
            "SplitType": "Line",
            "CompressionType": "None",
        },
        "TransformOutput": {
            "S3OutputPath": f"s3://{bucket}/model/transform/{name}/output/",
            "Accept": "application/jsonlines",
            "AssembleWith": "Line",
        },
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
        "Tags": TAGS,
    }
    # Only IPv4 rows go to SageMaker, which would fail the whole job on one IPv6 address.
    assert _s3_text(staged).decode() == "alice,10.0.0.9\nmallory,10.0.0.9\nbob,192.168.1.20\n"
    assert recorder.calls("DeleteModel") == [{"ModelName": name}]
    assert name not in _model_names()
    assert summary.rows == 5 and summary.errors == 2 and summary.unseen_principals == 1


def test_transform_output_is_joined_back_to_its_rows(trained: Any, bucket: str) -> None:
    recorder, model = trained
    api.score(
        model, f"s3://{bucket}/infer/guardduty_tuples.csv", f"s3://{bucket}/scores/s.csv", boto_session=recorder.session
    )
    assert _s3_text(f"s3://{bucket}/scores/s.csv").decode().splitlines() == [
        "principal,ip,dot_product,seen_principal,error",
        "alice,10.0.0.9,5.009,true,",
        "mallory,10.0.0.9,7.009,false,",
        "bob,2001:db8::1,,true,IPv6 address: IP Insights scores IPv4 addresses only",
        "bob,300.1.1.1,,true,malformed IPv4 address: expected dotted decimal a.b.c.d",
        "bob,192.168.1.20,3.02,true,",
    ]


def test_endpoint_is_created_once_invoked_and_deleted_by_cleanup(
    trained: Any, bucket: str, role: str, emulator_env: Target
) -> None:
    recorder, model = trained
    job = recorder.calls("CreateTrainingJob")[0]["TrainingJobName"]
    out = f"s3://{bucket}/scores/endpoint.csv"
    api.score(model, f"s3://{bucket}/infer/guardduty_tuples.csv", out, endpoint=True, boto_session=recorder.session)
    api.score(model, f"s3://{bucket}/infer/guardduty_tuples.csv", out, endpoint=True, boto_session=recorder.session)
    assert recorder.calls("CreateEndpointConfig") == [
        {
            "EndpointConfigName": job,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "ModelName": job,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.xlarge",
                }
            ],
            "Tags": TAGS,
        }
    ]
    assert recorder.calls("CreateEndpoint") == [{"EndpointName": job, "EndpointConfigName": job, "Tags": TAGS}]
    assert [call["ModelName"] for call in recorder.calls("CreateModel")] == [job]
    assert "CreateTransformJob" not in recorder.operations()
    scored = _s3_text(out).decode().splitlines()[1:3]
    assert _as_scored(scored) == _trained_scores(model, scored)
    assert [line.split(",")[:2] for line in scored] == [["alice", "10.0.0.9"], ["mallory", "10.0.0.9"]]

    foreign = f"secml-ipinsights-foreign-{uuid.uuid4().hex[:6]}"  # our prefix, but not our tag
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model(ModelName=foreign, PrimaryContainer={"Image": IMAGE}, ExecutionRoleArn=role)
    cleaner = SageMakerRecorder()
    deleted = cleanup.delete_hosted_resources(emulator_env, boto_session=cleaner.session)
    assert f"endpoint/{job}" in deleted and f"endpoint-config/{job}" in deleted and f"model/{job}" in deleted
    assert cleaner.calls("DeleteEndpoint") == [{"EndpointName": job}]
    assert cleaner.calls("DeleteEndpointConfig") == [{"EndpointConfigName": job}]
    assert {"ModelName": job} in cleaner.calls("DeleteModel")
    assert {"ModelName": foreign} not in cleaner.calls("DeleteModel")
    assert sagemaker.list_endpoints(NameContains=job)["Endpoints"] == []
    assert foreign in _model_names()


def test_model_artefacts_transform_outputs_and_endpoint_volumes_use_the_given_key(
    bucket: str, role: str, emulator_env: Target
) -> None:
    """The stack's key (exercise 2.4 and `secml train` pass `tuples_kms_key_arn`) reaches every
    SageMaker request that writes data, and scoring reuses the key recorded with the model."""
    key = boto3.client("kms").create_key(Description="secml tuples")["KeyMetadata"]["Arn"]
    recorder, model = SageMakerRecorder(), f"s3://{bucket}/keyed-model/"
    api.train(
        "sagemaker",
        train=f"s3://{bucket}/train/cloudtrail_tuples.csv",
        validation=None,
        model=model,
        hyperparameters=HYPERPARAMETERS,
        role_arn=role,
        kms_key_arn=key,
        boto_session=recorder.session,
    )
    [training] = recorder.calls("CreateTrainingJob")
    assert training["OutputDataConfig"] == {"S3OutputPath": model, "KmsKeyId": key, "CompressionType": "GZIP"}
    assert json.loads(_s3_text(f"{model}secml-model.json"))["kms_key_arn"] == key
    api.score(
        model, f"s3://{bucket}/infer/guardduty_tuples.csv", f"s3://{bucket}/scores/k.csv", boto_session=recorder.session
    )
    [transform] = recorder.calls("CreateTransformJob")
    assert transform["TransformOutput"]["KmsKeyId"] == key
    api.score(model, f"s3://{bucket}/infer/guardduty_tuples.csv", endpoint=True, boto_session=recorder.session)
    [config] = recorder.calls("CreateEndpointConfig")
    assert config["KmsKeyId"] == key
    cleanup.delete_hosted_resources(emulator_env, boto_session=SageMakerRecorder().session)


def test_without_a_key_no_request_names_one(trained: Any, bucket: str) -> None:
    recorder, model = trained
    api.score(
        model, f"s3://{bucket}/infer/guardduty_tuples.csv", f"s3://{bucket}/scores/n.csv", boto_session=recorder.session
    )
    assert "KmsKeyId" not in recorder.calls("CreateTrainingJob")[0]["OutputDataConfig"]
    assert "KmsKeyId" not in recorder.calls("CreateTransformJob")[0]["TransformOutput"]


def test_answer_with_the_wrong_number_of_scores_is_refused() -> None:
    with pytest.raises(ServiceError, match="2 scores for 3 tuples"):
        sagemaker_jobs.parse_json_lines(b'{"dot_product": 1}\n{"dot_product": 2}\n', expected=3)


def test_secml_train_defaults_the_role_and_key_to_the_stack_outputs(
    emulator_env: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    from secml.commands import train as train_command
    from secml.infra import stack

    role, key = "arn:aws:iam::123456789012:role/secml-notebook", "arn:aws:kms:us-west-2:123456789012:key/k"
    outputs = {"notebook_role_arn": role, "tuples_kms_key_arn": key}
    monkeypatch.setattr(stack, "outputs", lambda target: outputs if target == emulator_env else {})

    def chosen(**given: Any) -> tuple[str | None, str | None]:
        return train_command._role_and_key(argparse.Namespace(**given), emulator_env)

    assert chosen(backend="sagemaker", role_arn=None, kms_key_arn=None) == (role, key)
    mine = "arn:aws:iam::123456789012:role/mine"
    assert chosen(backend="sagemaker", role_arn=mine, kms_key_arn=None) == (mine, None)
    assert chosen(backend="sagemaker", role_arn=mine, kms_key_arn="k2") == (mine, "k2")
    assert chosen(backend="local", role_arn=None, kms_key_arn=None) == (None, None)


def test_role_check_switch_is_scoped_to_the_sdk_call(bucket: str, role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    variable = sagemaker_jobs.VALIDATE_ROLE_VARIABLE
    for before, during in ((None, "false"), ("No", "No")):  # a user's own setting is kept
        if before is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, before)
        recorder = SageMakerRecorder()
        seen: list[str | None] = []
        recorder.session.events.register(
            "provide-client-params.sagemaker.CreateTrainingJob",
            lambda seen=seen, **_: seen.append(os.environ.get(variable)),
        )
        api.train(
            "sagemaker",
            f"s3://{bucket}/train/cloudtrail_tuples.csv",
            None,
            f"s3://{bucket}/m5",
            HYPERPARAMETERS,
            role_arn=role,
            boto_session=recorder.session,
        )
        assert seen == [during]
        assert os.environ.get(variable) == before


def test_sdk_still_keeps_its_training_job_where_secml_reads_it() -> None:
    """sagemaker_jobs.train reads the SDK's private `_latest_training_job` (no public accessor
    exists); a release that renames it fails here rather than after a paid training job."""
    from sagemaker.core.resources import TrainingJob
    from sagemaker.train import ModelTrainer

    assert "_latest_training_job" in ModelTrainer.__private_attributes__
    assert "training_job_name" in TrainingJob.model_fields


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDeniedException", "User is not authorized to perform: sagemaker:DescribeEndpoint"),
        ("ThrottlingException", "Rate exceeded"),
    ],
)
def test_endpoint_is_created_only_when_sagemaker_says_it_is_not_found(
    trained: Any, bucket: str, code: str, message: str
) -> None:
    recorder, model = trained
    recorder.refuse("DescribeEndpoint", code, message)
    with pytest.raises(ServiceError, match=f"cannot look up SageMaker endpoint .*{code}"):
        api.score(
            model, f"s3://{bucket}/infer/guardduty_tuples.csv", None, endpoint=True, boto_session=recorder.session
        )
    assert not {"CreateModel", "CreateEndpointConfig", "CreateEndpoint"} & set(recorder.operations())


def test_endpoint_reuses_the_model_and_config_of_a_failed_attempt(
    trained: Any, bucket: str, role: str, emulator_env: Target
) -> None:
    recorder, model = trained
    job = recorder.calls("CreateTrainingJob")[0]["TrainingJobName"]
    manifest = json.loads(_s3_text(model + api.MANIFEST))
    sagemaker = boto3.client("sagemaker")
    # What an attempt that stopped before CreateEndpoint leaves behind.
    sagemaker.create_model(
        ModelName=job,
        PrimaryContainer={"Image": IMAGE, "ModelDataUrl": manifest["model_data"]},
        ExecutionRoleArn=role,
        Tags=TAGS,
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=job,
        ProductionVariants=[
            {"VariantName": "AllTraffic", "ModelName": job, "InitialInstanceCount": 1, "InstanceType": "ml.m5.xlarge"}
        ],
        Tags=TAGS,
    )
    # SageMaker refuses a second Create of either (the emulator would silently replace them).
    arn = f"arn:aws:sagemaker:{emulator_env.region}:123456789012"
    recorder.refuse("CreateModel", "ValidationException", f'Cannot create already existing model "{arn}:model/{job}".')
    recorder.refuse(
        "CreateEndpointConfig",
        "ValidationException",
        f'Cannot create already existing endpoint configuration "{arn}:endpoint-config/{job}".',
    )
    out = f"s3://{bucket}/scores/retry.csv"
    api.score(model, f"s3://{bucket}/infer/guardduty_tuples.csv", out, endpoint=True, boto_session=recorder.session)
    assert recorder.calls("CreateEndpoint") == [{"EndpointName": job, "EndpointConfigName": job, "Tags": TAGS}]
    assert sagemaker.describe_endpoint(EndpointName=job)["EndpointStatus"] == "InService"
    first = _s3_text(out).decode().splitlines()[1:2]
    assert first[0].startswith("alice,10.0.0.9,") and _as_scored(first) == _trained_scores(model, first)
    assert f"endpoint/{job}" in cleanup.delete_hosted_resources(emulator_env)


def test_a_refused_transform_job_is_one_line_and_leaves_no_model(trained: Any, bucket: str) -> None:
    recorder, model = trained
    recorder.refuse(
        "CreateTransformJob",
        "ResourceLimitExceeded",
        "The account-level service limit 'ml.m5.xlarge for transform job usage' is 0 Instances",
    )
    refused = "SageMaker refused transform job secml-ipinsights-.*ResourceLimitExceeded"
    with pytest.raises(ServiceError, match=refused) as raised:
        api.score(
            model,
            f"s3://{bucket}/infer/guardduty_tuples.csv",
            f"s3://{bucket}/scores/s.csv",
            boto_session=recorder.session,
        )
    assert "\n" not in str(raised.value)
    [created] = recorder.calls("CreateModel")
    assert recorder.calls("DeleteModel") == [{"ModelName": created["ModelName"]}]
    assert created["ModelName"] not in _model_names()


def test_cleanup_reaches_sagemaker_through_the_environment(emulator_env: Target) -> None:
    """The target's own address is not used: a target pointing elsewhere still cleans up the
    emulator that AWS_ENDPOINT_URL names (as `target.activate()` sets it)."""
    name = f"secml-ipinsights-env-{uuid.uuid4().hex[:6]}"
    sagemaker = boto3.client("sagemaker")
    role = make_execution_role(name)
    sagemaker.create_model(ModelName=name, PrimaryContainer={"Image": IMAGE}, ExecutionRoleArn=role, Tags=TAGS)
    elsewhere = Target(name="local", region=emulator_env.region, emulator_port=1)
    assert f"model/{name}" in cleanup.delete_hosted_resources(elsewhere)
    assert name not in _model_names()


def test_a_prefix_of_parts_is_one_channel_sharded_over_instances(bucket: str, role: str) -> None:
    """train/parts/ as the train channel: S3Prefix as it is, ShardedByS3Key over two instances;
    with a date window, a manifest of the parts inside it (ManifestFile)."""
    for day, line in (("01", "alice,10.0.0.1\n"), ("02", "bob,10.0.0.2\n"), ("03", "carol,10.0.0.3\n")):
        _put(f"s3://{bucket}/train/parts/2025/03/{day}/log-{day}.csv", line)
    recorder = SageMakerRecorder()
    prefix = f"s3://{bucket}/train/parts/"
    common = {"role_arn": role, "boto_session": recorder.session, "instance_count": 2}
    api.train("sagemaker", prefix, None, f"s3://{bucket}/m4", HYPERPARAMETERS, **common)  # type: ignore[arg-type]
    window = tuples_io.DateWindow(since="2025-03-02")
    api.train("sagemaker", prefix, None, f"s3://{bucket}/m5", HYPERPARAMETERS, window=window, **common)  # type: ignore[arg-type]
    whole, windowed = (
        request["InputDataConfig"][0]["DataSource"]["S3DataSource"] for request in recorder.calls("CreateTrainingJob")
    )
    assert whole == {"S3DataType": "S3Prefix", "S3Uri": prefix, "S3DataDistributionType": "ShardedByS3Key"}
    assert windowed["S3DataType"] == "ManifestFile" and windowed["S3DataDistributionType"] == "ShardedByS3Key"
    manifest = json.loads(_s3_text(windowed["S3Uri"]))
    assert manifest == [
        {"prefix": f"s3://{bucket}/"},
        "train/parts/2025/03/02/log-02.csv",
        "train/parts/2025/03/03/log-03.csv",
    ]
