"""Run a Lambda function's deployment package in a subprocess, as the Lambda runtime would.

The emulator's Lambda Invoke (patches/lambda_subprocess_invoke.py) calls this instead of Docker:
the zip is unpacked once per code version, the handler runs under `lambda_bootstrap.py` with the
function's environment, is stopped at its timeout, and is killed when its resident memory passes
its MemorySize (Lambda's own limit is on memory used, so RSS is the closest local measure). The
log is framed with the START/END/REPORT lines Lambda writes.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
MEMORY_POLL_S = 0.02


@dataclass(frozen=True)
class FunctionSpec:
    """What the runtime needs of a function's configuration."""

    name: str
    handler: str
    code_zip: bytes
    environment: dict[str, str]
    timeout_s: float
    memory_mb: int


@dataclass(frozen=True)
class HandlerRun:
    """One invocation's outcome: `payload` is the JSON text the function answered (its result,
    or Lambda's error object); `function_error` is set when it failed, as Lambda's header is."""

    payload: str
    function_error: str | None
    log: str
    request_id: str
    max_memory_mb: int


class _CodeCache:
    """Deployment packages unpacked once per content, for the emulator process's lifetime: a
    backfill invokes the same code thousands of times."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._root: Path | None = None
        self._unpacked: dict[str, Path] = {}

    def folder(self, code_zip: bytes) -> Path:
        digest = hashlib.sha256(code_zip).hexdigest()
        with self._lock:
            if digest not in self._unpacked:
                if self._root is None:
                    self._root = Path(tempfile.mkdtemp(prefix="secml-lambda-code-"))
                    atexit.register(shutil.rmtree, self._root, True)
                staging, final = self._root / f"{digest}.partial", self._root / digest
                with zipfile.ZipFile(io.BytesIO(code_zip)) as archive:
                    archive.extractall(staging)
                staging.rename(final)
                self._unpacked[digest] = final
            return self._unpacked[digest]


CODE_CACHE = _CodeCache()


def _error_payload(message: str, error_type: str) -> dict[str, Any]:
    return {"errorMessage": message, "errorType": error_type}


def _resident_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
        return None
    return None


def _watch_memory(process: subprocess.Popen[str], limit_kb: int, exceeded: threading.Event) -> None:
    """Kill the process once its resident memory passes the limit, as Lambda stops a function
    that runs out of memory."""
    while process.poll() is None:
        resident = _resident_kb(process.pid)
        if resident is not None and resident > limit_kb:
            exceeded.set()
            process.kill()
            return
        time.sleep(MEMORY_POLL_S)


def _captured_text(captured: bytes | str | None) -> str:
    """What a stopped process wrote: `subprocess` hands over raw bytes after a timeout."""
    if isinstance(captured, bytes):
        return captured.decode("utf-8", "replace")
    return captured or ""


def run(spec: FunctionSpec, event_json: str) -> HandlerRun:
    """Run the function's handler once over the event (JSON text)."""
    code_dir = CODE_CACHE.folder(spec.code_zip)
    request_id = str(uuid.uuid4())
    environment = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LAMBDA_TASK_ROOT": str(code_dir),
        "_HANDLER": spec.handler,
        **spec.environment,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "SECML_LAMBDA_TIMEOUT_S": str(spec.timeout_s),
        "SECML_LAMBDA_REQUEST_ID": request_id,
    }
    exceeded = threading.Event()
    with tempfile.TemporaryDirectory(prefix="secml-lambda-run-") as workdir:
        result_file = Path(workdir) / "result.json"
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-I", str(BOOTSTRAP), str(code_dir), spec.handler, str(result_file)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            cwd=code_dir, env=environment,
        )  # fmt: skip
        watcher = threading.Thread(target=_watch_memory, args=(process, spec.memory_mb * 1024, exceeded), daemon=True)
        watcher.start()
        try:
            output, _ = process.communicate(event_json, timeout=spec.timeout_s)
            timed_out = False
        except subprocess.TimeoutExpired:
            process.kill()
            output = _captured_text(process.communicate()[0])
            timed_out = True
        duration_ms = (time.monotonic() - started) * 1000
        outcome = json.loads(result_file.read_text()) if result_file.exists() else None
    max_memory_mb = spec.memory_mb if exceeded.is_set() else round((outcome or {}).get("max_memory_kb", 0) / 1024)
    if timed_out:
        outcome = {"error": "Unhandled", "payload": _error_payload(
            f"Task timed out after {spec.timeout_s:.2f} seconds", "Sandbox.Timedout")}  # fmt: skip
    elif exceeded.is_set():
        outcome = {"error": "Unhandled", "payload": _error_payload(
            "Runtime exited with error: signal: killed", "Runtime.OutOfMemory")}  # fmt: skip
    elif outcome is None:
        outcome = {"error": "Unhandled", "payload": _error_payload(
            f"Runtime exited with status {process.returncode}", "Runtime.ExitError")}  # fmt: skip
    log = (
        f"START RequestId: {request_id} Version: $LATEST\n{output}"
        f"END RequestId: {request_id}\n"
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Memory Size: {spec.memory_mb} MB\tMax Memory Used: {max_memory_mb} MB\n"
    )
    return HandlerRun(json.dumps(outcome["payload"], default=str), outcome.get("error"), log, request_id, max_memory_mb)
