"""Lambda functions made on the emulator (or moto's in-process mock) for the emulator patch tests:
a zip from sources and a function whose role allows exactly the statements given."""

from __future__ import annotations

import io
import json
import zipfile

import boto3

REGION = "us-west-2"
ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                          "Principal": {"Service": "lambda.amazonaws.com"}}]})  # fmt: skip


def zip_sources(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in sorted(files.items()):
            archive.writestr(name, text)
    return buffer.getvalue()


def make_function(name: str, source: str, allowed: list[dict[str, str]] | None = None, **settings: object) -> str:
    """A function from `source` whose role allows the statements `allowed` (the code runs with
    its role's credentials)."""
    role = f"secml-test-{name}"
    iam = boto3.client("iam", region_name=REGION)
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    if allowed:
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **grant} for grant in allowed]}
        iam.put_role_policy(RoleName=role, PolicyName="allowed", PolicyDocument=json.dumps(document))
    answer = boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name, Runtime="python3.12", Role=arn, Handler="fn.handler",
        Code={"ZipFile": zip_sources({"fn.py": source})}, **settings,
    )  # fmt: skip
    return str(answer["FunctionArn"])
