"""Static checks of terraform/: formatting, validation of the root and each module, the
`terraform test` suites (mock provider) and checkov with no failed check."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from secml.core.checkout import project_root, terraform_dir
from secml.infra.lint import (
    CHECKOV_SKIPPED_PATHS,
    checkov,
    configurations,
    fmt_check,
    validate,
)
from secml.infra.terraform import plugin_dir_args, terraform_binary

pytestmark = pytest.mark.terraform


def test_terraform_is_formatted() -> None:
    result = fmt_check(terraform_dir())
    assert result.passed, result.output


@pytest.mark.parametrize("config", configurations(terraform_dir()), ids=lambda path: path.name)
def test_configuration_validates(config: Path, tmp_path: Path) -> None:
    result = validate(config, tmp_path)
    assert result.passed, result.output


def initialised_root(tmp_path: Path) -> dict[str, str]:
    """`terraform init` of the root with its working data under tmp_path; the environment to reuse."""
    env = dict(os.environ, TF_DATA_DIR=str(tmp_path / "data"), TF_IN_AUTOMATION="1")
    init = subprocess.run(
        [
            terraform_binary(),
            f"-chdir={terraform_dir()}",
            "init",
            "-backend=false",
            "-input=false",
            "-no-color",
            *plugin_dir_args(),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    return env


def test_module_tests_pass_with_mock_provider(built_artifacts, tmp_path: Path) -> None:
    """`terraform test` on the modules' logic: validation, policy contents, encryption, reuse."""
    env = initialised_root(tmp_path)
    root = terraform_dir()
    test = subprocess.run(
        [
            terraform_binary(),
            f"-chdir={root}",
            "test",
            "-no-color",
            f"-var=package_dir={built_artifacts.lambda_dir}",
            f"-var=lambda_package_dir={built_artifacts.lambda_dir}",
            f"-var=driver_wheel_path={built_artifacts.driver_wheel}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert test.returncode == 0, test.stdout + test.stderr
    assert "0 failed" in test.stdout


def test_export_destination_waits_for_the_policies_that_grant_it(tmp_path: Path) -> None:
    """GuardDuty refuses a publishing destination it may not yet write to: in the root's graph the
    destination depends on the bucket policy and the key (with its policy), not only the bucket."""
    env = initialised_root(tmp_path)
    root = terraform_dir()
    graph = subprocess.run(
        [terraform_binary(), f"-chdir={root}", "graph"], env=env, capture_output=True, text=True, check=False
    )
    assert graph.returncode == 0, graph.stderr
    destination = '"module.guardduty_export.aws_guardduty_publishing_destination.this"'
    assert f'{destination} -> "module.tuples_bucket.aws_s3_bucket_policy.tuples"' in graph.stdout
    assert f'{destination} -> "module.tuples_bucket.aws_kms_key.tuples"' in graph.stdout


def test_checkov_finds_no_failed_check() -> None:
    checkov_bin = os.environ.get("CHECKOV") or str(project_root() / ".venv-checkov" / "bin" / "checkov")
    result = checkov(checkov_bin, terraform_dir())
    assert result.passed, result.output
    assert "Failed checks: 0" in result.output


def test_every_checkov_skip_is_justified() -> None:
    """Each inline skip names a check and gives a reason; fixtures are not scanned."""
    skips = [
        line.strip()
        for path in terraform_dir().rglob("*.tf")
        if not set(path.relative_to(terraform_dir()).parts) & set(CHECKOV_SKIPPED_PATHS)
        for line in path.read_text().splitlines()
        if "checkov:skip" in line
    ]
    assert skips
    for skip in skips:
        check_id, _, reason = skip.removeprefix("#checkov:skip=").partition(":")
        assert check_id.startswith(("CKV_AWS_", "CKV2_AWS_")) and len(reason) > 20, skip
