"""SageMaker training jobs of the built-in IP Insights image train, as on AWS (with the local engine).

Gap (moto 5.2.5): CreateTrainingJob stores the job as Completed at once, with no model artefact
at its ModelArtifacts.S3ModelArtifacts, no validation:discriminator_auc (only a fixed
`train:progress` metric) and no "SageMaker Training Job State Change" event. SageMaker runs the
algorithm's container, which cannot run here (no Docker): so no model trained by a SageMaker job
could be served, judged or promoted on the emulator.

Patch: a training job whose AlgorithmSpecification.TrainingImage is SageMaker's IP Insights (ECR
repository `ipinsights`) starts InProgress and trains in a thread of the emulator with the local
engine (secml.ipinsights.training.fit, the job's HyperParameters), on its `train` channel and,
when given, its `validation` channel, each read from the emulator's S3 (S3Prefix: every object
under the prefix; ManifestFile: the objects the manifest lists). Then, as SageMaker does:
- the model is written to S3ModelArtifacts as model.tar.gz, holding the local model file (the
  format sagemaker_ipinsights_endpoint serves; SageMaker's holds MXNet parameters);
- FinalMetricDataList gets validation:discriminator_auc when a validation channel was given;
- the job becomes Completed (or Failed, with FailureReason) with its training end time;
- a "SageMaker Training Job State Change" event (source aws.sagemaker, detail: the job's name,
  ARN, status, secondary status, model artefacts, final metrics, hyperparameters, image, role;
  resources: its ARN) goes to the default event bus (secml.emulator.default_bus), so rules on it
  fire.
Training in a thread keeps DescribeTrainingJob truthful: InProgress while it trains (as on AWS,
where a caller polls or waits for the event), never Completed without a model. CreateTrainingJob
answers when training ends or after ANSWER_WITHIN_S, whichever comes first: a small job (the
tests') is then seen Completed at the caller's first poll instead of after the SDK's 5 s poll
interval; a caller cannot tell this from a fast job, and nothing may rely on either. Jobs of
other images keep moto's behaviour.
"""

from __future__ import annotations

import io
import json
import logging
import tarfile
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from moto.s3.models import s3_backends
from moto.sagemaker.models import FakeTrainingJob, SageMakerModelBackend

from secml.emulator import default_bus
from secml.emulator.patches.sagemaker_ipinsights_endpoint import is_ipinsights_image, stored_bytes

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Training Job State Change"
VALIDATION_AUC = "validation:discriminator_auc"
MODEL_MEMBER = "model_algo-1"  # SageMaker's IP Insights names its model file so
UPSTREAM_CREATE_TRAINING_JOB = SageMakerModelBackend.create_training_job
LOG = logging.getLogger(__name__)
ANSWER_WITHIN_S = 5.0


def _split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def channel_objects(account_id: str, channel: dict[str, Any]) -> list[str]:
    """The s3:// URIs of the objects a channel reads."""
    source = channel["DataSource"]["S3DataSource"]
    uri = str(source["S3Uri"])
    if source.get("S3DataType") == "ManifestFile":
        data = stored_bytes(account_id, uri)
        if data is None:
            raise ValueError(f"the manifest {uri} does not exist")
        listed = json.loads(data)
        prefix = str(listed[0]["prefix"])
        return [prefix + str(key) for key in listed[1:]]
    bucket, prefix = _split(uri)
    backend = s3_backends[account_id]["aws"]
    keys, _, _, _ = backend.list_objects(backend.get_bucket(bucket), prefix, None, None, None)
    return [f"s3://{bucket}/{key.name}" for key in keys]


