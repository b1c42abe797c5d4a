"""Per-object parts (lambda_src/secml_ingest/parts.py; cloudtrail_parts and guardduty_parts
handlers): part names derive from the source object only; a GuardDuty object's finding-index part
sits beside its tuples part, row i describing tuple i; on the emulator, S3 notifications run the
deployed zip for each new object, and a poisoned object reaches the dead-letter queue with its key."""

from __future__ import annotations

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from ingest_fixtures import account_key, delivered_log, event_bridge, export_jsonl_gz, findings, org_key, records

from secml.core.checkout import lambda_src_dir
from secml.core.target import Target
from secml.infra.artefacts import build_lambda_zip
from secml_ingest.errors import BadObjectError
from secml_ingest.guardduty import INDEX_HEADER
from secml_ingest.part_kinds import GUARDDUTY
from secml_ingest.parts import PartsConfig, SourceObject, ingest_event, outside_window, part_name, sources_of_event

ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                          "Principal": {"Service": "lambda.amazonaws.com"}}]})  # fmt: skip
PARTS_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::parts-logs/*"},
    {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::parts-tuples/*"}]})  # fmt: skip


def test_part_names_are_dated_and_derived_from_the_source_only() -> None:
    one = part_name(SourceObject("logs", account_key("abc")))
    assert one.startswith("2024/03/01/111122223333_CloudTrail_us-west-2_20240301T1000Z_abc-") and one.endswith(".csv")
    assert part_name(SourceObject("logs", account_key("abc"))) == one
    assert part_name(SourceObject("logs", org_key("abc"))) != one
    assert part_name(SourceObject("other", account_key("abc"))) != one
    with pytest.raises(BadObjectError, match="YYYY/MM/DD"):
        part_name(SourceObject("logs", "loose/file.json.gz"))


def test_the_three_event_shapes_name_their_objects() -> None:
    notification = {
        "Records": [{"s3": {"bucket": {"name": "b"}, "object": {"key": "a/my+key%3D1.json.gz", "size": 3}}}]
    }
    eventbridge = {"detail": {"bucket": {"name": "b"}, "object": {"key": "a/k.json.gz", "size": 3}}}
    batch = {
        "Items": [{"Key": "a/1.json.gz", "Size": 4}, {"Key": "a/2.json.gz", "Size": 5}],
        "BatchInput": {"bucket": "b"},
    }
    assert list(sources_of_event(notification, "")) == [SourceObject("b", "a/my key=1.json.gz", 3)]
    assert list(sources_of_event(eventbridge, "")) == [SourceObject("b", "a/k.json.gz", 3)]
    assert [s.key for s in sources_of_event(batch, "")] == ["a/1.json.gz", "a/2.json.gz"]


@pytest.mark.parametrize(
    ("since", "until", "outside"),
    [("", "", False), ("2024/03/01", "2024/03/01", False), ("2024/03/02", "", True), ("", "2024/02/29", True)],
)
def test_date_window(since: str, until: str, outside: bool) -> None:
    assert outside_window(SourceObject("b", account_key("x")), since, until) is outside


EXPORT_KEY = (
    "guardduty-export/AWSLogs/111122223333/GuardDuty/us-west-2/2024/03/01/5f0c1b2a-aaaa-bbbb-cccc-0123456789ab.jsonl.gz"
)
FIREHOSE_KEY = "firehose/2024/03/02/10/guardduty-events-1-2024-03-02-10-00-00-0a1b2c3d.gz"


def test_guardduty_part_names_drop_the_export_and_firehose_suffixes() -> None:
    export = part_name(SourceObject("findings", EXPORT_KEY))
    assert export.startswith("2024/03/01/5f0c1b2a-aaaa-bbbb-cccc-0123456789ab-") and export.count(".") == 1
    firehose = part_name(SourceObject("findings", FIREHOSE_KEY))
    assert firehose.startswith("2024/03/02/guardduty-events-1-2024-03-02-10-00-00-0a1b2c3d-")
    assert firehose.endswith(".csv") and firehose.count(".") == 1


class MemoryS3:
    """The two S3 calls the parts code makes, over a dict: what was written, and how often."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = dict(objects)
        self.puts = 0

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        return {"Body": io.BytesIO(self.objects[f"{Bucket}/{Key}"])}

    def put_object(self, Bucket: str, Key: str, Body: bytes, ContentType: str) -> None:
        self.objects[f"{Bucket}/{Key}"] = Body
        self.puts += 1

    def under(self, prefix: str) -> dict[str, bytes]:
        return {key: body for key, body in self.objects.items() if key.startswith(prefix)}


def _guardduty_event(*keys: str) -> dict[str, Any]:
    return {"Records": [{"s3": {"bucket": {"name": "findings"}, "object": {"key": key, "size": 1}}} for key in keys]}


def test_a_findings_object_gives_tuples_and_an_index_part_aligned_row_by_row() -> None:
    s3 = MemoryS3({f"findings/{EXPORT_KEY}": export_jsonl_gz(findings())})
    config = PartsConfig.from_environ({"OUTPUT_BUCKET": "tuples"}, GUARDDUTY)
    summary = ingest_event(s3, _guardduty_event(EXPORT_KEY), config)
    name = part_name(SourceObject("findings", EXPORT_KEY))
    assert set(s3.under("tuples/")) == {f"tuples/infer/parts/{name}", f"tuples/infer/parts-index/{name}"}
    tuples = list(csv.reader(io.StringIO(s3.objects[f"tuples/infer/parts/{name}"].decode())))
    index = list(csv.DictReader(io.StringIO(s3.objects[f"tuples/infer/parts-index/{name}"].decode())))
    assert summary.tuples_written == len(tuples) == len(index) == 5
    assert [[row["principal"], row["ip"]] for row in index] == tuples
    assert [row["finding_id"] for row in index] == ["f-api", "f-net", "f-probe", "f-probe", "f-probe"]


def test_a_redelivered_findings_object_overwrites_its_parts() -> None:
    s3 = MemoryS3({f"findings/{FIREHOSE_KEY}": b"".join(json.dumps(event_bridge(f)).encode() for f in findings())})
    config = PartsConfig.from_environ({"OUTPUT_BUCKET": "tuples", "INDEX_PARTS_PREFIX": "idx/"}, GUARDDUTY)
    ingest_event(s3, _guardduty_event(FIREHOSE_KEY), config)
    first = s3.under("tuples/")
    ingest_event(s3, _guardduty_event(FIREHOSE_KEY), config)
    assert s3.under("tuples/") == first and s3.puts == 4
    assert sorted(key.split("/")[1] for key in first) == ["idx", "infer"]


def test_a_findings_object_without_tuples_still_gets_its_index_part_with_the_header() -> None:
    s3 = MemoryS3({f"findings/{EXPORT_KEY}": export_jsonl_gz([f for f in findings() if f["id"] == "f-dns"])})
    summary = ingest_event(
        s3, _guardduty_event(EXPORT_KEY), PartsConfig.from_environ({"OUTPUT_BUCKET": "t"}, GUARDDUTY)
    )
    name = part_name(SourceObject("findings", EXPORT_KEY))
    assert summary.items_seen == 1 and summary.tuples_written == 0
    assert s3.objects[f"t/infer/parts/{name}"] == b""
    assert s3.objects[f"t/infer/parts-index/{name}"].decode() == ",".join(INDEX_HEADER) + "\n"


def _wait_for(check: object, timeout_s: float = 60) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = check()  # type: ignore[operator]
        if found:
            return found
        time.sleep(0.3)
    return check()  # type: ignore[operator]


def _notified_parts_function(tmp_path: Path, kind: str, buckets: tuple[str, str], suffix: str) -> str:
    """The deployed `<kind>_parts` zip as a function the input bucket notifies of each new object
    ending `suffix`; its role may read the input and write the output bucket only."""
    source, output = buckets
    region = boto3.client("s3").meta.region_name
    s3, iam, lam = boto3.client("s3"), boto3.client("iam"), boto3.client("lambda")
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    name = f"{kind}-parts-test"
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["Arn"]
    # The emulator runs the code with this role's credentials: read the input, write the parts.
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{source}/*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{output}/*"}]}  # fmt: skip
    iam.put_role_policy(RoleName=name, PolicyName="parts", PolicyDocument=json.dumps(policy))
    package = build_lambda_zip(lambda_src_dir(), f"{kind}_parts", tmp_path / f"{kind}_parts.zip")
    arn = lam.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler=f"{kind}_parts.handler",
        Code={"ZipFile": package.read_bytes()}, Timeout=60, MemorySize=512,
        Environment={"Variables": {"OUTPUT_BUCKET": output, "INPUT_BUCKET": source}},
    )["FunctionArn"]  # fmt: skip
    s3.put_bucket_notification_configuration(
        Bucket=source,
        NotificationConfiguration={"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn,
            "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": suffix}]}}}]},
    )  # fmt: skip
    return name


def _listed(bucket: str, prefix: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return sorted(item["Key"] for item in listed)


@pytest.mark.emulator
def test_new_objects_become_parts_and_a_poisoned_one_reaches_the_dead_letter_queue(
    emulator_env: Target, tmp_path: Path
) -> None:
    s3, sqs, lam = boto3.client("s3"), boto3.client("sqs"), boto3.client("lambda")
    queue_url = sqs.create_queue(QueueName="parts-dead-letter")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    function = _notified_parts_function(tmp_path, "cloudtrail", ("parts-logs", "parts-tuples"), ".json.gz")
    lam.put_function_event_invoke_config(
        FunctionName=function, MaximumRetryAttempts=1, DestinationConfig={"OnFailure": {"Destination": queue_arn}}
    )
    good = [account_key("one"), org_key("two")]
    for key in good:
        s3.put_object(Bucket="parts-logs", Key=key, Body=delivered_log(records()))
    poisoned = account_key("poisoned")
    s3.put_object(Bucket="parts-logs", Key=poisoned, Body=delivered_log(records())[:-30])

    def parts() -> list[str]:
        return _listed("parts-tuples", "train/parts/")

    assert len(_wait_for(lambda: len(parts()) == 2 and parts())) == 2  # type: ignore[arg-type]
    expected = sorted("train/parts/" + part_name(SourceObject("parts-logs", key)) for key in good)
    assert parts() == expected
    body = s3.get_object(Bucket="parts-tuples", Key=expected[0])["Body"].read().decode()
    assert body.splitlines()[0] == "AIDAEXAMPLEUSER00001,203.0.113.10" and len(body.splitlines()) == 7

    messages = _wait_for(lambda: sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1).get("Messages"))
    record = json.loads(messages[0]["Body"])  # type: ignore[index]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"]["Records"][0]["s3"]["object"]["key"].replace("%2F", "/") == poisoned
    assert poisoned in record["responsePayload"]["errorMessage"]
    assert "corrupt gzip" in record["responsePayload"]["errorMessage"]


@pytest.mark.emulator
def test_new_guardduty_export_objects_become_scoring_parts_with_their_index(
    emulator_env: Target, tmp_path: Path
) -> None:
    s3 = boto3.client("s3")
    _notified_parts_function(tmp_path, "guardduty", ("gd-findings", "gd-tuples"), ".jsonl.gz")
    keys = [EXPORT_KEY, EXPORT_KEY.replace("2024/03/01", "2024/03/02")]
    for key, chosen in zip(keys, (findings()[:2], findings()[2:]), strict=True):
        s3.put_object(Bucket="gd-findings", Key=key, Body=export_jsonl_gz(chosen))
    names = sorted(part_name(SourceObject("gd-findings", key)) for key in keys)
    assert _wait_for(lambda: len(_listed("gd-tuples", "infer/parts-index/")) == 2)
    assert _listed("gd-tuples", "infer/parts/") == [f"infer/parts/{name}" for name in names]
    assert _listed("gd-tuples", "infer/parts-index/") == [f"infer/parts-index/{name}" for name in names]

    def read(key: str) -> str:
        return str(s3.get_object(Bucket="gd-tuples", Key=key)["Body"].read().decode())

    tuples = [line.split(",") for name in names for line in read(f"infer/parts/{name}").splitlines()]
    index = [row for name in names for row in csv.DictReader(io.StringIO(read(f"infer/parts-index/{name}")))]
    assert [[row["principal"], row["ip"]] for row in index] == tuples and len(tuples) == 5
