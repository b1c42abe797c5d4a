"""The workshop in the account a security team actually has: the emulator starts holding what an
organisation member account holds, then `make up`, `make exercise1`, `make exercise2` and
`make down` run as a user runs them, and what was there before is untouched afterwards.

What the account holds before secml arrives:
- a GuardDuty detector with findings (auto-enabled by the organisation; one per region, and the
  emulator refuses a second one as AWS does), the account a GuardDuty member of the organisation's
  administrator account (a member may not archive findings);
- an organisation trail's bucket (`AWSLogs/o-<org>/<account>/CloudTrail/...`), SSE-KMS with the
  trail's own key, and a findings bucket encrypted with the same key;
- the reduced Lambda concurrency quota of a new account (10: nothing may be reserved).

The stack is pointed at the trail as a team would (TF_VAR_*: the input buckets and
`input_kms_key_arns`), with every other setting at its default.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from secml.core.checkout import project_root
from secml.core.target import DEFAULT_REGION, Target
from secml.data.corpus import generate_into
from secml.data.size import CorpusSize
from secml.emulator import server
from secml.emulator.patches.lambda_concurrency_quota import QUOTA_VARIABLE
from secml.infra.terraform import TerraformRunner

pytestmark = pytest.mark.e2e

MAKE_TIMEOUT_S = 900
ORGANISATION = "o-abc123defg"
TRAIL_BUCKET = "org-cloudtrail-o-abc123defg"
FINDINGS_BUCKET = "org-guardduty-findings"
FINDINGS_PREFIX = "findings/"
GUARDDUTY_ADMINISTRATOR = "999999999999"
NEW_ACCOUNT_CONCURRENCY_QUOTA = "10"
SMALL_CORPUS = CorpusSize(records=20_000, days=2, people=20, findings=40)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Account:
    """The emulated member account and what it held before `make up`."""

    target: Target
    environment: dict[str, str]
    detector_id: str
    finding_ids: list[str]
    trail_key_arn: str
    trail_objects: dict[str, str]  # key -> ETag

    def client(self, service: str) -> Any:
        return emulator_client(self.target, service)


def emulator_client(target: Target, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=target.endpoint_url,
        region_name=target.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def make(goal: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", goal], cwd=project_root(), env=environment, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=MAKE_TIMEOUT_S, check=False,
    )  # fmt: skip


def _upload_trail(s3: Any, key_arn: str, corpus: Path) -> dict[str, str]:
    """The generated logs under the organisation trail layout, SSE-KMS with the trail's key."""
    uploaded = {}
    for path in sorted((corpus / "ct").rglob("*.json.gz")):
        relative = path.relative_to(corpus / "ct").as_posix()  # AWSLogs/<account>/CloudTrail/...
        key = relative.replace("AWSLogs/", f"AWSLogs/{ORGANISATION}/", 1)
        answer = s3.put_object(
            Bucket=TRAIL_BUCKET, Key=key, Body=path.read_bytes(), ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn
        )
        uploaded[key] = answer["ETag"]
    for path in sorted((corpus / "gd").rglob("*.json")):
        s3.put_object(
            Bucket=FINDINGS_BUCKET, Key=FINDINGS_PREFIX + path.name, Body=path.read_bytes(),
            ServerSideEncryption="aws:kms", SSEKMSKeyId=key_arn,
        )  # fmt: skip
    return uploaded


