"""A small trained model and GuardDuty findings naming its principals, shared by the tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from secml.ipinsights.addresses import format_ipv4
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.model import LocalModel
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
