"""The hostile-use suite: what a careless, unlucky or hostile user does (bad paths, garbage and
oversized input, interrupted runs, two writers, two clones, stale pid files). Every test asserts
no traceback, the exit status, the message, and that no earlier file changed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from secml import cli


@pytest.fixture(autouse=True)
def restored_environment() -> Iterator[None]:
    """`secml.cli.main` points os.environ at its target; undo that after every test."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(autouse=True)
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never the user's .secml/: pid files, Terraform state and logs go to a temporary folder."""
    state = tmp_path / "state"
    monkeypatch.setenv("SECML_STATE_DIR", str(state))
    return state


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


Secml = Callable[..., Outcome]


@pytest.fixture
def secml(capsys: pytest.CaptureFixture[str]) -> Secml:
    """Run `secml ARGS...` in this process; asserts it printed no traceback and at most one
    error line."""

    def run(*args: str) -> Outcome:
        status = cli.main([str(arg) for arg in args])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err and "Traceback" not in captured.out
        errors = [line for line in captured.err.splitlines() if line.startswith("secml ")]
        assert len(errors) <= 1, captured.err
        return Outcome(status, captured.out, captured.err)

    return run
