"""Delete the SageMaker resources secml left running or billable: endpoints (the real-time ones of
`score --endpoint` and the automation's serverless ones) with their configs and models, and
training and transform jobs still in progress (`secml cleanup`, `make down`).

Only resources named `secml-ipinsights...` (the driver's) or `secml-retrain...` (the scheduled
retraining's jobs and the endpoints their promoter creates) AND tagged `secml:managed=true` are
touched, so a user's own endpoints in the same account are safe even if their names happen to match.
"""

from __future__ import annotations

from typing import Any

import boto3

from secml.core.target import Target
from secml.ipinsights.sagemaker_jobs import MANAGED_TAG_KEY, NAME_PREFIX
from secml_ingest.retraining import JOB_NAME_PREFIX

NAME_PREFIXES = (NAME_PREFIX, JOB_NAME_PREFIX)


def delete_hosted_resources(target: Target, boto_session: boto3.Session | None = None) -> list[str]:
    """Delete secml's endpoints, endpoint configs and models, and stop its running training and
    transform jobs;
    returns what was deleted or stopped, as `kind/name` lines."""
    # The API address comes from the environment (`target.activate()` sets AWS_ENDPOINT_URL for the
    # emulator), exactly as for every other boto3 client: no per-target branch here.
    session = boto_session or boto3.Session(region_name=target.region)
    client = session.client("sagemaker")
    done: list[str] = []
    # Running jobs first: they run under the stack's role, which `make down` destroys next.
    training = _managed(client, "list_training_jobs", "TrainingJobSummaries", "TrainingJob", StatusEquals="InProgress")
    for job in training:
        client.stop_training_job(TrainingJobName=job["TrainingJobName"])
        done.append(f"training-job/{job['TrainingJobName']} (stopped)")
    running = _managed(
        client, "list_transform_jobs", "TransformJobSummaries", "TransformJob", StatusEquals="InProgress"
    )
    for job in running:
        client.stop_transform_job(TransformJobName=job["TransformJobName"])
        done.append(f"transform-job/{job['TransformJobName']} (stopped)")
    for endpoint in _managed(client, "list_endpoints", "Endpoints", "Endpoint"):
        client.delete_endpoint(EndpointName=endpoint["EndpointName"])
        done.append(f"endpoint/{endpoint['EndpointName']}")
    for config in _managed(client, "list_endpoint_configs", "EndpointConfigs", "EndpointConfig"):
        client.delete_endpoint_config(EndpointConfigName=config["EndpointConfigName"])
        done.append(f"endpoint-config/{config['EndpointConfigName']}")
    for model in _managed(client, "list_models", "Models", "Model"):
        client.delete_model(ModelName=model["ModelName"])
        done.append(f"model/{model['ModelName']}")
    return done


def _managed(client: Any, operation: str, key: str, kind: str, **filters: str) -> list[dict[str, Any]]:
    """Listed resources of `kind` (their fields are `<kind>Name`, `<kind>Arn`) whose name starts
    with one of secml's prefixes and that carry secml's tag."""
    ours = []
    listed = (
        item
        for prefix in NAME_PREFIXES
        for page in client.get_paginator(operation).paginate(NameContains=prefix, **filters)
        for item in page[key]
    )
    seen: set[str] = set()
    for item in listed:
        name = item[f"{kind}Name"]
        if name in seen or not name.startswith(NAME_PREFIXES):
            continue
        seen.add(name)
        tags = client.list_tags(ResourceArn=item[f"{kind}Arn"])["Tags"]
        if any(tag["Key"] == MANAGED_TAG_KEY and tag["Value"] == "true" for tag in tags):
            ours.append(item)
    return ours