def _prepare_account(target: Target, state: Path) -> Account:
    guardduty, kms, s3 = (emulator_client(target, service) for service in ("guardduty", "kms", "s3"))
    detector = guardduty.create_detector(Enable=True)["DetectorId"]
    guardduty.create_sample_findings(DetectorId=detector)
    findings = guardduty.list_findings(DetectorId=detector)["FindingIds"]
    guardduty.enable_organization_admin_account(AdminAccountId=GUARDDUTY_ADMINISTRATOR)
    key_arn = kms.create_key(Description="organisation trail key")["KeyMetadata"]["Arn"]
    for bucket in (TRAIL_BUCKET, FINDINGS_BUCKET):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": target.region})
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}
                ]
            },
        )
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder)
        generate_into(str(corpus / "ct"), str(corpus / "gd"), state / "local" / "truth.csv", size=SMALL_CORPUS)
        objects = _upload_trail(s3, key_arn, corpus)
    return Account(target, {}, detector, findings, key_arn, objects)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    state = tmp_path_factory.mktemp("existing-account-state")
    (state / "local").mkdir()
    port = _free_port()
    patch = pytest.MonkeyPatch()
    for variable in ("SECML_TARGET", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        patch.delenv(variable, raising=False)
    patch.setenv("SECML_STATE_DIR", str(state))
    patch.setenv("SECML_EMULATOR_PORT", str(port))
    patch.setenv(QUOTA_VARIABLE, NEW_ACCOUNT_CONCURRENCY_QUOTA)  # read by the emulator at start
    target = Target(name="local", region=DEFAULT_REGION, emulator_port=port)
    server.start(target)
    try:
        prepared = _prepare_account(target, state)
        environment = {
            **os.environ,
            "TARGET": "local",
            "TF_VAR_cloudtrail_input_bucket": TRAIL_BUCKET,
            "TF_VAR_cloudtrail_input_prefix": "AWSLogs/",
            "TF_VAR_guardduty_input_bucket": FINDINGS_BUCKET,
            "TF_VAR_guardduty_input_prefix": FINDINGS_PREFIX,
            "TF_VAR_input_kms_key_arns": json.dumps([prepared.trail_key_arn]),
        }
        yield dataclasses.replace(prepared, environment=environment)
    finally:
        if server.running_pid(target) is not None:
            if TerraformRunner(target).outputs():
                make("down", {**os.environ, "TARGET": "local"})
            server.stop(target)
        patch.undo()


def test_the_emulator_refuses_what_the_account_refuses(account: Account) -> None:
    """The account as prepared is as strict as AWS: no second detector, nothing reservable."""
    with pytest.raises(Exception, match="detector already exists"):
        account.client("guardduty").create_detector(Enable=True)
    settings = account.client("lambda").get_account_settings()["AccountLimit"]
    assert settings["ConcurrentExecutions"] == int(NEW_ACCOUNT_CONCURRENCY_QUOTA)


def test_doctor_reports_the_account_and_no_blocker(account: Account) -> None:
    secml = Path(os.environ.get("VIRTUAL_ENV", project_root() / ".venv")) / "bin" / "secml"
    completed = subprocess.run(
        [str(secml), "--target", "local", "doctor"], cwd=project_root(), env=account.environment,
        text=True, capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert f"{account.detector_id} already exists" in completed.stdout
    assert f"cloudtrail input s3://{TRAIL_BUCKET}/AWSLogs/: listable and readable (SSE-KMS" in completed.stdout
    # Without the trail's key among the inputs, doctor blocks before anything is created.
    without_key = {**account.environment, "TF_VAR_input_kms_key_arns": "[]"}
    blocked = subprocess.run(
        [str(secml), "--target", "local", "doctor"], cwd=project_root(), env=without_key,
        text=True, capture_output=True, timeout=300, check=False,
    )  # fmt: skip
    assert blocked.returncode == 1
    assert "add it to input_kms_key_arns" in blocked.stdout


def test_make_up_reuses_the_detector(account: Account) -> None:
    completed = make("up", account.environment)
    assert completed.returncode == 0, completed.stdout[-5000:]
    assert f"reusing GuardDuty detector {account.detector_id}" in completed.stdout
    outputs = TerraformRunner(account.target).outputs()
    assert outputs["guardduty_detector_id"] == account.detector_id
    assert outputs["guardduty_detector_created"] is False
    assert outputs["cloudtrail_input"] == {"bucket": TRAIL_BUCKET, "prefix": "AWSLogs/"}


def test_make_exercise1_runs_on_the_reused_detector_once_confirmed(account: Account) -> None:
    unconfirmed = make("exercise1", account.environment)  # nobody at a terminal to answer
    assert unconfirmed.returncode != 0
    assert "Security Hub" in unconfirmed.stdout and "add --yes (make: SAMPLE_FINDINGS=yes)" in unconfirmed.stdout
    assert f"sample findings on detector {account.detector_id}" not in unconfirmed.stdout
    completed = make("exercise1", {**account.environment, "SAMPLE_FINDINGS": "yes"})
    assert completed.returncode == 0, completed.stdout[-5000:]
    assert f"sample findings on detector {account.detector_id}" in completed.stdout
    # A member account may not archive: it is told so, and the run still succeeds.
    assert f"member of administrator account {GUARDDUTY_ADMINISTRATOR}" in completed.stdout
    assert "archive them from the GuardDuty administrator account" in completed.stdout


def test_make_exercise2_reads_the_encrypted_organisation_trail(account: Account) -> None:
    completed = make("exercise2", account.environment)
    assert completed.returncode == 0, completed.stdout[-5000:]
    # Every log object of the trail was read (decrypted), none reported bad.
    assert f"objects_read: {len(account.trail_objects)};" in completed.stdout
    assert "bad_objects_total: 0;" in completed.stdout
    assert "=== Exercise 2.4:" in completed.stdout and "report.html" in completed.stdout


def test_make_down_leaves_what_was_there_before(account: Account) -> None:
    completed = make("down", {**account.environment, "KEEP_EMULATOR": "1"})
    assert completed.returncode == 0, completed.stdout[-5000:]
    guardduty, kms, s3 = account.client("guardduty"), account.client("kms"), account.client("s3")
    assert guardduty.list_detectors()["DetectorIds"] == [account.detector_id]
    assert set(account.finding_ids) <= set(guardduty.list_findings(DetectorId=account.detector_id)["FindingIds"])
    assert kms.describe_key(KeyId=account.trail_key_arn)["KeyMetadata"]["KeyState"] == "Enabled"
    listed = {
        item["Key"]: item["ETag"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=TRAIL_BUCKET)
        for item in page.get("Contents", [])
    }
    assert listed == account.trail_objects
    assert account.client("lambda").list_functions()["Functions"] == []
