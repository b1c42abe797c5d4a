"""Whether the driver is installed on the SageMaker notebook instance: the notebook's first cell
waits here before it imports anything heavier.

The stack's lifecycle script installs the driver once into a persistent environment on the
instance's volume (`/home/ec2-user/SageMaker/.secml/env`, kernel `secml`), in the background
because pip may outlast the five minutes a lifecycle script is allowed; it writes `install.ready`
or `install.failed` beside `install.log` when it ends. This module is the standard library only,
so it imports before the driver's dependencies are in place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from secml.core.errors import ServiceError

INSTALL_DIR = Path("/home/ec2-user/SageMaker/.secml")
READY, FAILED, LOG = "install.ready", "install.failed", "install.log"
WAIT_S = 900.0
POLL_S = 5.0
LOG_TAIL_LINES = 40


def log_tail(folder: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = (folder / LOG).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {folder / LOG})"
    return "\n".join(text.splitlines()[-lines:])


def wait_for_driver(
    folder: Path = INSTALL_DIR,
    timeout_s: float = WAIT_S,
    interval_s: float = POLL_S,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    say: Callable[[str], None] = print,
) -> str:
    """Return once the install has succeeded; raise with the log's last lines when it failed or
    has not finished within `timeout_s`. Off a notebook instance (no `folder`) there is nothing
    to wait for."""
    if not folder.is_dir():
        return "not on a notebook instance: nothing to wait for"
    started = clock()
    announced = False
    while not (folder / READY).is_file():
        if (folder / FAILED).is_file():
            raise ServiceError(f"installing the secml driver failed; the end of {folder / LOG}:\n{log_tail(folder)}")
        if clock() - started >= timeout_s:
            raise ServiceError(
                f"the secml driver is still installing after {timeout_s:.0f} s; the end of {folder / LOG}:\n"
                f"{log_tail(folder)}"
            )
        if not announced:
            say(f"waiting for the driver's install to finish (at most {timeout_s / 60:.0f} min; log: {folder / LOG})")
            announced = True
        sleep(interval_s)
    return f"the secml driver is installed ({(folder / READY).read_text(encoding='utf-8').strip()})"
