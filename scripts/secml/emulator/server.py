"""Start, find and stop the emulator process for a target, with its pid and log in the target's
state folder (`.secml/local/emulator-<port>.pid`, `emulator-<port>.log`): one pair per port, so
emulators on other ports (a test run beside a user's stack) never stop each other."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from secml.core.errors import InputError, ServiceError
from secml.core.target import Target

READY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class EmulatorFiles:
    pid: Path
    log: Path

    @classmethod
    def of(cls, target: Target) -> EmulatorFiles:
        stem = target.state_dir / f"emulator-{target.emulator_port}"
        return cls(pid=stem.with_suffix(".pid"), log=stem.with_suffix(".log"))


def is_answering(endpoint_url: str, timeout_s: float = 1.0) -> bool:
    """True when a moto server answers its management API at this URL (its small config
    document, not data.json, which serialises the whole emulator state)."""
    try:
        with urllib.request.urlopen(f"{endpoint_url}/moto-api/config", timeout=timeout_s):
            return True
    except (urllib.error.URLError, OSError):
        return False


def running_pid(target: Target) -> int | None:
    files = EmulatorFiles.of(target)
    try:
        pid = int(files.pid.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def start(target: Target) -> str:
    """Start the emulator unless ours already runs; returns its endpoint URL once it answers."""
    if not target.is_emulator or target.endpoint_url is None:
        raise InputError("the emulator only runs for TARGET=local")
    url = target.endpoint_url
    if running_pid(target) is not None and is_answering(url):
        return url
    if is_answering(url):
        raise ServiceError(f"something else already answers on {url}; stop it or set SECML_EMULATOR_PORT")
    files = EmulatorFiles.of(target)
    files.pid.parent.mkdir(parents=True, exist_ok=True)
    with files.log.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "secml.emulator.serve", "--port", str(target.emulator_port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # outlives `make up`, as a service would
            env=target.environment(),
        )
    files.pid.write_text(str(process.pid))
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"the emulator exited at start; see {files.log}")
        if is_answering(url):
            return url
        time.sleep(0.2)
    stop(target)
    raise ServiceError(f"the emulator did not answer on {url} within {READY_TIMEOUT_S:.0f} s")


def stop(target: Target) -> bool:
    """Stop our emulator if it runs; True when one was stopped. Its state is in memory only."""
    files = EmulatorFiles.of(target)
    pid = running_pid(target)
    if pid is None:
        files.pid.unlink(missing_ok=True)
        return False
    os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it when it is our own child (tests)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    files.pid.unlink(missing_ok=True)
    return True
