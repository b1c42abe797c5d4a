"""Lambda: score one GuardDuty finding as it arrives (an EventBridge event whose `detail` is the
finding) with the model the registry names, then deliver: the verdict lines to
TUPLES_BUCKET/LIVE_PREFIX/<yyyy>/<mm>/<dd>/, an SNS message to TOPIC_ARN when unusual, and the
verdict on the finding's Security Hub twin when SECURITY_HUB is "true".

The model is loaded once per execution environment and kept while the registry names it: a
local-engine model's scoring artefact, or a SageMaker-trained model's principals list, its scores
then coming from its endpoint (one InvokeEndpoint per finding). A missing or damaged registry,
model or endpoint, or a malformed event, raises after one clear log line: the asynchronous
invocation then goes to the dead-letter queue with its event, and nothing is cached, so the next
finding tries again (no crash loop once the model is promoted).
ARTEFACT_READ: "ranged" (default) reads the artefact's small sections at load and each prefix row
by a ranged GET; "whole" downloads it once (better for a busy, warm function)."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import boto3

from secml_ingest.delivery import ScoredFinding, live_key, live_lines, security_hub_update, sns_message
from secml_ingest.endpoint_scoring import EndpointModel, invoker, training_principals
from secml_ingest.guardduty import camel_keys
from secml_ingest.model_registry import (
    REGISTRY_KEY,
    ArtefactServing,
    EndpointServing,
    ModelUnavailableError,
    ServedModel,
    served_model,
    split_s3_uri,
)
from secml_ingest.scoring_artefact import ArtefactError, ScoringModel, in_memory
from secml_ingest.verdicts import UNUSUAL, Scorer, finding_verdicts

# One client each per execution environment, made at cold start and reused by every invocation.
s3_client = boto3.client("s3")
sns_client = boto3.client("sns")
securityhub_client = boto3.client("securityhub")
runtime_client = boto3.client("sagemaker-runtime")
_loaded: dict[str, Scorer] = {}


class MalformedEventError(Exception):
    """The event is not a GuardDuty finding event."""


def _current_model() -> tuple[ServedModel, Scorer]:
    bucket = os.environ["TUPLES_BUCKET"]
    key = os.environ.get("REGISTRY_KEY", REGISTRY_KEY)
    where = f"s3://{bucket}/{key}"
    try:
        text = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3_client.exceptions.NoSuchKey:
        raise ModelUnavailableError(f"{where} is missing: promote a model (make exercise3)") from None
    served = served_model(text, where)
    if served.model_id not in _loaded:
        _loaded.clear()
        _loaded[served.model_id] = _load(served)
    return served, _loaded[served.model_id]


def _load(served: ServedModel) -> Scorer:
    if isinstance(served.serving, EndpointServing):
        return _endpoint_model(served.model_id, served.serving)
    return _artefact_model(served.model_id, served.serving)


def _endpoint_model(model_id: str, serving: EndpointServing) -> EndpointModel:
    bucket, key = split_s3_uri(serving.principals)
    try:
        data = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3_client.exceptions.NoSuchKey:
        raise ModelUnavailableError(f"model {model_id}: principals {serving.principals} is missing") from None
    principals = training_principals(data, f"model {model_id}: {serving.principals}")
    return EndpointModel(model_id, invoker(runtime_client, serving.endpoint, model_id), principals)


def _artefact_model(model_id: str, serving: ArtefactServing) -> ScoringModel:
    bucket, key = split_s3_uri(serving.artefact)
    try:
        if os.environ.get("ARTEFACT_READ", "ranged") == "whole":
            body = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
            return ScoringModel(in_memory(body))

        def ranged(first_byte: int, length: int) -> bytes:
            byte_range = f"bytes={first_byte}-{first_byte + length - 1}"
            data: bytes = s3_client.get_object(Bucket=bucket, Key=key, Range=byte_range)["Body"].read()
            return data

        return ScoringModel(ranged)
    except s3_client.exceptions.NoSuchKey:
        raise ModelUnavailableError(f"model {model_id}: artefact {serving.artefact} is missing") from None
    except ArtefactError as error:
        raise ModelUnavailableError(f"model {model_id}: {serving.artefact}: {error}") from None


def _finding(event: Any) -> dict[str, Any]:
    detail = event.get("detail") if isinstance(event, dict) else None
    if not isinstance(detail, dict) or not detail.get("id"):
        raise MalformedEventError(f"not a GuardDuty finding event (no detail.id): {json.dumps(event)[:300]}")
    finding: dict[str, Any] = camel_keys(detail)
    return finding


def handler(event: Any, context: Any) -> dict[str, Any]:
    try:
        finding = _finding(event)
        served, model = _current_model()
        verdicts = finding_verdicts(finding, model, served.threshold)
    except (MalformedEventError, ModelUnavailableError) as error:
        print(f"secml scorer: not scored: {error}")
        raise
    scored = ScoredFinding(str(event.get("id", "")), str(event.get("time", "")), finding, verdicts, served, time.time())
    bucket = os.environ["TUPLES_BUCKET"]
    key = live_key(os.environ.get("LIVE_PREFIX", "scores/live"), scored)
    s3_client.put_object(Bucket=bucket, Key=key, Body=live_lines(scored), ContentType="application/x-ndjson")
    delivered = {"live": f"s3://{bucket}/{key}", "sns": False, "security_hub": False}
    if scored.verdict == UNUSUAL:
        sns_client.publish(TopicArn=os.environ["TOPIC_ARN"], **sns_message(scored))
        delivered["sns"] = True
    update = security_hub_update(scored)
    if os.environ.get("SECURITY_HUB") == "true" and update is not None:
        answer = securityhub_client.batch_update_findings(**update)
        delivered["security_hub"] = bool(answer.get("ProcessedFindings"))
    result = scored.summary() | {"delivered": delivered}
    print(json.dumps(result, sort_keys=True))
    return result
