"""A boto3 session that records every SageMaker request secml sends and plays the part of the
IP Insights container in batch transform, which the emulator does not run.

The emulator trains IP Insights jobs with the local engine and serves their endpoints, but
completes transform jobs at once without running anything, so where a transform job would write
its output this writes a fixture answer: one JSON line per input line with a dot product computed
from the line (`fake_dot_product`), so a test can check that every score was joined back to the
row it belongs to.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse


def fake_dot_product(principal: str, ip: str) -> float:
    """What the stand-in container answers for a pair: distinct per row of the test inputs."""
    return len(principal) + int(ip.rsplit(".", 1)[-1]) / 1000


def fake_answer(csv_body: bytes) -> bytes:
    rows = csv.reader(io.StringIO(csv_body.decode("utf-8")))
    return "".join(json.dumps({"dot_product": fake_dot_product(p, ip)}) + "\n" for p, ip in rows).encode()


class SageMakerRecorder:
    """`session` is handed to the code under test; `requests` lists (operation, parameters) as
    boto3 received them, before serialisation."""

    def __init__(self) -> None:
        self.session = boto3.Session()
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.session.events.register("provide-client-params.sagemaker.*", self._record)
        self.session.events.register("provide-client-params.sagemaker.CreateTransformJob", self._write_transform_output)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.requests.append((model.name, copy.deepcopy(params)))

    def _write_transform_output(self, params: dict[str, Any], **_: Any) -> None:
        s3 = self.session.client("s3")
        source = params["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]
        bucket, key = source[len("s3://") :].split("/", 1)
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        out_bucket, out_prefix = params["TransformOutput"]["S3OutputPath"][len("s3://") :].split("/", 1)
        out_key = f"{out_prefix.rstrip('/')}/{key.rsplit('/', 1)[-1]}.out"
        s3.put_object(Bucket=out_bucket, Key=out_key, Body=fake_answer(body))

    def refuse(self, operation: str, code: str, message: str, status: int = 400) -> None:
        """Answer every `operation` request with this error, as SageMaker would, without sending
        it (the request is still recorded): for answers the emulator never gives, such as
        AccessDenied or "Cannot create already existing model"."""

        def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]]:
            response = AWSResponse(url="", status_code=status, headers={}, raw=None)
            return response, {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {}}

        self.session.events.register(f"before-call.sagemaker.{operation}", answer)

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.requests if name == operation]

    def operations(self) -> list[str]:
        return [name for name, _ in self.requests]


def make_bucket(name: str, region: str) -> None:
    boto3.client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def make_execution_role(name: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    return str(
        boto3.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    )
