"""The stack's lifecycle cut short as an unlucky user cuts it: the emulator killed while Terraform
applies and while `stack up` seeds its inputs, Ctrl-C during apply, exercise steps and destroy,
each followed by the rerun that must recover.

The scenarios share one emulator port and state folder and run in file order, so one stack
apply serves them all (an apply on the emulator takes about a minute): each test starts from
what the previous one left, as a user's next command does. `secml` runs as a subprocess in its
own process group, and Ctrl-C is SIGINT to that group, as a terminal sends it (Terraform gets it
too; the emulator, started in a session of its own, does not).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hostile_helpers import free_port, snapshot, unchanged

from secml.core.target import DEFAULT_REGION, Target
from secml.emulator import server
from secml.infra.terraform import TerraformRunner

pytestmark = [pytest.mark.emulator, pytest.mark.e2e]

SECML = str(Path(sys.executable).with_name("secml"))
RUN_TIMEOUT_S = 600


@dataclass(frozen=True)
class Finished:
    status: int
    out: str
    err: str

    @property
    def secml_errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("secml ")]


@dataclass(frozen=True)
class Session:
    """The user's shell: one emulator port and state folder for every command."""

    target: Target
    environment: dict[str, str]

    def run(self, *args: str, when: str | None = None, then: Callable[[int], None] | None = None) -> Finished:
        """`secml ARGS`; once a line of its output contains `when`, `then(pid of secml)` acts."""
        process = subprocess.Popen(
            [SECML, *args], env=self.environment, text=True, errors="replace",
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        assert process.stdout is not None and process.stderr is not None
        err_lines: list[str] = []
        reader = threading.Thread(target=err_lines.extend, args=(process.stderr,), daemon=True)
        reader.start()
        watchdog = threading.Timer(RUN_TIMEOUT_S, os.killpg, (process.pid, signal.SIGKILL))
        watchdog.start()
        out_lines, acted = [], False
        for line in process.stdout:
            out_lines.append(line)
            if when is not None and then is not None and not acted and when in line:
                acted = True
                then(process.pid)
        status = process.wait()
        watchdog.cancel()
        reader.join()
        finished = Finished(status, "".join(out_lines), "".join(err_lines))
        assert when is None or acted, f"never saw {when!r}:\n{finished.out[-3000:]}\n{finished.err[-3000:]}"
        assert "Traceback" not in finished.out + finished.err, finished.err[-3000:]
        assert len(finished.secml_errors) <= 1, finished.err[-3000:]
        return finished

    def kill_emulator(self, _: int) -> None:
        pid = server.running_pid(self.target)
        assert pid is not None, "the emulator was not running"
        os.kill(pid, signal.SIGKILL)

    @staticmethod
    def ctrl_c(secml_pid: int) -> None:
        os.killpg(secml_pid, signal.SIGINT)

    @property
    def truth(self) -> Path:
        return self.target.state_dir / "truth.csv"

    def resources(self) -> list[str]:
        return TerraformRunner(self.target).resources()


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    state = tmp_path_factory.mktemp("interrupted-stack")
    port = free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("SECML_TARGET", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL")
    }
    environment |= {"SECML_STATE_DIR": str(state), "SECML_EMULATOR_PORT": str(port), "PYTHONUNBUFFERED": "1"}
    target = Target(name="local", region=DEFAULT_REGION, emulator_port=port)
    try:
        yield Session(target, environment)
    finally:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("SECML_STATE_DIR", str(state))
            server.stop(target)


@pytest.fixture(autouse=True)
def own_state(session: Session, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process sees the session's state folder (the suite's default is one per test)."""
    monkeypatch.setenv("SECML_STATE_DIR", session.environment["SECML_STATE_DIR"])
    return Path(session.environment["SECML_STATE_DIR"])


def assert_interrupted(finished: Finished) -> None:
    assert finished.status == 130, finished.err[-3000:]
    assert finished.err.rstrip().endswith("interrupted") and not finished.secml_errors


def test_ctrl_c_while_terraform_applies(session: Session) -> None:
    finished = session.run("stack", "up", when="Creating...", then=session.ctrl_c)
    assert_interrupted(finished)
    assert server.is_running(session.target)  # the emulator is a service: Ctrl-C leaves it running
    # Terraform cancels the requests in flight: what they created may be missing from the state,
    # so a rerun can meet "already exists" (TerraformRunner names them and the recovery). The
    # rerun below kills the emulator, which takes any such resource with it.


def test_killing_the_emulator_while_terraform_applies(session: Session) -> None:
    """The rerun after Ctrl-C: the emulator dies under Terraform."""
    finished = session.run("stack", "up", when="Creating...", then=session.kill_emulator)
    assert finished.status == 1
    assert finished.secml_errors == [
        f"secml stack: terraform apply failed because the emulator on {session.target.endpoint_url} stopped; "
        "run make up again (an emulator's resources die with it)"
    ]


def test_killing_the_emulator_while_stack_up_seeds(session: Session) -> None:
    """After both interruptions above, the rerun applies everything in a new emulator; that
    emulator then dies while the generated inputs are uploaded."""
    finished = session.run("stack", "up", when="Apply complete!", then=session.kill_emulator)
    assert finished.status == 1
    assert finished.secml_errors == [
        f"secml stack: the emulator on 127.0.0.1:{session.target.emulator_port} is not running; run make up"
    ]
    assert not session.truth.exists()  # no truth without the corpus it describes


def test_stack_up_after_every_interruption_recovers(session: Session) -> None:
    finished = session.run("stack", "up")
    assert finished.status == 0, finished.err[-3000:]
    assert "emulator inputs seeded:" in finished.out and session.truth.is_file()
    assert "module.tuples_bucket.aws_s3_bucket.tuples" in session.resources()


def test_ctrl_c_in_exercise_1_then_rerun(session: Session) -> None:
    assert_interrupted(session.run("exercise", "1", when="=== Exercise 1.1", then=session.ctrl_c))
    finished = session.run("exercise", "1.1")
    assert finished.status == 0 and "sample findings on detector" in finished.out


@pytest.mark.parametrize(("step", "when"), [("2.1", "invoking"), ("2.2", "invoking")])
def test_ctrl_c_in_an_ingest_step_of_exercise_2_then_rerun(session: Session, step: str, when: str) -> None:
    assert_interrupted(session.run("exercise", step, when=when, then=session.ctrl_c))
    finished = session.run("exercise", step)
    assert finished.status == 0, finished.err[-3000:]
    assert "tuples written" in finished.out


def test_ctrl_c_while_exercise_2_trains(session: Session, project_root: Path) -> None:
    reports = project_root / "reports"
    before = sorted(reports.iterdir()) if reports.is_dir() else []
    truth = snapshot(session.truth)
    assert_interrupted(session.run("exercise", "2.4", when="training IP Insights", then=session.ctrl_c))
    assert (sorted(reports.iterdir()) if reports.is_dir() else []) == before  # no half-written report
    assert unchanged(truth)


def test_ctrl_c_while_terraform_destroys_then_down_again(session: Session) -> None:
    assert_interrupted(session.run("stack", "down", when="Destroying...", then=session.ctrl_c))
    assert session.resources()  # cut short: resources left in the state, outputs maybe gone
    finished = session.run("stack", "down")
    assert finished.status == 0 and "stack destroyed on local" in finished.out, finished.err[-3000:]
    assert session.resources() == [] and not server.is_running(session.target)
