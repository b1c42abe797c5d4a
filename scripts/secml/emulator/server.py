"""Start, find and stop the emulator process for a target, with its pid and log in the target's
state folder (`.secml/local/emulator-<port>.pid`, `emulator-<port>.log`): one pair per port, so
emulators on other ports (a test run beside a user's stack) never stop each other.

A pid file is trusted only when its process is our emulator for that port (its command line), and
an answer on the port only when it carries that process's id (IDENTITY_HEADER): a stale pid file
never gets another process signalled, and another clone's emulator on the same port is never
taken for ours."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

from secml.core.errors import InputError, NotReadyError, ServiceError
from secml.core.target import EMULATOR_HOST, Target

READY_TIMEOUT_S = 30.0
SERVE_MODULE = "secml.emulator.serve"
# Set by serve.py on every answer: the id of the emulator process that answered.
IDENTITY_HEADER = "X-Secml-Emulator-Pid"


@dataclass(frozen=True)
class EmulatorFiles:
    pid: Path
    log: Path

    @classmethod
    def of(cls, target: Target) -> EmulatorFiles:
        stem = target.state_dir / f"emulator-{target.emulator_port}"
        return cls(pid=stem.with_suffix(".pid"), log=stem.with_suffix(".log"))


def not_running(target: Target) -> NotReadyError:
    """The one message for a command that needs the emulator when it is not there."""
    return NotReadyError(f"the emulator on {EMULATOR_HOST}:{target.emulator_port} is not running; run make up")


def answering_pid(endpoint_url: str, timeout_s: float = 1.0) -> int | None:
    """The process id of the secml emulator answering at this URL; 0 when a server answers
    without saying it is one (another moto, another program); None when nothing answers. Asks
    for moto's small config document, not data.json, which serialises the whole emulator state."""
    try:
        with urllib.request.urlopen(f"{endpoint_url}/moto-api/config", timeout=timeout_s) as answer:
            identity = answer.headers.get(IDENTITY_HEADER, "")
    except urllib.error.HTTPError as error:  # an answer all the same
        identity = error.headers.get(IDENTITY_HEADER, "")
    except (urllib.error.URLError, OSError):
        return None
    return int(identity) if identity.isdigit() else 0


def is_answering(endpoint_url: str, timeout_s: float = 1.0) -> bool:
    """True when some server answers at this URL (ours or not: see `answering_pid`)."""
    return answering_pid(endpoint_url, timeout_s) is not None


def is_our_emulator(pid: int, port: int) -> bool:
    """Whether process `pid` is `python -m secml.emulator.serve --port <port>` (Linux /proc; where
    there is no /proc, a live process is trusted as before)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except FileNotFoundError:
        return not Path("/proc/self").exists()
    except OSError:
        return False
    words = [word.decode(errors="replace") for word in arguments]
    return SERVE_MODULE in words and any(
        word == "--port" and following == str(port) for word, following in pairwise(words)
    )


def running_pid(target: Target) -> int | None:
    """The pid of our emulator for the target's port, from its pid file; None when the file is
    missing, or names a process that is gone or is not our emulator (a stale file)."""
    files = EmulatorFiles.of(target)
    try:
        pid = int(files.pid.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid if is_our_emulator(pid, target.emulator_port) else None


def is_running(target: Target) -> bool:
    """Our emulator runs for the target and it is what answers on its port."""
    pid = running_pid(target)
    return pid is not None and target.endpoint_url is not None and answering_pid(target.endpoint_url) == pid


def require_running(target: Target) -> None:
    """NotReadyError with the standard message unless our emulator runs and answers."""
    if target.is_emulator and not is_running(target):
        raise not_running(target)


def start(target: Target) -> str:
    """Start the emulator unless ours already runs; returns its endpoint URL once it answers."""
    if not target.is_emulator or target.endpoint_url is None:
        raise InputError("the emulator only runs for TARGET=local")
    url = target.endpoint_url
    if is_running(target):
        return url
    if is_answering(url):
        raise ServiceError(
            f"something else already answers on {url} (not this checkout's emulator); "
            "stop it or set SECML_EMULATOR_PORT"
        )
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
            files.pid.unlink(missing_ok=True)
            raise ServiceError(f"the emulator exited at start (is {url} taken?); see {files.log}")
        if answering_pid(url) == process.pid:
            return url
        time.sleep(0.2)
    stop(target)
    raise ServiceError(f"the emulator did not answer on {url} within {READY_TIMEOUT_S:.0f} s")


def stop(target: Target) -> bool:
    """Stop our emulator if it runs; True when one was stopped. Its state is in memory only.
    A stale pid file is removed without signalling the process it names."""
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


def known_ports(target: Target) -> list[int]:
    """Ports of the emulators this checkout has pid files for, in the target's state folder."""
    ports = []
    for pid_file in sorted(target.state_dir.glob("emulator-*.pid")):
        port = pid_file.stem.removeprefix("emulator-")
        if port.isdigit():
            ports.append(int(port))
    return ports


def stop_all(target: Target) -> list[int]:
    """Stop every emulator this checkout started (one per port with a pid file); the ports stopped."""
    stopped = []
    for port in known_ports(target):
        if stop(replace(target, emulator_port=port)):
            stopped.append(port)
    return stopped
