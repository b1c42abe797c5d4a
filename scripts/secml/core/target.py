"""Where AWS calls go. Local mode is only environment: an endpoint URL, dummy credentials and a
region. The HCL, the Lambda handlers and the driver never branch on the target."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from secml.core.checkout import state_root
from secml.core.errors import InputError

TargetName = Literal["local", "aws"]
TARGET_NAMES: tuple[TargetName, ...] = ("local", "aws")

DEFAULT_REGION = "us-west-2"  # the workshop's region
DEFAULT_EMULATOR_PORT = 5055
EMULATOR_HOST = "127.0.0.1"
# moto accepts any credentials; these make it impossible to reach a real account by accident.
EMULATOR_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@dataclass(frozen=True)
class Target:
    """One place the stack can live, with its own state folder so local and AWS never mix."""

    name: TargetName
    region: str
    emulator_port: int

    @property
    def is_emulator(self) -> bool:
        return self.name == "local"

    @property
    def endpoint_url(self) -> str | None:
        return f"http://{EMULATOR_HOST}:{self.emulator_port}" if self.is_emulator else None

    @property
    def state_dir(self) -> Path:
        """Terraform data, state, emulator pid and log, generated truth: `.secml/<target>/`."""
        return state_root() / self.name

    def environment(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """`base` (default: this process's environment) pointed at this target, for boto3,
        Terraform's AWS provider, the sagemaker SDK and subprocesses alike."""
        env = dict(os.environ if base is None else base)
        env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = self.region
        if self.is_emulator:
            env |= EMULATOR_CREDENTIALS
            env["AWS_ENDPOINT_URL"] = str(self.endpoint_url)
            env["AWS_EC2_METADATA_DISABLED"] = "true"
            # A profile or session token must never send local runs to a real account.
            for leak in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SECURITY_TOKEN"):
                env.pop(leak, None)
        return env

    def activate(self) -> None:
        """Point this process at the target, so boto3 clients made later follow it."""
        env = self.environment()
        for key in set(os.environ) - set(env):
            del os.environ[key]
        os.environ.update(env)


def resolve_target(name: str | None = None) -> Target:
    """The target named, else $SECML_TARGET, else local."""
    chosen = name or os.environ.get("SECML_TARGET") or "local"
    if chosen not in TARGET_NAMES:
        raise InputError(f"unknown target {chosen!r}: choose one of {', '.join(TARGET_NAMES)}")
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
    if chosen == "local":
        region = os.environ.get("SECML_LOCAL_REGION", DEFAULT_REGION)
    port = int(os.environ.get("SECML_EMULATOR_PORT", DEFAULT_EMULATOR_PORT))
    return Target(name=chosen, region=region, emulator_port=port)
