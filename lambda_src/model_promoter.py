"""Lambda: judge and promote the model of a scheduled training job when it completes.

Triggered by an EventBridge rule on SageMaker's "SageMaker Training Job State Change" events
(TrainingJobStatus Completed, job name prefix secml-retrain). For that job it:
1. reads DescribeTrainingJob (validation:discriminator_auc, model artefact, image, role, channels)
   and the registry (TUPLES_BUCKET/models/current.json);
2. refuses at once, before anything is created, when the job had no validation channel (no
   held-out pairs) or its AUC is missing or worse than the current model's by more than
   AUC_TOLERANCE;
3. writes the training principals (distinct principals of the train channel's parts) to
   models/<job>/principals.txt.gz, and serves the model on a serverless endpoint
   `<job>-serverless` (CreateModel, CreateEndpointConfig, CreateEndpoint), waiting until it is
   InService;
4. scores a seeded sample (at most SAMPLE_PAIRS) of the validation day's distinct pairs through
   the endpoint and calibrates the threshold at FALSE_POSITIVE_RATE on those of principals seen
   in training (secml_ingest.calibration, the rule the driver's report applies);
5. decides (secml_ingest.registry_updates, the rules exercise 3 applies) and writes the registry
   once: promoted, the endpoint it replaced is deleted; refused, its own endpoint and principals
   list are.
Every decision is one log line and one history record. A retry of an event already decided does
nothing (the history names the job).

Why wait for InService inside the invocation rather than react to a second event (SageMaker's
endpoint state change): a serverless endpoint usually comes into service in a few minutes, well
inside Lambda's 15; one invocation keeps the whole decision in one place with no state carried
between events, and a failure (endpoint failed, timeout) sends this event with its error to the
dead-letter queue, where a retry re-runs it (every create accepts what an earlier attempt left).
ENDPOINT_WAIT_S bounds the wait, and the function keeps a margin for scoring and writing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import boto3
from botocore.exceptions import ClientError

from secml_ingest.calibration import calibrate
from secml_ingest.endpoint_scoring import EndpointModel, invoker
from secml_ingest.model_registry import REGISTRY_KEY, split_s3_uri
from secml_ingest.promoter import (
    DEFAULT_SAMPLE_PAIRS,
    PRINCIPALS,
    ServerlessCapacity,
    channel_uri,
    completed_training_job,
    csv_pairs,
    endpoint_requests,
    final_auc,
    manifest_objects,
    principals_listing,
    request_batches,
    sample_pairs,
    serverless_endpoint_name,
)
from secml_ingest.registry_updates import (
    DEFAULT_AUC_TOLERANCE,
    Decision,
    apply_candidate,
    apply_refusal,
    candidate_entry,
    decide,
    decided,
    iso_now,
    parse_registry,
    registry_bytes,
)
from secml_ingest.retraining import OUTPUT_PREFIX, WINDOW_FILE

MODELS_PREFIX = "models/"
ALREADY_EXISTS = ("Cannot create already existing", "already exists")
s3_client = boto3.client("s3")
sagemaker_client = boto3.client("sagemaker")
runtime_client = boto3.client("sagemaker-runtime")


def _read(bucket: str, key: str) -> bytes | None:
    try:
        return bytes(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3_client.exceptions.NoSuchKey:
        return None


def _objects(uri: str) -> list[tuple[str, str]]:
    bucket, key = split_s3_uri(uri)
    data = _read(bucket, key)
    if data is None:
        raise ValueError(f"{uri} is missing")
    return manifest_objects(data)


def _pairs(objects: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    for bucket, key in objects:
        yield from csv_pairs(s3_client.get_object(Bucket=bucket, Key=key)["Body"].read())


def _create(create: Any, request: dict[str, Any]) -> None:
    try:
        create(**request)
    except ClientError as error:
        if not any(text in str(error) for text in ALREADY_EXISTS):
            raise


def _serve(name: str, described: dict[str, Any], wait_s: int) -> None:
    model, config, endpoint = endpoint_requests(
        name,
        described["AlgorithmSpecification"]["TrainingImage"],
        described["ModelArtifacts"]["S3ModelArtifacts"],
        described["RoleArn"],
        ServerlessCapacity(
            int(os.environ.get("SERVERLESS_MEMORY_MB", "2048")), int(os.environ.get("SERVERLESS_MAX_CONCURRENCY", "5"))
        ),
    )
    _create(sagemaker_client.create_model, model)
    _create(sagemaker_client.create_endpoint_config, config)
    _create(sagemaker_client.create_endpoint, endpoint)
    delay = 15
    sagemaker_client.get_waiter("endpoint_in_service").wait(
        EndpointName=name, WaiterConfig={"Delay": delay, "MaxAttempts": max(1, wait_s // delay)}
    )


def _delete_endpoint(name: str) -> None:
    """The endpoint `name` with its config and model, each that exists."""
    for delete, parameter in (
        (sagemaker_client.delete_endpoint, "EndpointName"),
        (sagemaker_client.delete_endpoint_config, "EndpointConfigName"),
        (sagemaker_client.delete_model, "ModelName"),
    ):
        try:
            delete(**{parameter: name})
        except ClientError as error:
            if "Could not find" not in str(error):
                raise


def _log(job: str, decision: Decision, **extra: Any) -> dict[str, Any]:
    line = {"job": job, **decision.record, **extra}
    print(json.dumps(line, sort_keys=True, default=str))
    return line


def handler(event: Any, context: Any) -> dict[str, Any]:
    bucket = os.environ["TUPLES_BUCKET"]
    registry_key = os.environ.get("REGISTRY_KEY", REGISTRY_KEY)
    tolerance = float(os.environ.get("AUC_TOLERANCE", str(DEFAULT_AUC_TOLERANCE)))
    rate = float(os.environ.get("FALSE_POSITIVE_RATE", "0.01"))
    job = completed_training_job(event)
    described = sagemaker_client.describe_training_job(TrainingJobName=job)
    if described["TrainingJobStatus"] != "Completed":
        raise ValueError(f"training job {job} is {described['TrainingJobStatus']}, not Completed")
    where = f"s3://{bucket}/{registry_key}"
    document = parse_registry(_read(bucket, registry_key), where)
    earlier = decided(document, job)
    if earlier is not None:
        print(json.dumps({"job": job, "already_decided": earlier}, sort_keys=True))
        return {"job": job, **earlier}
    auc = final_auc(described)
    validation = channel_uri(described, "validation")
    train = channel_uri(described, "train")
    current = document.get("current")
    promotable, reason = decide(current, {"validation_auc": auc}, tolerance)
    if validation is None or train is None:
        promotable, reason = False, "the job had no validation channel: no held-out pairs to judge or calibrate it on"
    if not promotable:
        decision = apply_refusal(document, job, auc, tolerance, reason)
        s3_client.put_object(Bucket=bucket, Key=registry_key, Body=registry_bytes(document))
        return _log(job, decision)
    assert validation is not None and train is not None  # refused above otherwise

    principals = {principal for principal, _ in _pairs(_objects(train))}
    principals_key = f"{MODELS_PREFIX}{job}/{PRINCIPALS}"
    s3_client.put_object(Bucket=bucket, Key=principals_key, Body=principals_listing(principals))
    name = serverless_endpoint_name(job)
    remaining_s = context.get_remaining_time_in_millis() / 1000 if context is not None else 900
    _serve(name, described, int(min(float(os.environ.get("ENDPOINT_WAIT_S", "600")), remaining_s - 120)))

    sample = sample_pairs(_pairs(_objects(validation)), int(os.environ.get("SAMPLE_PAIRS", str(DEFAULT_SAMPLE_PAIRS))))
    model = EndpointModel(job, invoker(runtime_client, name, job), frozenset(principals))
    seen = [pair for pair in sample if model.knows(pair[0])]
    scores = [score for batch in request_batches(seen) for score in model.scores(batch)]
    # Read again: the endpoint took minutes, and exercise 3 may have promoted meanwhile (the
    # decision is against the current model as it is now; one writer at a time is still assumed).
    document = parse_registry(_read(bucket, registry_key), where)
    try:
        chosen = calibrate(scores, rate)
    except ValueError as error:
        decision = apply_refusal(document, job, auc, tolerance, f"no threshold: {error}")
    else:
        window_data = _read(bucket, f"{OUTPUT_PREFIX}{job}/{WINDOW_FILE}")
        window = json.loads(window_data).get("window", {}) if window_data else {}
        entry = candidate_entry(
            model_id=job,
            backend="sagemaker",
            source_model=described["ModelArtifacts"]["S3ModelArtifacts"],
            threshold={
                "value": chosen.value,
                "how": chosen.how(),
                "false_positive_rate": chosen.false_positive_rate,
                "calibration_pairs": chosen.pairs,
            },
            training_window=window,
            validation_auc=auc,
            trained_at=iso_now(described["TrainingEndTime"].timestamp())
            if "TrainingEndTime" in described
            else iso_now(),
            endpoint=name,
            principals=f"s3://{bucket}/{principals_key}",
        )
        decision = apply_candidate(document, entry, tolerance)
    s3_client.put_object(Bucket=bucket, Key=registry_key, Body=registry_bytes(document))
    replaced = (decision.before or {}).get("endpoint")
    if decision.promoted and replaced and replaced != name:
        _delete_endpoint(str(replaced))  # the registry names it no more
    if not decision.promoted:
        _delete_endpoint(name)
        s3_client.delete_object(Bucket=bucket, Key=principals_key)
    return _log(job, decision, endpoint=name if decision.promoted else None, scored_pairs=len(scores))
