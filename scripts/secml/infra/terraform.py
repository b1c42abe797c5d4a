"""Run Terraform on the root stack for one target, with that target's own state.

State and working data live in the target's state folder (`.secml/<target>/terraform/`, through
`-state` and TF_DATA_DIR), so local and AWS state never mix, and a test run with its own
SECML_STATE_DIR never touches the user's. On the emulator the state file is per port
(`stack-<port>.tfstate`): each emulator holds its own stack, so `make down` against one port
never forgets or destroys the stack of an emulator on another. A plain `terraform -chdir=terraform ...` keeps its own
default state in terraform/ (or a team's backend). Terraform 1.11 calls `-state` legacy but
supports it; it is the only way to place local state without hard-coding a backend block.
Where a provider mirror is given (TF_PLUGIN_DIR), init installs from it and works offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secml.core.checkout import terraform_dir
from secml.core.errors import InputError, ServiceError
from secml.core.target import Target
from secml.emulator.server import is_running


def terraform_binary() -> str:
    binary = shutil.which("terraform")
    if binary is None:
        raise InputError("terraform is not on PATH; install Terraform >= 1.5")
    return binary


# Where an offline provider mirror is looked for when TF_PLUGIN_DIR is not set (the Makefile's
# list too, so `secml stack up` run directly finds what `make up` finds).
PLUGIN_DIR_CANDIDATES = (Path("/opt/tf-plugins"), Path("/usr/local/share/terraform/plugins"))


def plugin_dir() -> Path | None:
    """The provider mirror init installs from: $TF_PLUGIN_DIR, else the first candidate folder
    that exists; None means init downloads providers from the registry as usual."""
    given = os.environ.get("TF_PLUGIN_DIR")
    if given:
        if not Path(given).is_dir():
            raise InputError(f"TF_PLUGIN_DIR={given} is not a folder")
        return Path(given)
    return next((candidate for candidate in PLUGIN_DIR_CANDIDATES if candidate.is_dir()), None)


def provider_source() -> str:
    """Where `terraform init` will get the AWS provider, in words (for `secml doctor`)."""
    found = plugin_dir()
    if found is None:
        return "the Terraform registry (online; set TF_PLUGIN_DIR to a provider mirror on offline machines)"
    origin = "TF_PLUGIN_DIR" if os.environ.get("TF_PLUGIN_DIR") else "found on this machine"
    return f"the provider mirror {found} ({origin})"


# Terraform's error for a resource that exists but is not in the state, and the resource address
# it names on a following "with ..." line. Two ways lead there: an apply cut short by Ctrl-C
# cancels requests in flight, so AWS (or the emulator) made the resource and Terraform never
# recorded it; or the provider's SDK lost a create's answer and retried it, and the retry met the
# resource its first attempt made (hashicorp/terraform-provider-aws#30135). Names are fixed, so
# the create then fails. Lambda words it "Function already exist"; SageMaker names no resource
# after "creating" and says "Cannot create a duplicate Notebook Instance (<its ARN>)".
ALREADY_EXISTS = re.compile(r"Error: creating (?P<kind>[^(]+?) \((?P<name>[^)]+)\):.*(?:already exist|AlreadyExists)")
DUPLICATE = re.compile(
    r"Error: creating (?P<kind>[^:(]+?): .*Cannot create a duplicate [^(]*\(arn:[^)]*/(?P<name>[^/)]+)\)"
)
RESOURCE_ADDRESS = re.compile(r"^\s*with (?P<address>[^,\s]+),\s*$")
# Lines of Terraform's error output kept to explain a failure (it is shown to the user as it comes).
STDERR_TAIL_LINES = 400


@dataclass(frozen=True)
class UnrecordedResource:
    """A resource Terraform could not create because it already exists: "IAM Role secml-x", its
    name (the import id of most kinds) and its address in the configuration, when Terraform said."""

    kind: str
    name: str
    address: str | None

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"


def unrecorded_resources(errors: Iterable[str]) -> list[UnrecordedResource]:
    """The resources an apply's error output says already exist, each once, in order."""
    found: dict[tuple[str, str], UnrecordedResource] = {}
    pending: tuple[str, str] | None = None
    for line in errors:
        if match := ALREADY_EXISTS.search(line) or DUPLICATE.search(line):
            pending = (match["kind"], match["name"])
            found.setdefault(pending, UnrecordedResource(*pending, None))
        elif pending is not None and (match := RESOURCE_ADDRESS.match(line)):
            found[pending] = UnrecordedResource(*pending, match["address"])
            pending = None
    return list(found.values())


def _copy_lines(source: Iterable[str], tail: deque[str]) -> None:
    """Show Terraform's error output as it comes, keeping its last lines to explain a failure."""
    for line in source:
        sys.stderr.write(line)
        sys.stderr.flush()
        tail.append(line)


def plugin_dir_args() -> list[str]:
    """`-plugin-dir=<mirror>` when a provider mirror is given or found, else nothing (online init)."""
    found = plugin_dir()
    return [] if found is None else [f"-plugin-dir={found}"]


