"""The emulator and the stack under careless use: stale pid files, two clones on one port, an
emulator that is gone, an interrupted destroy, `make clean`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from hostile_helpers import free_port, snapshot, unchanged

from secml.core.errors import ServiceError
from secml.core.target import DEFAULT_REGION, Target
from secml.emulator import server
from secml.infra import stack
from secml.infra.terraform import TerraformRunner


@pytest.fixture
def local_target(monkeypatch: pytest.MonkeyPatch) -> Target:
    """A local target on a port where nothing listens."""
    port = free_port()
    monkeypatch.setenv("SECML_EMULATOR_PORT", str(port))
    return Target(name="local", region=DEFAULT_REGION, emulator_port=port)


@pytest.fixture
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """A process that is not our emulator, whose pid a stale pid file names."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait()


def test_a_stale_pid_file_never_gets_another_process_signalled(
    local_target: Target, bystander: subprocess.Popen[bytes], secml
) -> None:
    pid_file = server.EmulatorFiles.of(local_target).pid
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(str(bystander.pid))
    result = secml("emulator", "stop")
    assert result.status == 0 and "emulator was not running" in result.out
    assert bystander.poll() is None  # still alive: never signalled
    assert not pid_file.exists()


def test_make_clean_stops_only_what_it_started_on_every_port(
    local_target: Target, bystander: subprocess.Popen[bytes], secml
) -> None:
    other = replace(local_target, emulator_port=free_port())
    for target in (local_target, other):
        files = server.EmulatorFiles.of(target)
        files.pid.parent.mkdir(parents=True, exist_ok=True)
        files.pid.write_text(str(bystander.pid))
    assert server.known_ports(local_target) == sorted([local_target.emulator_port, other.emulator_port])
    result = secml("emulator", "stop", "--all")
    assert result.status == 0 and "no emulator was running" in result.out
    assert bystander.poll() is None and server.known_ports(local_target) == []


def test_make_clean_keeps_reports(project_root: Path) -> None:
    makefile = (project_root / "Makefile").read_text()
    clean = makefile[makefile.index("\nclean:") :]
    assert "rm -rf build .secml/local" in clean and "reports" not in clean.split("\n", 2)[2]
    assert "emulator stop --all" in clean


@pytest.mark.parametrize(
    "command",
    [
        ("stack", "outputs"),
        ("findings", "sample"),
        ("tuples", "cloudtrail", "s3://some-bucket/cloudtrail/"),
        ("score", "--model", "s3://some-bucket/model", "--input", "s3://some-bucket/infer/t.csv"),
        ("lambda", "invoke", "secml-cloudtrail-ingest"),
    ],
)
def test_every_command_says_the_emulator_is_not_running(local_target: Target, secml, command: tuple[str]) -> None:
    result = secml(*command)
    assert result.status == 1, result.err
    assert f"the emulator on 127.0.0.1:{local_target.emulator_port} is not running; run make up" in result.err


def test_stack_outputs_does_not_answer_from_the_state_of_a_dead_emulator(local_target: Target, secml) -> None:
    state = TerraformRunner(local_target).state_path
    state.parent.mkdir(parents=True)
    state.write_text('{"version": 4, "outputs": {"tuples_bucket": {"value": "gone", "type": "string"}}}')
    result = secml("stack", "outputs")
    assert result.status == 1 and "is not running; run make up" in result.err and "gone" not in result.out


def test_terraform_failing_because_the_emulator_died_says_so(local_target: Target) -> None:
    error = TerraformRunner(local_target)._failure("apply", 1)
    assert isinstance(error, ServiceError)
    assert "failed because the emulator on" in str(error) and "run make up again" in str(error)