def channel_pairs(account_id: str, channel: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The channel's `principal,ip` rows (secml.ipinsights.tuples_io.parse_line; bad lines are
    left out), as two columns."""
    principals: list[str] = []
    ips: list[str] = []
    for uri in channel_objects(account_id, channel):
        data = stored_bytes(account_id, uri)
        if data is None:
            raise ValueError(f"the channel's object {uri} does not exist")
        for principal, ip in _rows(data):
            principals.append(principal)
            ips.append(ip)
    return principals, ips


def _rows(data: bytes) -> Iterator[tuple[str, str]]:
    from secml.ipinsights.tuples_io import parse_line

    for line in data.split(b"\n"):
        row = parse_line(line.rstrip(b"\r")) if line.strip() else None
        if row is not None:
            yield row


def model_tarball(model: Any) -> bytes:
    """The local model file packed as SageMaker packs a model: model.tar.gz."""
    from secml.ipinsights import model_file

    with tempfile.TemporaryDirectory(prefix="secml-training-") as folder:
        path = Path(folder) / MODEL_MEMBER
        model_file.save(model, path)
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w:gz") as archive:
            archive.add(path, arcname=MODEL_MEMBER)
    return packed.getvalue()


def train(account_id: str, job: FakeTrainingJob) -> tuple[bytes, float | None]:
    """Train the job's model; its model.tar.gz and validation AUC (None without validation)."""
    from secml.ipinsights.hyperparameters import Hyperparameters
    from secml.ipinsights.metrics import DISCRIMINATOR_AUC
    from secml.ipinsights.training import fit

    channels = {c["ChannelName"]: c for c in job.input_data_config}
    if "train" not in channels:
        raise ValueError("IP Insights needs a train channel")
    principals, ips = channel_pairs(account_id, channels["train"])
    validation = channel_pairs(account_id, channels["validation"]) if "validation" in channels else None
    hyperparameters = Hyperparameters.from_mapping(dict(job.hyper_parameters or {}))
    model = fit(principals, ips, hyperparameters, validation=validation, seed=0, threads=1)
    auc = model.metrics.get(DISCRIMINATOR_AUC) if validation is not None else None
    return model_tarball(model), float(auc) if auc is not None else None


def event_detail(job: FakeTrainingJob) -> dict[str, Any]:
    return {
        "TrainingJobName": job.training_job_name,
        "TrainingJobArn": job.arn,
        "TrainingJobStatus": job.training_job_status,
        "SecondaryStatus": job.secondary_status,
        "ModelArtifacts": job.model_artifacts,
        "FinalMetricDataList": job.final_metric_data_list,
        "HyperParameters": job.hyper_parameters,
        "AlgorithmSpecification": job.algorithm_specification,
        "RoleArn": job.role_arn,
        **({"FailureReason": job.failure_reason} if getattr(job, "failure_reason", None) else {}),
    }


def run(account_id: str, region: str, job: FakeTrainingJob) -> None:
    """Train, store the outcome on the job, and publish its state change."""
    from moto.core.utils import utcnow

    try:
        packed, auc = train(account_id, job)
        bucket, key = _split(job.model_artifacts["S3ModelArtifacts"])
        s3_backends[account_id]["aws"].put_object(bucket, key, packed)
        now = utcnow()
        job.final_metric_data_list = (
            [{"MetricName": VALIDATION_AUC, "Value": auc, "Timestamp": now}] if auc is not None else []
        )
        job.training_job_status = job.secondary_status = "Completed"
    except Exception as error:  # any failure of the algorithm is the job's, as on SageMaker
        LOG.warning("training job %s failed: %s", job.training_job_name, error)
        now = utcnow()
        job.failure_reason = f"AlgorithmError: {type(error).__name__}: {error}"
        job.training_job_status = job.secondary_status = "Failed"
    job.training_end_time = job.last_modified_time = now
    default_bus.publish(account_id, region, SOURCE, DETAIL_TYPE, [event_detail(job)], [job.arn])


def create_training_job(self: SageMakerModelBackend, training_job_name: str, *args: Any, **kwargs: Any) -> Any:
    job = UPSTREAM_CREATE_TRAINING_JOB(self, training_job_name, *args, **kwargs)
    if not is_ipinsights_image(str(job.algorithm_specification.get("TrainingImage", ""))):
        return job
    job.training_job_status, job.secondary_status = "InProgress", "Training"
    job.final_metric_data_list = []
    job.training_end_time = None  # type: ignore[assignment]  # moto leaves out what is None
    worker = threading.Thread(
        target=run, args=(self.account_id, self.region_name, job), name=f"training-{training_job_name}", daemon=True
    )
    worker.start()
    worker.join(ANSWER_WITHIN_S)
    return job


def apply() -> None:
    SageMakerModelBackend.create_training_job = create_training_job
