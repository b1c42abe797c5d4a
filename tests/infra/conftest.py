"""Fixtures for the infrastructure tests: build outputs in a temporary folder, and Terraform
pointed at the session emulator and, where TF_PLUGIN_DIR names one, at the offline provider mirror
(pytest-terraform runs `terraform init` without -plugin-dir, so a CLI config file carries it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from secml.core.checkout import lambda_src_dir, project_root
from secml.core.target import Target
from secml.infra.artefacts import build_driver_wheel, build_lambda_zips

# Names of the test stack's resources start with this, apart from anything else in the emulator.
STACK_NAME_PREFIX = "secmlit"


@dataclass(frozen=True)
class BuiltArtifacts:
    lambda_dir: Path
    driver_wheel: Path


def provider_mirror_cli_config(plugin_dir: str) -> str:
    """A Terraform CLI config that installs hashicorp/aws from the filesystem mirror only."""
    return (
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{plugin_dir}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
        "}\n"
    )


@pytest.fixture(scope="session")
def stack_name_prefix() -> str:
    return STACK_NAME_PREFIX


@pytest.fixture(scope="session")
def built_artifacts(tmp_path_factory: pytest.TempPathFactory) -> BuiltArtifacts:
    """The Lambda zips and the driver wheel of this checkout, built as `secml build` does."""
    out = tmp_path_factory.mktemp("secml-build")
    build_lambda_zips(lambda_src_dir(), out / "lambda")
    wheel = build_driver_wheel(project_root(), out / "dist")
    return BuiltArtifacts(lambda_dir=out / "lambda", driver_wheel=wheel)


@pytest.fixture(scope="session")
def terraform_cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for Terraform in tests: the offline mirror when TF_PLUGIN_DIR is set."""
    plugin_dir = os.environ.get("TF_PLUGIN_DIR")
    if not plugin_dir:
        return {}
    config = tmp_path_factory.mktemp("terraform-cli") / "terraformrc"
    config.write_text(provider_mirror_cli_config(plugin_dir))
    return {"TF_CLI_CONFIG_FILE": str(config)}


@pytest.fixture(scope="module")
def stack_environment(
    emulator: Target, built_artifacts: BuiltArtifacts, terraform_cli_env: dict[str, str]
) -> Iterator[Target]:
    """Point boto3 and Terraform (run by pytest-terraform in this process's environment) at the
    session emulator, with the test stack's inputs as TF_VAR_*, for one test module only, so
    no other test inherits an emulator endpoint."""
    patch = pytest.MonkeyPatch()
    for key, value in emulator.environment().items():
        patch.setenv(key, value)
    for leak in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SECURITY_TOKEN"):
        patch.delenv(leak, raising=False)
    for key, value in terraform_cli_env.items():
        patch.setenv(key, value)
    patch.setenv("TF_VAR_name_prefix", STACK_NAME_PREFIX)
    patch.setenv("TF_VAR_lambda_package_dir", str(built_artifacts.lambda_dir))
    patch.setenv("TF_VAR_driver_wheel_path", str(built_artifacts.driver_wheel))
    try:
        yield emulator
    finally:
        patch.undo()
