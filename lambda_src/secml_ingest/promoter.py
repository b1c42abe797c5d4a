"""The promoter Lambda's rules (model_promoter is the thin handler): which event it acts on, what
it reads of the training job, the training principals, the sample of held-out pairs it scores to
calibrate the threshold, and the serverless endpoint it serves a model from.

Names agree with the driver's (secml.ipinsights.sagemaker_jobs imports them from here): a
SageMaker-trained model is served by the serverless endpoint `<job>[:52]-serverless`, with its
model and config of the same name, all tagged secml:managed=true; the scheduled jobs are named
`secml-retrain-<time>` (secml_ingest.retraining), so their endpoints are `secml-retrain-...`.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import heapq
import io
import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from secml_ingest.endpoint_scoring import request_body
from secml_ingest.model_registry import split_s3_uri
from secml_ingest.retraining import JOB_NAME_PREFIX

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Training Job State Change"
COMPLETED = "Completed"
VALIDATION_AUC = "validation:discriminator_auc"
MANAGED_TAG_KEY = "secml:managed"
MANAGED_TAGS = [{"Key": MANAGED_TAG_KEY, "Value": "true"}]
PRINCIPALS = "principals.txt.gz"
DEFAULT_SAMPLE_PAIRS = 20_000
# InvokeEndpoint takes at most 6 MB a request; the promoter stays well below it.
MAX_REQUEST_BYTES = 4_000_000
SAMPLE_SEED = 0


class NotForUsError(ValueError):
    """The event is not the completion of a scheduled training job."""


def serverless_endpoint_name(training_job_name: str) -> str:
    """The serverless endpoint (and its config and model) of a trained model."""
    return f"{training_job_name[:52]}-serverless"


def completed_training_job(event: Any) -> str:
    """The name of the scheduled training job whose completion `event` reports; NotForUsError
    for anything else (the rule's pattern already filters; this is the handler's own check)."""
    if not isinstance(event, Mapping) or event.get("source") != SOURCE or event.get("detail-type") != DETAIL_TYPE:
        raise NotForUsError(f"not a {DETAIL_TYPE} event: {json.dumps(event, default=str)[:300]}")
    detail = event.get("detail")
    name = detail.get("TrainingJobName") if isinstance(detail, Mapping) else None
    status = detail.get("TrainingJobStatus") if isinstance(detail, Mapping) else None
    if not isinstance(name, str) or not name.startswith(JOB_NAME_PREFIX) or status != COMPLETED:
        raise NotForUsError(f"training job {name!r} ({status}) is not a completed {JOB_NAME_PREFIX} job")
    return name


def final_auc(described: Mapping[str, Any]) -> float | None:
    """validation:discriminator_auc from DescribeTrainingJob's FinalMetricDataList, if reported."""
    for metric in described.get("FinalMetricDataList") or []:
        if metric.get("MetricName") == VALIDATION_AUC:
            return float(metric["Value"])
    return None


def channel_uri(described: Mapping[str, Any], channel: str) -> str | None:
    """The S3 URI a channel of the job read (the retrainer's manifest files)."""
    for config in described.get("InputDataConfig") or []:
        if config.get("ChannelName") == channel:
            return str(config["DataSource"]["S3DataSource"]["S3Uri"])
    return None


def manifest_objects(data: bytes) -> list[tuple[str, str]]:
    """(bucket, key) of each object a SageMaker manifest file lists."""
    document = json.loads(data)
    if not isinstance(document, list) or not document or not isinstance(document[0], dict):
        raise ValueError("a manifest file is a JSON list: {'prefix': 's3://...'} then keys")
    bucket, prefix = split_s3_uri(str(document[0]["prefix"]))
    return [(bucket, prefix + str(key)) for key in document[1:]]


def csv_pairs(data: bytes) -> Iterator[tuple[str, str]]:
    """The `principal,ip` rows of a tuples object (quoted as the csv module quotes)."""
    for row in csv.reader(io.StringIO(data.decode("utf-8"))):
        if len(row) == 2 and row[0]:
            yield row[0], row[1]


