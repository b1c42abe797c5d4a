"""Static checks of the Terraform code: `terraform fmt -check`; `terraform validate` of the root
stack, each module and each example on its own; the generated README tables (terraform-docs format)
and the tflint core rules over every module folder; then checkov over terraform/ (test fixtures
excluded)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from secml.core.checkout import terraform_dir
from secml.core.errors import InputError
from secml.infra import terraform_checks, terraform_docs
from secml.infra.terraform import plugin_dir_args, terraform_binary

# Folders under terraform/ that hold test inputs, not deployable code.
CHECKOV_SKIPPED_PATHS = ("tests",)


@dataclass(frozen=True)
class CheckResult:
    name: str
    returncode: int
    output: str

    @property
    def passed(self) -> bool:
        return self.returncode == 0


def _run(name: str, command: list[str], env: dict[str, str] | None = None) -> CheckResult:
    completed = subprocess.run(
        command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
    )
    return CheckResult(name=name, returncode=completed.returncode, output=completed.stdout)


def configurations(root: Path) -> list[Path]:
    """The root stack, every module and every example: each is validated, documented and checked
    on its own, as a registry module is."""
    modules = sorted(path.parent for path in (root / "modules").glob("*/main.tf"))
    examples = sorted(path.parent for path in (root / "examples").glob("*/main.tf"))
    return [root, *modules, *examples]


def fmt_check(root: Path) -> CheckResult:
    command = [terraform_binary(), f"-chdir={root}", "fmt", "-check", "-recursive", "-diff"]
    return _run("terraform fmt", command)


def validate(config: Path, data_root: Path) -> CheckResult:
    """`init -backend=false` (from the mirror where TF_PLUGIN_DIR is set) then `validate`, with
    working data outside the source tree."""
    env = dict(os.environ, TF_DATA_DIR=str(data_root / config.name), TF_IN_AUTOMATION="1")
    name = f"terraform validate {config.relative_to(terraform_dir().parent)}"
    init_args = ["init", "-backend=false", "-input=false", "-no-color", *plugin_dir_args()]
    init = _run(name, [terraform_binary(), f"-chdir={config}", *init_args], env)
    if not init.passed:
        return init
    return _run(name, [terraform_binary(), f"-chdir={config}", "validate", "-no-color"], env)


def documentation(configs: list[Path], update: bool) -> CheckResult:
    """Each README's inputs/outputs block matches the code (`update` rewrites stale ones first)."""
    if update:
        # A folder without a README is reported by the module rules; its introduction is hand-written.
        for config in configs:
            if (config / terraform_docs.README).is_file():
                terraform_docs.update(config)
    stale = terraform_docs.drifted(configs)
    lines = [f"{readme}: the generated block is out of date; run `secml lint --update-docs`" for readme in stale]
    return CheckResult("terraform docs (README inputs/outputs)", int(bool(stale)), "\n".join(lines))


def module_rules(configs: list[Path]) -> CheckResult:
    """tflint's core rules: no unused declarations, a typed and described interface, the standard
    module structure."""
    findings = terraform_checks.check(configs)
    return CheckResult("terraform rules (tflint core)", int(bool(findings)), "\n".join(map(str, findings)))


def checkov(checkov_bin: str, root: Path) -> CheckResult:
    command = [checkov_bin, "--directory", str(root), "--framework", "terraform"]
    command += ["--compact", "--quiet", "--skip-download"]
    for skipped in CHECKOV_SKIPPED_PATHS:
        command += ["--skip-path", skipped]
    return _run("checkov", command)


def run_all(checkov_bin: str | None, update_docs: bool = False) -> list[CheckResult]:
    root = terraform_dir()
    configs = configurations(root)
    results = [fmt_check(root), documentation(configs, update_docs), module_rules(configs)]
    with tempfile.TemporaryDirectory(prefix="secml-validate-") as data_root:
        results += [validate(config, Path(data_root)) for config in configs]
    if checkov_bin is not None:
        if not Path(checkov_bin).is_file():
            raise InputError(f"checkov not found at {checkov_bin}; run `make setup`")
        results.append(checkov(checkov_bin, root))
    return results
