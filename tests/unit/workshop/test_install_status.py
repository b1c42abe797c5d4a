"""The notebook's first cell: wait for the lifecycle script's ready/failed marker, bounded, and
show the install log when it failed or is still running."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from secml.core.errors import ServiceError
from secml.workshop import install_status


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _wait(folder: Path, clock: Clock, on_sleep: object = None) -> str:
    said: list[str] = []

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if callable(on_sleep):
            on_sleep()

    result = install_status.wait_for_driver(
        folder, timeout_s=60, interval_s=5, sleep=sleep, clock=clock, say=said.append
    )
    return result + "".join(f"|{line}" for line in said)


def test_off_the_instance_there_is_nothing_to_wait_for(tmp_path: Path) -> None:
    assert "not on a notebook instance" in install_status.wait_for_driver(tmp_path / "absent")


def test_it_waits_until_the_ready_marker_appears(tmp_path: Path) -> None:
    clock = Clock()

    def finish_after_20_s() -> None:
        if clock.now >= 20:
            (tmp_path / install_status.READY).write_text("secml driver w.whl installed (hash abc)\n")

    result = _wait(tmp_path, clock, finish_after_20_s)
    assert result.startswith("the secml driver is installed (secml driver w.whl installed (hash abc))")
    assert "waiting for the driver's install to finish" in result and clock.now == 20


def test_a_failed_install_shows_the_end_of_its_log(tmp_path: Path) -> None:
    (tmp_path / install_status.LOG).write_text("".join(f"line {n}\n" for n in range(100)) + "ERROR: no space\n")
    (tmp_path / install_status.FAILED).write_text("pip install failed\n")
    with pytest.raises(ServiceError, match="installing the secml driver failed") as failed:
        _wait(tmp_path, Clock())
    assert str(failed.value).endswith("ERROR: no space") and "line 59" not in str(failed.value)


def test_waiting_is_bounded(tmp_path: Path) -> None:
    (tmp_path / install_status.LOG).write_text("Collecting sagemaker>=3\n")
    clock = Clock()
    with pytest.raises(ServiceError, match="still installing after 60 s") as late:
        _wait(tmp_path, clock)
    assert "Collecting sagemaker>=3" in str(late.value) and clock.now == 60


def test_it_imports_with_the_standard_library_alone() -> None:
    """The first cell runs before the driver's dependencies are installed."""
    code = (
        "import sys; import secml.workshop.install_status; "
        "heavy = {'numpy', 'boto3', 'botocore', 'sagemaker', 'numba'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
