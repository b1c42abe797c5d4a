"""SageMaker's built-in IP Insights: a training job through the sagemaker SDK 3 `ModelTrainer`, and
scoring by batch transform (nothing left running), by a real-time endpoint kept for reuse, or by
a serverless endpoint (the automation's: it bills per request and nothing while idle).

Every resource secml creates carries the tag `secml:managed=true` and a name starting with
`secml-ipinsights`, which is how `secml.ipinsights.cleanup` finds what to delete. The SDK is told
its role and bucket outright and has telemetry switched off in its session config: settings that
are as valid on AWS as they are against an `AWS_ENDPOINT_URL` emulator. Models, transform jobs
and endpoints are plain boto3 calls: each is one request whose exact shape matters.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError, WaiterError

from secml.core.errors import InputError, ServiceError
from secml.core.storage import split_s3
from secml.ipinsights.choices import INFERENCE_INSTANCE_TYPE, TRAINING_INSTANCE_TYPE
from secml.ipinsights.hyperparameters import Hyperparameters
from secml_ingest import promoter

NAME_PREFIX = "secml-ipinsights"
# The tag and the serverless endpoint name are the promoter Lambda's too (one copy, there).
MANAGED_TAG_KEY = promoter.MANAGED_TAG_KEY
MANAGED_TAGS = promoter.MANAGED_TAGS
# The SDK's default stop is one hour; the workshop's corpus on a CPU instance can take longer.
MAX_TRAINING_SECONDS = 6 * 3600
CSV = "text/csv"
JSON_LINES = "application/jsonlines"
# InvokeEndpoint takes at most 6 MB a request; this many tuples stay well below it.
ENDPOINT_BATCH_ROWS = 5000
# The SDK sends usage telemetry unless its config says otherwise (same key as its config file).
SDK_CONFIG = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}
VALIDATE_ROLE_VARIABLE = "SAGEMAKER_VALIDATE_ROLE"
# How SageMaker says DescribeEndpoint found nothing, and that a Create met a resource of that name.
ENDPOINT_NOT_FOUND = ("ValidationException", "Could not find endpoint")
ALREADY_EXISTS_MESSAGES = ("Cannot create already existing", "already exists")


@dataclass(frozen=True)
class Settings:
    """Where SageMaker runs: the execution role and the instances for training and inference, and
    the KMS key its outputs are written with (model artefacts, transform outputs, endpoint volumes;
    None: the bucket's default encryption alone)."""

    role_arn: str
    training_instance_type: str = TRAINING_INSTANCE_TYPE
    training_instance_count: int = 1
    inference_instance_type: str = INFERENCE_INSTANCE_TYPE
    kms_key_arn: str | None = None


@dataclass(frozen=True)
class Serverless:
    """A serverless endpoint's capacity: MemorySizeInMB (1024 to 6144, in steps of 1024) and
    MaxConcurrency (1 to 200). 2 GB is ample for IP Insights at the workshop's model size; five
    concurrent invocations cover findings arriving a few at a time."""

    memory_mb: int = 2048
    max_concurrency: int = 5

    def __post_init__(self) -> None:
        if self.memory_mb not in range(1024, 6145, 1024):
            raise InputError(f"serverless memory must be 1024 to 6144 MB in steps of 1024, got {self.memory_mb}")
        if not 1 <= self.max_concurrency <= 200:
            raise InputError(f"serverless max concurrency must be 1 to 200, got {self.max_concurrency}")


@dataclass(frozen=True)
class TrainedJob:
    """A completed training job: where SageMaker put the model and what metrics it reported."""

    job_name: str
    image: str
    model_data: str
    final_metrics: dict[str, float]
    billable_seconds: int | None


def unique_name(prefix: str = NAME_PREFIX) -> str:
    """A SageMaker resource name (at most 63 characters) unique even for two calls in one second."""
    return f"{prefix}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"


def image_uri(region: str) -> str:
    from sagemaker.core import image_uris

    return str(image_uris.retrieve("ipinsights", region))


@contextmanager
def sdk_role_check_off_by_default() -> Iterator[None]:
    """The SDK's client-side role check requires permissions IP Insights never uses (MLflow, VPC
    network interfaces), so it refuses a least-privilege role; SageMaker itself still checks the
    role when the job is created. Its only switch is an environment variable, so it is set to
    "false" for the SDK call alone (a value the user set, such as "true", is kept) and the
    process environment is restored afterwards."""
    previous = os.environ.get(VALIDATE_ROLE_VARIABLE)
    if previous is None:
        os.environ[VALIDATE_ROLE_VARIABLE] = "false"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(VALIDATE_ROLE_VARIABLE, None)
        else:
            os.environ[VALIDATE_ROLE_VARIABLE] = previous


S3_PREFIX = "S3Prefix"
MANIFEST_FILE = "ManifestFile"


@dataclass(frozen=True)
class ChannelData:
    """Where a channel's objects are: an S3 prefix (every object under it) or a manifest file
    listing them (S3DataType)."""

    uri: str
    data_type: str = S3_PREFIX


def train(
    boto_session: boto3.Session,
    *,
    train_data: ChannelData,
    validation_uri: str | None,
    output_path: str,
    hyperparameters: Hyperparameters,
    settings: Settings,
    logs: bool,
) -> TrainedJob:
    """Run one IP Insights training job with `train` (and `validation`) as text/csv channels and
    the model written under `output_path`; returns once the job has completed."""
    from sagemaker.core.helper.iam_role_resolver import RoleValidationError
    from sagemaker.core.helper.session_helper import Session
    from sagemaker.core.shapes import S3DataSource, Tag
    from sagemaker.core.training.configs import (
        Compute,
        InputData,
        OutputDataConfig,
        StoppingCondition,
    )
    from sagemaker.core.utils.exceptions import FailedStatusError
    from sagemaker.train import ModelTrainer

    bucket, _ = split_s3(output_path)
    session = Session(boto_session=boto_session, default_bucket=bucket, sagemaker_config=SDK_CONFIG)
    image = image_uri(str(boto_session.region_name))
    # Several instances each train on their own share of the parts (ShardedByS3Key), as IP
    # Insights' distributed CPU training does; one instance reads them all.
    # (A plain URI is the SDK's S3Prefix, FullyReplicated channel; the channel's input mode is
    # then the job's, File, either way.)
    distribution = "ShardedByS3Key" if settings.training_instance_count > 1 else "FullyReplicated"
    train_source: Any = train_data.uri
    if (train_data.data_type, distribution) != (S3_PREFIX, "FullyReplicated"):
        train_source = S3DataSource(
            s3_data_type=train_data.data_type, s3_uri=train_data.uri, s3_data_distribution_type=distribution
        )
    channels = [InputData(channel_name="train", data_source=train_source, content_type=CSV)]
    if validation_uri is not None:
        channels.append(InputData(channel_name="validation", data_source=validation_uri, content_type=CSV))
    try:
        with sdk_role_check_off_by_default():
            trainer = ModelTrainer(
                sagemaker_session=session,
                role=settings.role_arn,
                base_job_name=f"{NAME_PREFIX}-{secrets.token_hex(3)}",
                training_image=image,
                compute=Compute(
                    instance_type=settings.training_instance_type,
                    instance_count=settings.training_instance_count,
                ),
                stopping_condition=StoppingCondition(max_runtime_in_seconds=MAX_TRAINING_SECONDS),
                hyperparameters=hyperparameters.as_sagemaker(),
                output_data_config=OutputDataConfig(s3_output_path=output_path, kms_key_id=settings.kms_key_arn),
                tags=[Tag(key=tag["Key"], value=tag["Value"]) for tag in MANAGED_TAGS],
            )
            trainer.train(input_data_config=channels, wait=True, logs=logs)
    except RoleValidationError as error:
        raise ServiceError(f"the SageMaker SDK refused role {settings.role_arn}: {error}") from error
    except FailedStatusError as error:
        raise ServiceError(f"SageMaker training failed: {error}") from error
    except ClientError as error:
        raise ServiceError(f"SageMaker refused the training job: {error}") from error
    # The SDK has no public accessor for the job it ran; its own ModelTrainer docstring reads this
    # private attribute (a unit test fails if a release removes it).
    job_name = trainer._latest_training_job.training_job_name
    described = boto_session.client("sagemaker").describe_training_job(TrainingJobName=job_name)
    if described["TrainingJobStatus"] != "Completed":
        reason = described.get("FailureReason") or described["TrainingJobStatus"]
        raise ServiceError(f"SageMaker training job {job_name} did not complete: {reason}")
    return TrainedJob(
        job_name=job_name,
        image=image,
        model_data=described["ModelArtifacts"]["S3ModelArtifacts"],
        final_metrics={m["MetricName"]: float(m["Value"]) for m in described.get("FinalMetricDataList", [])},
        billable_seconds=described.get("BillableTimeInSeconds"),
    )


def _error_message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", ""))


def _is_endpoint_not_found(error: ClientError) -> bool:
    """SageMaker has no NotFound code for endpoints: it answers ValidationException with this text."""
    code, message = ENDPOINT_NOT_FOUND
    return error.response.get("Error", {}).get("Code") == code and message in _error_message(error)


def _create_unless_exists(create: Callable[..., Any], **request: Any) -> None:
    """Call a SageMaker Create operation, accepting that a resource of that name already exists:
    an earlier attempt that failed half-way leaves the same model or config behind."""
    try:
        create(**request)
    except ClientError as error:
        if not any(message in _error_message(error) for message in ALREADY_EXISTS_MESSAGES):
            raise


def _model_request(name: str, image: str, model_data: str, role_arn: str) -> dict[str, Any]:
    return promoter.model_request(name, image, model_data, role_arn)


def batch_transform(
    boto_session: boto3.Session,
    *,
    name: str,
    image: str,
    model_data: str,
    input_uri: str,
    output_path: str,
    settings: Settings,
) -> str:
    """Score the `principal,ip` CSV at `input_uri` with a transform job, one JSON line out per line
    in, and delete the job's model afterwards so nothing stays behind. The job and its model are
    both called `name`. Returns the output's URI."""
    client = boto_session.client("sagemaker")
    try:
        client.create_model(**_model_request(name, image, model_data, settings.role_arn))
    except ClientError as error:
        raise ServiceError(f"SageMaker refused model {name}: {error}") from error
    try:
        client.create_transform_job(
            TransformJobName=name,
            ModelName=name,
            BatchStrategy="MultiRecord",
            TransformInput={
                "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": input_uri}},
                "ContentType": CSV,
                "SplitType": "Line",
                "CompressionType": "None",
            },
            TransformOutput={
                "S3OutputPath": output_path,
                "Accept": JSON_LINES,
                "AssembleWith": "Line",
                **({"KmsKeyId": settings.kms_key_arn} if settings.kms_key_arn else {}),
            },
            TransformResources={"InstanceType": settings.inference_instance_type, "InstanceCount": 1},
            Tags=MANAGED_TAGS,
        )
        client.get_waiter("transform_job_completed_or_stopped").wait(
            TransformJobName=name, WaiterConfig={"Delay": 15, "MaxAttempts": 960}
        )
    except ClientError as error:
        raise ServiceError(f"SageMaker refused transform job {name}: {error}") from error
    except WaiterError as error:
        raise ServiceError(f"SageMaker transform job {name} failed: {error}") from error
    finally:
        client.delete_model(ModelName=name)
    described = client.describe_transform_job(TransformJobName=name)
    if described["TransformJobStatus"] != "Completed":
        reason = described.get("FailureReason") or described["TransformJobStatus"]
        raise ServiceError(f"SageMaker transform job {name} did not complete: {reason}")
    # SageMaker names each output object after its input object, plus ".out".
    input_name = input_uri.rsplit("/", 1)[-1]
    return f"{output_path.rstrip('/')}/{input_name}.out"


