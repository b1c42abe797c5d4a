"""A small trained model, GuardDuty findings naming its principals, and model folders as
`secml train` writes them (with validation scores), shared by the tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import numpy as np
from ipinsights_endpoint import IMAGE, model_tarball

from secml.automation.promotion import Candidate
from secml.ipinsights import model_file
from secml.ipinsights.addresses import format_ipv4
from secml.ipinsights.backend import MANIFEST, METRICS
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.metrics import DISCRIMINATOR_AUC
from secml.ipinsights.model import LocalModel
from secml.ipinsights.sagemaker_backend import PRINCIPALS as PRINCIPALS_FILE
from secml.ipinsights.training import fit

PRINCIPALS = 12


def planted_pairs(rng: np.random.Generator, per_principal: int) -> tuple[list[str], list[str]]:
    """Principal AIDA<p> uses addresses in 10.(2p).x.y and 172.(2p+1).x.y only."""
    owner = np.repeat(np.arange(PRINCIPALS), per_principal)
    first = np.where(rng.random(owner.size) < 0.5, 10, 172).astype(np.uint32)
    second = (2 * owner + (first == 172)).astype(np.uint32)
    addresses = (first << 24) | (second << 16) | rng.integers(0, 1 << 16, owner.size, dtype=np.uint32)
    return [f"AIDAPRINCIPAL{p:04d}" for p in owner], format_ipv4(addresses)


def trained(layers: int, seed: int = 3) -> LocalModel:
    rng = np.random.default_rng(7)
    settings = Hyperparameters(
        num_entity_vectors=64,
        vector_dim=8,
        epochs=3,
        learning_rate=0.02,
        mini_batch_size=64,
        num_ip_encoder_layers=layers,
        random_negative_sampling_rate=2,
    )
    return fit(*planted_pairs(rng, 60), settings, validation=planted_pairs(rng, 10), seed=seed)


def finding(principal: str, ips: list[str], finding_id: str = "f" * 32) -> dict[str, Any]:
    """A GuardDuty finding (camelCase) whose action names `ips`: an API call for one, a port probe
    for several."""
    details = [{"ipAddressV6" if ":" in ip else "ipAddressV4": ip} for ip in ips]
    action: dict[str, Any] = (
        {"actionType": "AWS_API_CALL", "awsApiCallAction": {"remoteIpDetails": details[0]}}
        if len(ips) == 1
        else {
            "actionType": "PORT_PROBE",
            "portProbeAction": {"portProbeDetails": [{"remoteIpDetails": d} for d in details]},
        }
    )
    return {
        "id": finding_id,
        "arn": f"arn:aws:guardduty:us-east-1:123456789012:detector/d/finding/{finding_id}",
        "accountId": "123456789012",
        "region": "us-east-1",
        "partition": "aws",
        "type": "UnauthorizedAccess:IAMUser/MaliciousIPCaller",
        "severity": 5.0,
        "resource": {"accessKeyDetails": {"principalId": principal, "userType": "IAMUser", "userName": "u"}},
        "service": {"action": action},
    }


def _put_scored_model(bucket: str, model_id: str, auc: float, model: LocalModel, manifest: dict[str, Any]) -> Candidate:
    """The manifest, metrics and validation scores of a trained model folder; its candidate."""
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key=f"model/{model_id}/{MANIFEST}", Body=json.dumps(manifest))
    s3.put_object(Bucket=bucket, Key=f"model/{model_id}/{METRICS}", Body=json.dumps({DISCRIMINATOR_AUC: auc}))
    own = model.score(["AIDAPRINCIPAL0003"] * 100, [f"10.6.{i}.1" for i in range(100)]).dot_product
    lines = "".join(f"AIDAPRINCIPAL0003,10.6.{i}.1,{score},true,\n" for i, score in enumerate(own.tolist()))
    s3.put_object(Bucket=bucket, Key=f"scores/{model_id}/validation.csv",
                  Body="principal,ip,dot_product,seen_principal,error\n" + lines)  # fmt: skip
    return Candidate(
        f"s3://{bucket}/model/{model_id}", f"s3://{bucket}/scores/{model_id}/validation.csv", {"pairs": 600}
    )


def put_trained_model(tmp_path: Path, bucket: str, model_id: str, auc: float, model: LocalModel) -> Candidate:
    """A local-engine model folder in `bucket`, as `secml train --backend local` writes one."""
    path = tmp_path / "model.npz"
    model_file.save(model, path)
    boto3.client("s3").upload_file(str(path), bucket, f"model/{model_id}/ipinsights-local.npz")
    manifest = {"format": 1, "backend": "local", "artefact": "ipinsights-local.npz"}
    return _put_scored_model(bucket, model_id, auc, model, manifest)


def put_sagemaker_model(bucket: str, model_id: str, auc: float, model: LocalModel, role_arn: str) -> Candidate:
    """A SageMaker-trained model folder in `bucket`, as `secml train --backend sagemaker` writes
    one, its job's model.tar.gz holding `model` (what the emulator's IP Insights endpoint serves)."""
    job = f"secml-ipinsights-{model_id}"
    model_data = f"s3://{bucket}/model/{model_id}/{job}/output/model.tar.gz"
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key=f"model/{model_id}/{job}/output/model.tar.gz", Body=model_tarball(model))
    listing = "".join(f"{principal}\n" for principal in sorted(model.principals)).encode()
    s3.put_object(Bucket=bucket, Key=f"model/{model_id}/{PRINCIPALS_FILE}", Body=gzip.compress(listing))
    manifest = {"format": 1, "backend": "sagemaker", "training_job_name": job, "image": IMAGE,
                "model_data": model_data, "role_arn": role_arn, "principals": PRINCIPALS_FILE}  # fmt: skip
    return _put_scored_model(bucket, model_id, auc, model, manifest)
