"""The emulator patch that makes GetFunction's Code.Location downloadable."""

from __future__ import annotations

import io
import urllib.request
import zipfile

import boto3
import pytest
from moto import mock_aws

from secml.emulator.patches import lambda_code_location

pytestmark = pytest.mark.emulator


def _zip() -> bytes:
    """The same bytes on every call: a fixed entry time, not the clock's."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        entry = zipfile.ZipInfo("probe.py", date_time=(2024, 3, 1, 10, 0, 0))
        archive.writestr(entry, "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _location_of_new_function() -> str:
    iam, lam = boto3.client("iam"), boto3.client("lambda")
    role = iam.create_role(RoleName="probe", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lam.create_function(FunctionName="probe", Runtime="python3.12", Role=role, Handler="probe.handler",
                        Code={"ZipFile": _zip()})  # fmt: skip
    return str(lam.get_function(FunctionName="probe")["Code"]["Location"])


def test_upstream_location_is_not_served(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails once moto serves the code itself; the patch can then go."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr("moto.awslambda.models.LambdaFunction.get_code", lambda_code_location.UPSTREAM_GET_CODE)
    with mock_aws():
        location = _location_of_new_function()
    assert location.startswith("https://awslambda-us-west-2-tasks.s3.us-west-2.amazonaws.com/")


def test_the_emulator_serves_the_deployment_package(emulator_env: object) -> None:
    location = _location_of_new_function()
    with urllib.request.urlopen(location) as answer:
        assert answer.read() == _zip()