def test_down_after_an_interrupted_destroy_still_destroys(
    local_target: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A destroy cut short leaves resources in the state and no outputs: decided by the resources."""
    destroyed: list[bool] = []
    monkeypatch.setattr(server, "running_pid", lambda target: 1234)
    monkeypatch.setattr(server, "stop", lambda target: True)
    monkeypatch.setattr(TerraformRunner, "init", lambda self: None)
    monkeypatch.setattr(TerraformRunner, "resources", lambda self: ["module.bucket.aws_s3_bucket.tuples"])
    monkeypatch.setattr(TerraformRunner, "outputs", lambda self: {})
    monkeypatch.setattr(TerraformRunner, "destroy", lambda self, *variables: destroyed.append(True))
    monkeypatch.setattr(stack, "build_all", lambda: None)
    monkeypatch.setattr("secml.ipinsights.cleanup.delete_hosted_resources", lambda target: [])
    stack.down(local_target)
    assert destroyed == [True]


def test_interrupting_terraform_lets_it_finish_writing_its_state(local_target: Target, tmp_path: Path, secml) -> None:
    """Ctrl-C during apply: Terraform gets the signal too and stops cleanly; secml waits for it,
    then says "interrupted" (130) instead of killing it mid-write."""
    fake = tmp_path / "bin" / "terraform"
    fake.parent.mkdir()
    marker = tmp_path / "terraform-finished"
    fake.write_text(
        "#!/bin/sh\ntrap 'sleep 0.5; echo done > " + str(marker) + "; exit 1' INT\n"
        "sleep 1; kill -INT $PPID; kill -INT $$\nwhile true; do sleep 0.1; done\n"
    )
    fake.chmod(0o755)
    os.environ["PATH"] = f"{fake.parent}{os.pathsep}{os.environ['PATH']}"
    runner = TerraformRunner(local_target)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        runner.run("apply")
    assert marker.read_text() == "done\n" and time.monotonic() - started < 30


@pytest.mark.emulator
def test_two_clones_on_one_port_never_share_an_emulator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port()
    first = Target(name="local", region=DEFAULT_REGION, emulator_port=port)
    monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path / "clone-a"))
    server.start(first)
    try:
        monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path / "clone-b"))
        with pytest.raises(ServiceError, match="not this checkout's emulator"):
            server.start(first)
        loser = subprocess.run(
            [sys.executable, "-m", "secml.emulator.serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert loser.returncode == 1 and f"cannot listen on 127.0.0.1:{port}" in loser.stderr
        assert not server.is_running(first)  # clone b's view: no pid file of its own
        monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path / "clone-a"))
        assert server.is_running(first)
    finally:
        monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path / "clone-a"))
        server.stop(first)


@pytest.mark.emulator
def test_killing_the_emulator_mid_exercise_then_rerunning_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secml
) -> None:
    port = free_port()
    monkeypatch.setenv("SECML_EMULATOR_PORT", str(port))
    target = Target(name="local", region=DEFAULT_REGION, emulator_port=port)
    server.start(target)
    pid = server.running_pid(target)
    assert pid is not None
    os.kill(pid, 9)  # the emulator dies under the user
    os.waitpid(pid, 0)
    report = tmp_path / "keep.txt"
    report.write_text("an earlier result")
    before = snapshot(report)
    for command in (("exercise", "2.1"), ("stack", "outputs"), ("stack", "down")):
        result = secml(*command)
        if command == ("stack", "down"):
            assert result.status == 0  # the emulator's resources died with it: nothing to destroy
        else:
            assert result.status == 1 and "is not running; run make up" in result.err
    assert unchanged(before)


@pytest.mark.parametrize(
    "command",
    [
        ("tuples", "cloudtrail", "s3://some-bucket/cloudtrail/"),
        ("score", "--model", "s3://some-bucket/model", "--input", "s3://some-bucket/t.csv"),
        ("report", "--scores", "s3://b/s.csv", "--index", "s3://b/i.csv", "--train-scores", "s3://b/t.csv"),
        ("cleanup",),
    ],
)
def test_aws_without_credentials_is_one_line_in_every_subcommand(no_aws_credentials: None, secml, command) -> None:
    result = secml("--target", "aws", *command)
    assert result.status == 2, result.err
    assert "no AWS credentials found" in result.err


def test_an_apply_that_meets_resources_an_interrupted_apply_created_says_how_to_recover(
    local_target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C during apply cancels Terraform's requests in flight: what they created is not in the
    state, and the rerun's create fails with "already exists". One line names them and the way out."""
    fake = tmp_path / "bin" / "terraform"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\necho 'module.notebook.aws_iam_role.notebook: Creating...'\n"
        "echo 'Error: creating IAM Role (secml-notebook): operation error IAM: CreateRole, https response "
        "error StatusCode: 409, EntityAlreadyExists: Role with name secml-notebook already exists.' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr("secml.infra.terraform.is_running", lambda target: True)
    for target, recovery in ((local_target, "make down, then make up, starts clean"),
                             (replace(local_target, name="aws"), "import them (terraform import")):  # fmt: skip
        with pytest.raises(ServiceError) as raised:
            TerraformRunner(target).apply()
        assert str(raised.value).startswith(
            "terraform apply failed: IAM Role secml-notebook already exist but are not in the state "
            "(an interrupted apply created them, or the provider retried a create whose answer it lost); "
        )
        assert recovery in str(raised.value)
    assert "EntityAlreadyExists" in capsys.readouterr().err  # Terraform's own words still reach the user


def test_a_request_aws_would_refuse_before_sending_is_one_line(local_target: Target, secml) -> None:
    result = secml("lambda", "invoke", "")
    assert result.status == 2
    assert "secml lambda: Parameter validation failed: Invalid length for parameter FunctionName" in result.err


LAMBDA_ROLE_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                      "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
HOG = "def handler(event, context):\n    hog = bytearray(400 * 1024 * 1024)\n    return len(hog)\n"
SLEEPER = "import time\ndef handler(event, context):\n    time.sleep(30)\n"


@pytest.mark.emulator
@pytest.mark.parametrize(
    ("name", "source", "settings", "said"),
    [
        ("hostile-hog", HOG, {"MemorySize": 128, "Timeout": 30},
         "hostile-hog failed: Runtime.OutOfMemory: Runtime exited with error: signal: killed"),
        ("hostile-sleeper", SLEEPER, {"MemorySize": 128, "Timeout": 1},
         "hostile-sleeper failed: Sandbox.Timedout: Task timed out after 1.00 seconds"),
    ],
)  # fmt: skip
def test_a_function_over_its_memory_size_or_timeout_fails_as_aws_reports_it(
    emulator_env: Target, monkeypatch: pytest.MonkeyPatch, secml, name: str, source: str, settings: dict, said: str
) -> None:
    import io
    import json
    import zipfile

    import boto3

    monkeypatch.setenv("SECML_EMULATOR_PORT", str(emulator_env.emulator_port))
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("fn.py", source)
    role = boto3.client("iam").create_role(
        RoleName=f"{name}-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_ROLE_POLICY)
    )
    boto3.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role["Role"]["Arn"], Handler="fn.handler",
        Code={"ZipFile": code.getvalue()}, **settings,
    )  # fmt: skip
    result = secml("lambda", "invoke", name)
    assert result.status == 1 and f"secml lambda: {said}" in result.err
