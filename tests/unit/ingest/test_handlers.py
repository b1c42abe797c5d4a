"""The two Lambda handlers against moto's in-process S3 (mock_aws)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from ingest_fixtures import (
    account_key,
    delivered_log,
    digest_key,
    export_jsonl_gz,
    findings,
    org_key,
    records,
)
from moto import mock_aws

import cloudtrail_ingest
import guardduty_ingest
from secml_ingest.config import CloudTrailConfig, ConfigError, GuardDutyConfig
from secml_ingest.csv_sink import MIN_PART_SIZE, MultipartTextWriter

LOGS, TUPLES = "example-trail-logs", "example-tuples"


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=LOGS)
        client.create_bucket(Bucket=TUPLES)
        # The handlers' client was made at import, before the mock: they use this one instead.
        monkeypatch.setattr(cloudtrail_ingest, "s3_client", client)
        monkeypatch.setattr(guardduty_ingest, "s3_client", client)
        yield client


def _env(monkeypatch: pytest.MonkeyPatch, prefix: str, **extra: str) -> None:
    for name, value in {"INPUT_BUCKET": LOGS, "INPUT_PREFIX": prefix, "OUTPUT_BUCKET": TUPLES, **extra}.items():
        monkeypatch.setenv(name, value)


def _text(s3: Any, key: str) -> str:
    return s3.get_object(Bucket=TUPLES, Key=key)["Body"].read().decode()


def test_cloudtrail_handler_reads_every_page_and_both_layouts(
    s3: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = delivered_log(records())
    for n in range(1003):  # more than one page of ListObjectsV2
        s3.put_object(Bucket=LOGS, Key=(org_key if n % 2 else account_key)(f"{n:04d}"), Body=good)
    s3.put_object(Bucket=LOGS, Key=account_key("corrupt"), Body=good[:-30])
    s3.put_object(Bucket=LOGS, Key=digest_key(), Body=gzip.compress(b"{}"))
    s3.put_object(Bucket=LOGS, Key=account_key("empty"), Body=b"")
    s3.put_object(Bucket=LOGS, Key="cloudtrail/AWSLogs/111122223333/CloudTrail/README.txt", Body=b"hello")
    _env(monkeypatch, "cloudtrail/")
    result = cloudtrail_ingest.handler({}, None)
    assert result["objects_read"] == 1003
    assert result["objects_skipped"] == {"digest_file": 1, "empty_object": 1, "not_a_log_file": 1}
    assert result["records_seen"] == 1003 * 14
    assert result["tuples_written"] == 1003 * 7 and result["ipv6_tuples_written"] == 1003
    assert result["records_skipped"]["aws_service_identity"] == 1003
    assert result["bad_objects_total"] == 1 and result["bad_objects"][0]["key"] == account_key("corrupt")
    assert "corrupt gzip" in result["bad_objects"][0]["reason"]
    lines = _text(s3, "train/cloudtrail_tuples.csv").splitlines()
    assert len(lines) == 1003 * 7 and lines[1] == "AROAEXAMPLEROLE00001,198.51.100.7"
    assert _text(s3, "train/cloudtrail_tuples_ipv6.csv").count("2001:db8::1") == 1003
    assert f"bad object s3://{LOGS}/{account_key('corrupt')}" in capsys.readouterr().out


def test_cloudtrail_empty_prefix_writes_empty_output_and_says_so(
    s3: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _env(monkeypatch, "nothing-here/", OUTPUT_KEY="train/custom.csv")
    result = cloudtrail_ingest.handler({}, None)
    assert result["objects_read"] == 0 and result["output"] == f"s3://{TUPLES}/train/custom.csv"
    assert _text(s3, "train/custom.csv") == ""
    assert "no input objects found" in capsys.readouterr().out


def test_cloudtrail_short_print(s3: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    s3.put_object(Bucket=LOGS, Key=account_key("one"), Body=delivered_log(records()[:2]))
    _env(monkeypatch, "")
    cloudtrail_ingest.handler({"print": "short"}, None)
    out = capsys.readouterr().out
    assert "2024-03-01T10:00:00Z us-west-2 ec2.amazonaws.com DescribeInstances AROAEXAMPLEROLE00001 198.51.100.7" in out


@pytest.mark.parametrize("missing", ["INPUT_BUCKET", "OUTPUT_BUCKET"])
def test_missing_configuration_names_the_variable(s3: Any, monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    _env(monkeypatch, "")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=f"missing environment variable {missing}"):
        cloudtrail_ingest.handler({}, None)
    with pytest.raises(ConfigError, match=missing):
        guardduty_ingest.handler({}, None)


def test_bad_print_option_is_refused(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _env(monkeypatch, "")
    with pytest.raises(ValueError, match="'print' must be one of none, short, full"):
        guardduty_ingest.handler({"print": "everything"}, None)


def test_guardduty_handler_three_shapes_and_index(
    s3: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.put_object(Bucket=LOGS, Key="guardduty/findings.json", Body=json.dumps(findings()).encode())
    s3.put_object(Bucket=LOGS, Key="guardduty/AWSLogs/111122223333/GuardDuty/us-west-2/2024/03/01/x.jsonl.gz",
                  Body=export_jsonl_gz(findings()))  # fmt: skip
    s3.put_object(Bucket=LOGS, Key="guardduty/events.json",
                  Body=json.dumps([{"detail-type": "GuardDuty Finding", "detail": f} for f in findings()]).encode())  # fmt: skip
    s3.put_object(Bucket=LOGS, Key="guardduty/broken.json", Body=b"[{")
    _env(monkeypatch, "guardduty/")
    result = guardduty_ingest.handler({"print": "short"}, None)
    assert result["objects_read"] == 3 and result["findings_seen"] == 18
    assert result["tuples_written"] == 15 and result["bad_objects"][0]["key"] == "guardduty/broken.json"
    index = _text(s3, "infer/guardduty_findings.csv").splitlines()
    assert index[0] == "finding_id,type,severity,updated_at,account,region,principal,ip"
    assert len(index) == 16 == len(_text(s3, "infer/guardduty_tuples.csv").splitlines()) + 1
    assert (
        "severity=5.0 Recon:EC2/PortProbeUnprotectedPort f-probe root:111122223333 192.0.2.10;"
        in capsys.readouterr().out
    )


def test_multipart_writer_uploads_parts_and_aborts_on_error(s3: Any) -> None:
    line = "AIDAEXAMPLEUSER00001,203.0.113.10\n"
    count = MIN_PART_SIZE // len(line) * 2 + 10
    with MultipartTextWriter(s3, TUPLES, "big.csv", part_size=MIN_PART_SIZE) as writer:
        for _ in range(count // 1000):
            writer.write(line * 1000)
        assert len(s3.list_multipart_uploads(Bucket=TUPLES)["Uploads"]) == 1  # parts went out before close
    assert s3.head_object(Bucket=TUPLES, Key="big.csv")["ContentLength"] == len(line) * (count // 1000) * 1000
    with pytest.raises(RuntimeError), MultipartTextWriter(s3, TUPLES, "never.csv", part_size=MIN_PART_SIZE) as writer:
        writer.write(line * (MIN_PART_SIZE // len(line) + 1))
        raise RuntimeError("boom")
    assert s3.list_multipart_uploads(Bucket=TUPLES).get("Uploads", []) == []
    assert "never.csv" not in [o["Key"] for o in s3.list_objects_v2(Bucket=TUPLES)["Contents"]]


def _refusing(s3: Any, monkeypatch: pytest.MonkeyPatch, refused: dict[str, str]) -> None:
    """S3 refuses GetObject for some listed keys (by error code), as for a trail encrypted with a
    KMS key the function may not use, or an object deleted after it was listed."""
    get_object = s3.get_object

    def answer(**params: Any) -> Any:
        if params["Key"] in refused:
            code = refused[params["Key"]]
            raise ClientError({"Error": {"Code": code, "Message": code}}, "GetObject")
        return get_object(**params)

    monkeypatch.setattr(s3, "get_object", answer)


def test_an_object_s3_refuses_is_reported_and_skipped(
    s3: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "denied", "gone", "b"):
        s3.put_object(Bucket=LOGS, Key=account_key(name), Body=delivered_log(records()))
    _refusing(s3, monkeypatch, {account_key("denied"): "AccessDenied", account_key("gone"): "NoSuchKey"})
    _env(monkeypatch, "cloudtrail/")
    result = cloudtrail_ingest.handler({}, None)
    assert result["objects_read"] == 2 and result["tuples_written"] == 2 * 7
    assert result["bad_objects"] == [
        {"key": account_key("denied"), "reason": "cannot read: AccessDenied"},
        {"key": account_key("gone"), "reason": "cannot read: NoSuchKey"},
    ]
    assert f"bad object s3://{LOGS}/{account_key('denied')}: cannot read: AccessDenied" in capsys.readouterr().out
    assert len(_text(s3, "train/cloudtrail_tuples.csv").splitlines()) == 2 * 7


def test_a_findings_object_s3_refuses_is_reported_and_skipped(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s3.put_object(Bucket=LOGS, Key="guardduty/findings.json", Body=json.dumps(findings()).encode())
    s3.put_object(Bucket=LOGS, Key="guardduty/sealed.json", Body=json.dumps(findings()).encode())
    _refusing(s3, monkeypatch, {"guardduty/sealed.json": "KMS.AccessDeniedException"})
    _env(monkeypatch, "guardduty/")
    result = guardduty_ingest.handler({}, None)
    assert result["objects_read"] == 1 and result["tuples_written"] == 5
    sealed = {"key": "guardduty/sealed.json", "reason": "cannot read: KMS.AccessDeniedException"}
    assert result["bad_objects"] == [sealed]
    assert result["findings_skipped"] == {
        "action_type:DNS_REQUEST": 1, "no_access_key_details": 1, "ipv6_not_scored": 1}  # fmt: skip
    assert result["ips_skipped"] == {}


def test_default_output_keys_are_the_stack_contract() -> None:
    environ = {"INPUT_BUCKET": LOGS, "OUTPUT_BUCKET": TUPLES}
    cloudtrail, guardduty = CloudTrailConfig.from_environ(environ), GuardDutyConfig.from_environ(environ)
    assert (cloudtrail.output_key, cloudtrail.ipv6_output_key) == (
        "train/cloudtrail_tuples.csv", "train/cloudtrail_tuples_ipv6.csv",
    )  # fmt: skip
    assert (guardduty.output_key, guardduty.index_key) == ("infer/guardduty_tuples.csv", "infer/guardduty_findings.csv")
