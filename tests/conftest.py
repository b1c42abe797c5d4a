"""Shared fixtures: an embedded emulator (moto server, with secml's patches) for the whole session."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from secml.core.target import DEFAULT_REGION, Target
from secml.emulator import server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    """One patched moto server for the test session, on a free port, with its own state folder."""
    state = tmp_path_factory.mktemp("secml-state")
    mp = pytest.MonkeyPatch()
    mp.setenv("SECML_STATE_DIR", str(state))
    target = Target(name="local", region=DEFAULT_REGION, emulator_port=_free_port())
    server.start(target)
    try:
        yield target
    finally:
        server.stop(target)
        mp.undo()


@pytest.fixture
def emulator_env(emulator: Target, monkeypatch: pytest.MonkeyPatch) -> Target:
    """Point boto3 (and subprocesses) in this test at the session emulator."""
    for key, value in emulator.environment().items():
        monkeypatch.setenv(key, value)
    for leak in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(leak, raising=False)
    return emulator


@pytest.fixture
def project_root() -> Path:
    return Path(__file__).resolve().parents[1]


@pytest.fixture
def no_aws_credentials(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No credentials anywhere boto3 looks: environment, files, instance metadata."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # credentials an earlier test resolved
