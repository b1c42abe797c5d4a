"""How the workshop notebook finds its bucket, role, region and training backend without the user
pasting a bucket name (the original notebook's first edit-this-cell step).

On the SageMaker notebook instance the stack's lifecycle configuration writes
`/home/ec2-user/SageMaker/secml-config.json` ({"bucket", "region", "role_arn", "kms_key_arn"}): the
notebook then trains on SageMaker with the instance's own role, writing with the stack's key. Anywhere else (a laptop against the embedded
emulator) the local target's Terraform outputs say the same things and the local engine trains.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from secml.core.errors import InputError
from secml.core.target import Target, resolve_target
from secml.infra import stack
from secml.ipinsights.choices import Backend

INSTANCE_CONFIG = Path("/home/ec2-user/SageMaker/secml-config.json")
CONFIG_KEYS = ("bucket", "region", "role_arn", "kms_key_arn")


@dataclass(frozen=True)
class NotebookContext:
    bucket: str
    region: str
    role_arn: str
    kms_key_arn: str  # the stack's key: SageMaker writes the model and transform outputs with it
    backend: Backend
    source: str  # where these values came from, shown to the user
    truth: Path | None = None  # the generated corpus's labels, when the stack runs on the emulator


def from_instance_config(path: Path) -> NotebookContext:
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise InputError(f"cannot read the notebook configuration {path}: {error}") from error
    missing = [key for key in CONFIG_KEYS if not config.get(key)]
    if missing:
        raise InputError(f"{path} lacks {', '.join(missing)}; restart the notebook instance")
    return NotebookContext(
        bucket=config["bucket"],
        region=config["region"],
        role_arn=config["role_arn"],
        kms_key_arn=config["kms_key_arn"],
        backend="sagemaker",
        source=str(path),
    )


def from_stack(target: Target) -> NotebookContext:
    """The target's Terraform outputs; activates the target so boto3 follows it."""
    target.activate()
    outputs = stack.outputs(target)
    truth = target.state_dir / "truth.csv"
    return NotebookContext(
        bucket=outputs["tuples_bucket_name"],
        region=outputs["region"],
        role_arn=outputs["notebook_role_arn"],
        kms_key_arn=outputs["tuples_kms_key_arn"],
        backend="local" if target.is_emulator else "sagemaker",
        source=f"terraform outputs of TARGET={target.name}",
        truth=truth if truth.is_file() else None,
    )


def discover(instance_config: Path = INSTANCE_CONFIG, target: Target | None = None) -> NotebookContext:
    """The notebook instance's configuration when present, else the stack of `target`
    (default: $SECML_TARGET or local)."""
    if instance_config.is_file():
        return from_instance_config(instance_config)
    return from_stack(target or resolve_target())