def endpoint_name(training_job_name: str) -> str:
    """One endpoint (with its config and model, all of this name) per trained model, so a later
    `score --endpoint` of the same model reuses it instead of paying for a second one."""
    return training_job_name[:63]


def serverless_endpoint_name(training_job_name: str) -> str:
    """The automation's serverless endpoint of a trained model: apart from `endpoint_name`'s
    real-time one, so that `score --endpoint` and the scorer never share (or delete) each other's.
    The promoter Lambda names the scheduled models' endpoints by the same rule."""
    return promoter.serverless_endpoint_name(training_job_name)


def ensure_endpoint(
    boto_session: boto3.Session,
    *,
    name: str,
    image: str,
    model_data: str,
    settings: Settings,
    serverless: Serverless | None = None,
) -> str:
    """The endpoint `name` (serverless with `serverless`, else on an instance) once InService.
    Only an endpoint SageMaker reports as not found is created; its model and config are reused
    when an earlier attempt left them behind."""
    client = boto_session.client("sagemaker")
    try:
        client.describe_endpoint(EndpointName=name)
    except ClientError as error:
        if not _is_endpoint_not_found(error):
            raise ServiceError(f"cannot look up SageMaker endpoint {name}: {error}") from error
        _create_endpoint(client, name, image, model_data, settings, serverless)
    try:
        client.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig={"Delay": 15, "MaxAttempts": 120})
    except WaiterError as error:
        raise ServiceError(
            f"SageMaker endpoint {name} did not come into service ({error}); "
            "`secml cleanup` deletes it so that the next run creates it afresh"
        ) from error
    return name