def principals_listing(principals: Iterable[str]) -> bytes:
    """The training principals list: gzip text, one a line, sorted (as the driver writes it)."""
    text = "".join(f"{principal}\n" for principal in sorted(set(principals)))
    return gzip.compress(text.encode("utf-8"), mtime=0)


def _rank(seed: int, principal: str, address: int) -> int:
    digest = hashlib.blake2b(f"{seed}\x00{principal}\x00{address}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def sample_pairs(
    pairs: Iterable[tuple[str, str]], limit: int = DEFAULT_SAMPLE_PAIRS, seed: int = SAMPLE_SEED
) -> list[tuple[str, int]]:
    """At most `limit` distinct (principal, IPv4 as an int) pairs, sorted: a seeded uniform sample
    of the distinct pairs when there are more (a bottom-k sample by a hash of each pair, so it
    holds `limit` pairs in memory whatever the day's size, and a retry or another read order
    picks the same ones). IPv6 and malformed addresses are left out (IP Insights on SageMaker
    scores IPv4 only)."""
    if limit < 1:
        raise ValueError(f"the sample needs at least one pair, got {limit}")
    kept: list[tuple[int, str, int]] = []  # a max-heap of the lowest ranks, by negated rank
    members: set[tuple[str, int]] = set()
    for principal, text in pairs:
        try:
            address = ipaddress.ip_address(text.strip())
        except ValueError:
            continue
        pair = (principal, int(address))
        if address.version != 4 or pair in members:
            continue
        rank = _rank(seed, *pair)
        if len(kept) < limit:
            heapq.heappush(kept, (-rank, *pair))
            members.add(pair)
        elif rank < -kept[0][0]:
            _, *dropped = heapq.heapreplace(kept, (-rank, *pair))
            members.discard((dropped[0], dropped[1]))
            members.add(pair)
    return sorted(members)


def request_batches(
    pairs: Sequence[tuple[str, int]], max_bytes: int = MAX_REQUEST_BYTES
) -> Iterator[Sequence[tuple[str, int]]]:
    """`pairs` in consecutive batches whose text/csv request stays under `max_bytes`."""
    start, size = 0, 0
    for index, pair in enumerate(pairs):
        row = len(request_body([pair]))
        if row >= max_bytes:
            raise ValueError(f"one pair alone makes a request of {row} bytes")
        if size + row > max_bytes:
            yield pairs[start:index]
            start, size = index, 0
        size += row
    if start < len(pairs):
        yield pairs[start:]


@dataclass(frozen=True)
class ServerlessCapacity:
    """The serverless endpoint's MemorySizeInMB and MaxConcurrency (as the driver's default)."""

    memory_mb: int = 2048
    max_concurrency: int = 5


def model_request(name: str, image: str, model_data: str, role_arn: str) -> dict[str, Any]:
    """CreateModel of a trained model (the driver's endpoints and transform jobs use it too)."""
    return {
        "ModelName": name,
        "PrimaryContainer": {"Image": image, "ModelDataUrl": model_data},
        "ExecutionRoleArn": role_arn,
        "Tags": MANAGED_TAGS,
    }


def serverless_config_request(name: str, capacity: ServerlessCapacity) -> dict[str, Any]:
    """CreateEndpointConfig of a serverless endpoint: one variant of the model `name`. No
    KmsKeyId: it names the key of the instance's storage volume, and a serverless endpoint has no
    instance of the account's."""
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": name,
        "ServerlessConfig": {"MemorySizeInMB": capacity.memory_mb, "MaxConcurrency": capacity.max_concurrency},
    }
    return {"EndpointConfigName": name, "ProductionVariants": [variant], "Tags": MANAGED_TAGS}


def endpoint_requests(
    name: str, image: str, model_data: str, role_arn: str, capacity: ServerlessCapacity
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """CreateModel, CreateEndpointConfig and CreateEndpoint of a serverless endpoint, all `name`."""
    endpoint = {"EndpointName": name, "EndpointConfigName": name, "Tags": MANAGED_TAGS}
    return model_request(name, image, model_data, role_arn), serverless_config_request(name, capacity), endpoint
