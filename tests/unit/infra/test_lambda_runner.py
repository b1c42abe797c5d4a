"""`secml lambda invoke` on the emulator runs the code the emulator holds, not the installed copy:
the driver calls Lambda Invoke, and the emulator's patched Invoke runs the deployed package."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import boto3
import pytest
from ingest_fixtures import account_key, delivered_log, records

from secml import cli
from secml.core.checkout import lambda_src_dir
from secml.core.target import Target
from secml.infra.lambda_runner import InvokeResult, invoke

pytestmark = pytest.mark.emulator
ROLE_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                        "Principal": {"Service": "lambda.amazonaws.com"}}]}  # fmt: skip
RUNNER_BUCKETS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": ["arn:aws:s3:::runner-*"],
                  "Action": ["s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]}]}  # fmt: skip


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue()


def _ingest_zip(handler_file: str) -> bytes:
    source = lambda_src_dir()
    files = {handler_file: (source / handler_file).read_bytes()}
    for module in sorted((source / "secml_ingest").glob("*.py")):
        files[f"secml_ingest/{module.name}"] = module.read_bytes()
    return _zip(files)


def _create(name: str, handler: str, code: bytes, variables: dict[str, str]) -> None:
    iam, lam = boto3.client("iam"), boto3.client("lambda")
    try:
        role = iam.get_role(RoleName="secml-test-ingest")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName="secml-test-ingest", AssumeRolePolicyDocument=json.dumps(ROLE_POLICY))["Role"][
            "Arn"
        ]
        # The emulator runs the code with this role's credentials: it reads and writes the runner-* buckets.
        iam.put_role_policy(
            RoleName="secml-test-ingest", PolicyName="runner-buckets", PolicyDocument=json.dumps(RUNNER_BUCKETS)
        )
    lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler=handler, Code={"ZipFile": code},
                        Timeout=60, Environment={"Variables": variables})  # fmt: skip


@pytest.fixture
def cli_on_emulator(emulator_env: Target, monkeypatch: pytest.MonkeyPatch) -> Target:
    """`secml` run in this process resolves its target from the environment: point it here."""
    monkeypatch.setenv("SECML_EMULATOR_PORT", str(emulator_env.emulator_port))
    monkeypatch.setenv("SECML_LOCAL_REGION", emulator_env.region)
    return emulator_env


def test_deployed_cloudtrail_function_runs_on_the_emulator(
    cli_on_emulator: Target, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator_env = cli_on_emulator
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="runner-logs", CreateBucketConfiguration={"LocationConstraint": emulator_env.region})
    s3.create_bucket(Bucket="runner-tuples", CreateBucketConfiguration={"LocationConstraint": emulator_env.region})
    s3.put_object(Bucket="runner-logs", Key=account_key("one"), Body=delivered_log(records()))
    _create("runner-cloudtrail", "cloudtrail_ingest.handler", _ingest_zip("cloudtrail_ingest.py"),
            {"INPUT_BUCKET": "runner-logs", "INPUT_PREFIX": "cloudtrail/", "OUTPUT_BUCKET": "runner-tuples",
             "OUTPUT_KEY": "train/cloudtrail_tuples.csv"})  # fmt: skip
    assert cli.main(["lambda", "invoke", "runner-cloudtrail", "--event", '{"print": "short"}']) == 0
    out = capsys.readouterr().out
    assert out.startswith("START RequestId: ") and "REPORT RequestId: " in out
    assert "DescribeInstances AIDAEXAMPLEUSER00001 203.0.113.10" in out
    assert '"tuples_written": 7' in out
    body = s3.get_object(Bucket="runner-tuples", Key="train/cloudtrail_tuples.csv")["Body"].read().decode()
    assert len(body.splitlines()) == 7


def test_the_runner_uses_the_function_code_and_environment(emulator_env: Target) -> None:
    probe = (
        "import os, secml_ingest\n"
        "def handler(event, context):\n"
        "    return {'package': secml_ingest.__file__, 'colour': os.environ['COLOUR'], 'event': event,\n"
        "            'endpoint': os.environ['AWS_ENDPOINT_URL'], 'name': context.function_name,\n"
        "            'root': os.environ['LAMBDA_TASK_ROOT']}\n"
    )
    code = _zip({"probe.py": probe.encode(), "secml_ingest/__init__.py": b"PROBE = True\n"})
    _create("runner-probe", "probe.handler", code, {"COLOUR": "teal"})
    result = invoke(emulator_env, "runner-probe", {"k": 1})
    assert result.function_error is None
    assert Path(result.payload["package"]) == Path(result.payload["root"]) / "secml_ingest" / "__init__.py"
    assert Path(result.payload["package"]).parent.parent != lambda_src_dir()
    assert result.payload | {"package": "", "root": ""} == {
        "package": "", "root": "", "colour": "teal", "event": {"k": 1},
        "endpoint": emulator_env.endpoint_url, "name": "runner-probe"}  # fmt: skip


def test_a_failing_function_reports_its_error(cli_on_emulator: Target, capsys: pytest.CaptureFixture[str]) -> None:
    emulator_env = cli_on_emulator
    _create("runner-missing-config", "cloudtrail_ingest.handler", _ingest_zip("cloudtrail_ingest.py"), {"X": "y"})
    result = invoke(emulator_env, "runner-missing-config", {})
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == "ConfigError"
    assert result.payload["errorMessage"] == "missing environment variable INPUT_BUCKET"
    assert cli.main(["lambda", "invoke", "runner-missing-config"]) == 1
    assert "runner-missing-config failed: ConfigError: missing environment variable INPUT_BUCKET" in (
        capsys.readouterr().err
    )


def test_a_timed_out_function_keeps_what_it_wrote_to_both_streams(emulator_env: Target) -> None:
    stuck = (
        "import sys, time\n"
        "def handler(event, context):\n"
        "    print('step 1 done', flush=True)\n"
        "    print('Traceback (most recent call last): step 2 waits', file=sys.stderr, flush=True)\n"
        "    time.sleep(30)\n"
    )
    _create("runner-stuck", "stuck.handler", _zip({"stuck.py": stuck.encode()}), {})
    boto3.client("lambda").update_function_configuration(FunctionName="runner-stuck", Timeout=1)
    result = invoke(emulator_env, "runner-stuck", {})
    assert result.function_error == "Unhandled"
    assert result.error_message() == "Task timed out after 1.00 seconds"
    assert "step 1 done" in result.log and "Traceback (most recent call last): step 2 waits" in result.log


@pytest.mark.parametrize(
    ("payload", "function_error", "message"),
    [
        ({"errorMessage": "missing environment variable X", "errorType": "ConfigError"}, "Unhandled",
         "missing environment variable X"),
        ("handler raised a string", "Unhandled", '"handler raised a string"'),
        (["a", 1], "Handled", '["a", 1]'),
        ({"detail": "no errorMessage"}, "Unhandled", '{"detail": "no errorMessage"}'),
        (None, "Unhandled", "Unhandled"),
    ],
)  # fmt: skip
def test_error_message_reads_any_payload(payload: object, function_error: str, message: str) -> None:
    assert InvokeResult(payload, "", function_error).error_message() == message