def endpoint_config_request(name: str, settings: Settings, serverless: Serverless | None) -> dict[str, Any]:
    """CreateEndpointConfig's request: one variant, serverless or on one inference instance."""
    if serverless is not None:  # the promoter Lambda's request (one copy)
        capacity = promoter.ServerlessCapacity(serverless.memory_mb, serverless.max_concurrency)
        return promoter.serverless_config_request(name, capacity)
    variant: dict[str, Any] = {
        "VariantName": "AllTraffic",
        "ModelName": name,
        "InitialInstanceCount": 1,
        "InstanceType": settings.inference_instance_type,
    }
    return {
        "EndpointConfigName": name,
        "ProductionVariants": [variant],
        "Tags": MANAGED_TAGS,
        # The endpoint's storage volume; SageMaker refuses a key for instance types with local
        # NVMe storage (ml.*d.*, ml.g4dn.*), whose volumes it encrypts with a hardware key.
        **({"KmsKeyId": settings.kms_key_arn} if settings.kms_key_arn else {}),
    }


def _create_endpoint(
    client: Any, name: str, image: str, model_data: str, settings: Settings, serverless: Serverless | None
) -> None:
    """The endpoint `name` with its config and model, all three of that name."""
    config = endpoint_config_request(name, settings, serverless)
    try:
        _create_unless_exists(client.create_model, **_model_request(name, image, model_data, settings.role_arn))
        _create_unless_exists(client.create_endpoint_config, **config)
        _create_unless_exists(client.create_endpoint, EndpointName=name, EndpointConfigName=name, Tags=MANAGED_TAGS)
    except ClientError as error:
        raise ServiceError(f"SageMaker refused endpoint {name}: {error}") from error