@dataclass(frozen=True)
class TerraformRunner:
    """Terraform commands for `config_dir` against `target`, with per-target state."""

    target: Target
    config_dir: Path = field(default_factory=terraform_dir)

    @property
    def data_dir(self) -> Path:
        """TF_DATA_DIR: providers and modules installed by init (Terraform's `.terraform`)."""
        return self.target.state_dir / "terraform" / "data"

    @property
    def state_path(self) -> Path:
        name = f"stack-{self.target.emulator_port}.tfstate" if self.target.is_emulator else "stack.tfstate"
        return self.target.state_dir / "terraform" / name

    def environment(self) -> dict[str, str]:
        env = self.target.environment()
        env["TF_DATA_DIR"] = str(self.data_dir)
        env["TF_IN_AUTOMATION"] = "1"
        env["TF_INPUT"] = "0"
        return env

    def run(self, *args: str, capture: bool = False) -> str:
        command = [terraform_binary(), f"-chdir={self.config_dir}", *args]
        process = subprocess.Popen(
            command,
            env=self.environment(),
            text=True,
            stdout=subprocess.PIPE if capture else None,
            # Kept apart from stdout: warnings (e.g. a missing CLI config file) must not corrupt
            # `terraform output -json`; they are shown when the command fails. Otherwise shown as
            # they come, with their last lines kept to explain a failure.
            stderr=subprocess.PIPE,
        )
        tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        copier = None
        if not capture:
            copier = threading.Thread(target=_copy_lines, args=(process.stderr, tail), daemon=True)
            copier.start()
        try:
            stdout, stderr = process.communicate() if capture else (None, None)
            process.wait()
        except KeyboardInterrupt:
            # Ctrl-C reached Terraform too (same process group): let it stop cleanly and write
            # its state, rather than killing it mid-write as subprocess.run would.
            self._wait_after_interrupt(process, capture)
            raise
        finally:
            if copier is not None:
                copier.join(timeout=5)
        if process.returncode != 0:
            if capture:
                print(stdout, stderr, sep="\n", file=sys.stderr)
            raise self._failure(args[0], process.returncode, (stderr or "").splitlines() or list(tail))
        return stdout or ""

    @staticmethod
    def _wait_after_interrupt(process: subprocess.Popen[str], capture: bool) -> None:
        while True:
            try:
                process.communicate() if capture else process.wait()
                return
            except KeyboardInterrupt:  # a second Ctrl-C: Terraform's own "stop now"
                process.send_signal(signal.SIGINT)

    def _failure(self, command: str, status: int, errors: Iterable[str] = ()) -> ServiceError:
        """Why Terraform failed, when it is something we can tell: the emulator died under it, or
        an interrupted apply left resources it created out of the state."""
        if self.target.is_emulator and not is_running(self.target):
            return ServiceError(
                f"terraform {command} failed because the emulator on {self.target.endpoint_url} stopped; "
                "run make up again (an emulator's resources die with it)"
            )
        unrecorded = unrecorded_resources(errors)
        if unrecorded:
            recovery = (
                "make down, then make up, starts clean"
                if self.target.is_emulator
                else "import them (terraform import, with this state) or delete them, then make up again"
            )
            return ServiceError(
                f"terraform {command} failed: {', '.join(map(str, unrecorded))} already exist but are not in "
                "the state (an interrupted apply created them, or the provider retried a create whose answer "
                f"it lost); {recovery}"
            )
        return ServiceError(f"terraform {command} failed (exit {status}) on target {self.target.name}")

    @staticmethod
    def _display() -> list[str]:
        """Warnings in one line each; no colour codes when the output goes to a file or a pipe."""
        return ["-compact-warnings"] + ([] if sys.stdout.isatty() else ["-no-color"])

    def _variables(self, chosen: dict[str, str] | None = None) -> list[str]:
        """`-var` for the region and for what the driver chose (e.g. reusing a detector); every
        other variable comes from the user's tfvars or TF_VAR_*, as for plain terraform."""
        values = {"region": self.target.region, **(chosen or {})}
        return [f"-var={name}={value}" for name, value in values.items()]

    def init(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.run("init", "-no-color", *plugin_dir_args(), capture=True)

    def apply(self, chosen: dict[str, str] | None = None) -> None:
        self.run("apply", "-auto-approve", f"-state={self.state_path}", *self._display(), *self._variables(chosen))

    def destroy(self, chosen: dict[str, str] | None = None) -> None:
        self.run("destroy", "-auto-approve", f"-state={self.state_path}", *self._display(), *self._variables(chosen))

    def variable_values(self, names: list[str]) -> dict[str, Any]:
        """The root variables' values as the next plan would see them (defaults, the user's
        tfvars, TF_VAR_*), through `terraform console`, which calls no AWS API."""
        expression = "jsonencode({" + ", ".join(f"{name} = var.{name}" for name in names) + "})"
        completed = subprocess.run(
            [terraform_binary(), f"-chdir={self.config_dir}", "console", f"-state={self.state_path}",
             *self._variables()],
            input=expression, env=self.environment(), text=True, capture_output=True, check=False,
        )  # fmt: skip
        if completed.returncode != 0:
            raise ServiceError(f"terraform console failed: {completed.stderr.strip()[-500:]}")
        return dict(json.loads(json.loads(completed.stdout.strip().splitlines()[-1])))

    def outputs(self) -> dict[str, Any]:
        """Output values as plain Python (`terraform output -json` without its type wrappers);
        empty when the stack is not applied on this target."""
        if not self.state_path.is_file():
            return {}
        state = f"-state={self.state_path}"
        printed = self.run("output", "-json", "-no-color", state, capture=True)
        raw = json.loads(printed or "{}")
        return {name: entry["value"] for name, entry in raw.items()}

    def resources(self) -> list[str]:
        """The resource addresses the state holds (`terraform state list`): what `destroy` has to
        remove, whether or not the outputs survived an interrupted destroy."""
        if not self.state_path.is_file():
            return []
        listed = self.run("state", "list", f"-state={self.state_path}", capture=True)
        return [line for line in listed.splitlines() if line.strip()]

    def forget_state(self) -> None:
        """Drop this target's state: for the emulator, whose resources vanished when it stopped,
        so there is nothing left to destroy."""
        for path in (self.state_path, self.state_path.with_name(f"{self.state_path.name}.backup")):
            path.unlink(missing_ok=True)