def delete_endpoint(boto_session: boto3.Session, name: str) -> list[str]:
    """Delete the endpoint `name` with its config and model (all of that name), each that exists;
    returns what was deleted, as `kind/name` lines."""
    client = boto_session.client("sagemaker")
    deleted = []
    for kind, delete, parameter in (
        ("endpoint", client.delete_endpoint, "EndpointName"),
        ("endpoint-config", client.delete_endpoint_config, "EndpointConfigName"),
        ("model", client.delete_model, "ModelName"),
    ):
        try:
            delete(**{parameter: name})
            deleted.append(f"{kind}/{name}")
        except ClientError as error:
            if "Could not find" not in _error_message(error):
                raise ServiceError(f"cannot delete SageMaker {kind} {name}: {error}") from error
    return deleted


def invoke_endpoint(boto_session: boto3.Session, name: str, csv_rows: list[bytes]) -> list[float]:
    """Dot products for `principal,ip` CSV lines, sent in requests under InvokeEndpoint's size cap."""
    runtime = boto_session.client("sagemaker-runtime")
    scores: list[float] = []
    for start in range(0, len(csv_rows), ENDPOINT_BATCH_ROWS):
        batch = csv_rows[start : start + ENDPOINT_BATCH_ROWS]
        answer = runtime.invoke_endpoint(EndpointName=name, Body=b"".join(batch), ContentType=CSV, Accept=JSON_LINES)
        scores.extend(parse_json_lines(answer["Body"].read(), expected=len(batch)))
    return scores


def parse_json_lines(body: bytes, expected: int) -> list[float]:
    """`{"dot_product": x}` per line (IP Insights' application/jsonlines answer), in input order."""
    lines = [line for line in body.decode("utf-8").splitlines() if line.strip()]
    if len(lines) != expected:
        raise ServiceError(f"SageMaker answered {len(lines)} scores for {expected} tuples")
    try:
        return [float(json.loads(line)["dot_product"]) for line in lines]
    except (ValueError, KeyError, TypeError) as error:
        raise ServiceError(f"unexpected SageMaker answer line: {error}") from error
