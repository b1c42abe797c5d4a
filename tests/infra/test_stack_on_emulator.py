"""The root stack applied once on the embedded emulator by pytest-terraform, checked with boto3
as a user's AWS account would show it, then destroyed, leaving nothing behind."""

from __future__ import annotations

import base64
import gzip
import json
import time
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
from ipinsights_endpoint import IMAGE, model_tarball
from pytest_terraform import terraform

from secml.automation.artefact import write_artefact
from secml.automation.registry import candidate_entry, promote, registry_location
from secml.core.target import Target
from secml.data.findings import sample_findings
from secml.emulator.findings import emit_findings
from secml.ipinsights import sagemaker_jobs
from secml.ipinsights.addresses import format_ipv4
from secml.ipinsights.hyperparameters import Hyperparameters
from secml.ipinsights.model import LocalModel
from secml.ipinsights.training import fit

pytestmark = [pytest.mark.emulator, pytest.mark.terraform, pytest.mark.usefixtures("stack_environment")]

# pytest-terraform applies tests/infra/terraform/secml_stack (the root stack as a module) once
# for this module; the last test destroys it, so teardown has nothing left to do.
terraform("secml_stack", scope="module", teardown=terraform.TEARDOWN_OFF)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
# The statement automation_security_hub_enabled adds to the scorer's role (modules/automation).
SECURITY_HUB_GRANT = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "securityhub:BatchUpdateFindings", "Resource": "*"}],
    }
)

CONTRACT_OUTPUTS = {
    "tuples_bucket_name",
    "tuples_kms_key_arn",
    "cloudtrail_ingest_function_name",
    "cloudtrail_ingest_function_arn",
    "guardduty_ingest_function_name",
    "guardduty_ingest_function_arn",
    "cloudtrail_ingest_role_arn",
    "guardduty_ingest_role_arn",
    "guardduty_detector_id",
    "notebook_instance_name",
    "notebook_url",
    "notebook_role_arn",
    "cloudtrail_input",
    "guardduty_input",
    "region",
}


def planted_pairs(per_principal: int) -> tuple[list[str], list[str]]:
    """Principal AIDAPRINCIPAL<p> uses addresses in 10.(2p).x.y only."""
    rng = np.random.default_rng(7)
    owner = np.repeat(np.arange(4), per_principal)
    addresses = (
        (np.uint32(10) << 24)
        | ((2 * owner).astype(np.uint32) << 16)
        | rng.integers(0, 1 << 16, owner.size, dtype=np.uint32)
    )
    return [f"AIDAPRINCIPAL{p:04d}" for p in owner], format_ipv4(addresses)


def outputs_of(secml_stack: Any) -> dict[str, Any]:
    return secml_stack.outputs["stack"]["value"]


def role_policy_statements(role_arn: str) -> list[dict[str, Any]]:
    iam = boto3.client("iam")
    role_name = role_arn.rsplit("/", 1)[1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    return document["Statement"]


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_outputs_follow_the_contract(secml_stack: Any) -> None:
    outputs = outputs_of(secml_stack)
    assert set(outputs) >= CONTRACT_OUTPUTS
    assert outputs["cloudtrail_input"] == {"bucket": outputs["tuples_bucket_name"], "prefix": "cloudtrail/"}
    assert outputs["region"] == "us-west-2"


def test_tuples_bucket_is_encrypted_versioned_private_and_tls_only(secml_stack: Any, stack_name_prefix: str) -> None:
    outputs = outputs_of(secml_stack)
    s3, bucket = boto3.client("s3"), outputs["tuples_bucket_name"]
    assert bucket.startswith(f"{stack_name_prefix}-tuples-")
    (rule,) = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": outputs["tuples_kms_key_arn"],
    }
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    (deny,) = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    (lifecycle,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags["Project"] == "secml" and tags["ManagedBy"] == "terraform"
    kms = boto3.client("kms")
    assert kms.get_key_rotation_status(KeyId=outputs["tuples_kms_key_arn"])["KeyRotationEnabled"]


def test_ingest_functions_match_the_lambda_contract(secml_stack: Any) -> None:
    outputs = outputs_of(secml_stack)
    lambda_client, bucket = boto3.client("lambda"), outputs["tuples_bucket_name"]
    expected = {
        "cloudtrail": {
            "INPUT_BUCKET": bucket,
            "INPUT_PREFIX": "cloudtrail/",
            "OUTPUT_BUCKET": bucket,
            "OUTPUT_KEY": "train/cloudtrail_tuples.csv",
            "IPV6_OUTPUT_KEY": "train/cloudtrail_tuples_ipv6.csv",
        },
        "guardduty": {
            "INPUT_BUCKET": bucket,
            "INPUT_PREFIX": "guardduty/",
            "OUTPUT_BUCKET": bucket,
            "OUTPUT_KEY": "infer/guardduty_tuples.csv",
            "INDEX_KEY": "infer/guardduty_findings.csv",
        },
    }
    for kind, environment in expected.items():
        name = outputs[f"{kind}_ingest_function_name"]
        config = lambda_client.get_function_configuration(FunctionName=name)
        assert config["Runtime"] == "python3.12"
        assert config["Handler"] == f"{kind}_ingest.handler"
        assert config["Environment"]["Variables"] == environment
        assert config["TracingConfig"]["Mode"] == "Active"
        assert config["KMSKeyArn"] == outputs["tuples_kms_key_arn"]
        assert config["Role"] == outputs[f"{kind}_ingest_role_arn"]
        # Unreserved by default: AWS refuses reservations below the account's unreserved minimum.
        assert "ReservedConcurrentExecutions" not in lambda_client.get_function_concurrency(FunctionName=name)


def test_ingest_roles_are_least_privilege(secml_stack: Any) -> None:
    outputs = outputs_of(secml_stack)
    bucket = outputs["tuples_bucket_name"]
    for kind, own_keys in {
        "cloudtrail": {"train/cloudtrail_tuples.csv", "train/cloudtrail_tuples_ipv6.csv"},
        "guardduty": {"infer/guardduty_tuples.csv", "infer/guardduty_findings.csv"},
    }.items():
        statements = {s["Sid"]: s for s in role_policy_statements(outputs[f"{kind}_ingest_role_arn"])}
        wildcard = [sid for sid, s in statements.items() if "*" in as_list(s["Resource"])]
        assert wildcard == ["SendTraces"]
        assert set(as_list(statements["WriteOwnOutputKeys"]["Resource"])) == {
            f"arn:aws:s3:::{bucket}/{key}" for key in own_keys
        }
        assert as_list(statements["ReadInputPrefix"]["Resource"]) == [f"arn:aws:s3:::{bucket}/{kind}/*"]
        assert as_list(statements["UseTuplesKey"]["Resource"]) == [outputs["tuples_kms_key_arn"]]


def test_guardduty_detector_is_enabled(secml_stack: Any) -> None:
    detector = boto3.client("guardduty").get_detector(DetectorId=outputs_of(secml_stack)["guardduty_detector_id"])
    assert detector["Status"] == "ENABLED"
    assert detector["FindingPublishingFrequency"] == "FIFTEEN_MINUTES"


def test_notebook_instance_is_hardened_and_installs_the_workshop(secml_stack: Any) -> None:
    outputs = outputs_of(secml_stack)
    sagemaker, bucket = boto3.client("sagemaker"), outputs["tuples_bucket_name"]
    notebook = sagemaker.describe_notebook_instance(NotebookInstanceName=outputs["notebook_instance_name"])
    assert notebook["InstanceType"] == "ml.t3.medium"
    assert notebook["PlatformIdentifier"] == "notebook-al2-v3"
    assert notebook["RootAccess"] == "Disabled"
    assert notebook["KmsKeyId"] == outputs["tuples_kms_key_arn"]
    assert notebook["RoleArn"] == outputs["notebook_role_arn"]
    assert notebook["InstanceMetadataServiceConfiguration"]["MinimumInstanceMetadataServiceVersion"] == "2"
    config_name = notebook["NotebookInstanceLifecycleConfigName"]
    config = sagemaker.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=config_name)
    script = base64.b64decode(config["OnStart"][0]["Content"]).decode()
    assert f"s3://{bucket}/notebook/workshop-ipinsights.ipynb" in script
    assert (
        json.dumps(
            {
                "bucket": bucket,
                "kms_key_arn": outputs["tuples_kms_key_arn"],
                "region": "us-west-2",
                "role_arn": outputs["notebook_role_arn"],
            },
            separators=(",", ":"),
        )
        in script
    )
    tags = sagemaker.list_tags(ResourceArn=config["NotebookInstanceLifecycleConfigArn"])["Tags"]
    assert {"Key": "Project", "Value": "secml"} in tags
    uploaded = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="notebook/")["Contents"]
    names = {item["Key"].rsplit("/", 1)[1] for item in uploaded}
    assert "workshop-ipinsights.ipynb" in names
    assert any(name.startswith("secml-") and name.endswith(".whl") for name in names)
    pass_role = [
        s for s in role_policy_statements(outputs["notebook_role_arn"]) if s["Sid"] == "PassOwnRoleToSageMaker"
    ]
    assert as_list(pass_role[0]["Resource"]) == [outputs["notebook_role_arn"]]


def _wait_for(read: Any, timeout_s: float = 90) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = read()
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"nothing arrived in {timeout_s} s")


def _finding(detector_id: str, finding_id: str, principal: str, ip: str) -> dict[str, Any]:
    """A GuardDuty finding (the generator's API-call shape) from `principal` at `ip`."""
    finding = sample_findings(
        "123456789012", "us-west-2", detector_id, int(time.time()), ["Recon:IAMUser/MaliciousIPCaller"]
    )[0]
    finding["id"] = finding_id
    finding["resource"]["accessKeyDetails"].update({"principalId": principal, "userType": "IAMUser"})
    finding["service"]["action"]["awsApiCallAction"]["remoteIpDetails"]["ipAddressV4"] = ip
    return finding


@pytest.fixture(scope="module")
def planted_model() -> LocalModel:
    principals, ips = planted_pairs(200)
    return fit(principals, ips, Hyperparameters(num_entity_vectors=64, vector_dim=8, epochs=4, learning_rate=0.02,
                                                mini_batch_size=64, random_negative_sampling_rate=2), seed=3)  # fmt: skip


def test_a_finding_before_any_model_is_dead_lettered_and_the_next_one_after_promotion_is_scored(
    secml_stack: Any, stack_environment: Target, tmp_path: Path, planted_model: LocalModel
) -> None:
    """The deployed path: GuardDuty -> EventBridge -> scorer. No model promoted: the event goes to
    the dead-letter queue with one clear log line. A promoted model: the next finding is scored
    once (no crash loop), written under scores/live/ and, when unusual, published to SNS."""
    outputs = outputs_of(secml_stack)
    bucket, detector_id = outputs["tuples_bucket_name"], outputs["guardduty_detector_id"]
    dead_letters = outputs["finding_scorer_dead_letter_queue_url"]
    sqs, s3 = boto3.client("sqs"), boto3.client("s3")

    emit_findings(stack_environment, detector_id, [_finding(detector_id, "a" * 32, "AIDAPRINCIPAL0001", "10.2.0.1")])
    messages = _wait_for(lambda: sqs.receive_message(QueueUrl=dead_letters, WaitTimeSeconds=1).get("Messages"))
    record = json.loads(messages[0]["Body"])
    assert record["requestPayload"]["detail"]["id"] == "a" * 32
    assert "models/current.json is missing" in record["responsePayload"]["errorMessage"]
    logs = boto3.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{outputs['finding_scorer_function_name']}")
    assert any("secml scorer: not scored:" in event["message"] for event in logs["events"])

    write_artefact(planted_model, tmp_path / "artefact.bin")
    s3.upload_file(str(tmp_path / "artefact.bin"), bucket, "models/test/scoring-artefact.bin")
    entry = candidate_entry(
        model_id="test", artefact=f"s3://{bucket}/models/test/scoring-artefact.bin", backend="local",
        source_model="", threshold={"value": 0.0, "how": "fixed"}, training_window={}, validation_auc=0.9,
        trained_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert promote(registry_location(bucket), entry).promoted

    emit_findings(stack_environment, detector_id, [_finding(detector_id, "b" * 32, "AIDAPRINCIPAL0001", "10.2.0.1")])
    listed = _wait_for(lambda: s3.list_objects_v2(Bucket=bucket, Prefix="scores/live/").get("Contents"))
    (line,) = s3.get_object(Bucket=bucket, Key=listed[0]["Key"])["Body"].read().decode().splitlines()
    scored = json.loads(line)
    assert (
        scored["finding_id"] == "b" * 32 and scored["model_id"] == "test" and scored["verdict"] in ("usual", "unusual")
    )
    time.sleep(2)  # a second scoring of the same event would have landed by now
    assert len(s3.list_objects_v2(Bucket=bucket, Prefix="scores/live/")["Contents"]) == 1
    assert sqs.receive_message(QueueUrl=dead_letters, WaitTimeSeconds=1).get("Messages") is None


def test_with_security_hub_on_the_verdict_reaches_the_findings_twin(
    secml_stack: Any, stack_environment: Target
) -> None:
    """SECURITY_HUB=true and the BatchUpdateFindings grant (what automation_security_hub_enabled
    sets): the scorer annotates the finding's Security Hub twin (the emulator imports twins as
    GuardDuty's integration does)."""
    outputs = outputs_of(secml_stack)
    function = outputs["finding_scorer_function_name"]
    lambda_client, hub, iam = boto3.client("lambda"), boto3.client("securityhub"), boto3.client("iam")
    configuration = lambda_client.get_function_configuration(FunctionName=function)
    variables, role = configuration["Environment"]["Variables"], configuration["Role"].rsplit("/", 1)[-1]
    lambda_client.update_function_configuration(
        FunctionName=function, Environment={"Variables": {**variables, "SECURITY_HUB": "true"}}
    )
    iam.put_role_policy(RoleName=role, PolicyName="test-security-hub", PolicyDocument=SECURITY_HUB_GRANT)
    hub.enable_security_hub()
    try:
        finding = _finding(outputs["guardduty_detector_id"], "c" * 32, "AIDAPRINCIPAL0002", "10.4.0.9")
        emit_findings(stack_environment, outputs["guardduty_detector_id"], [finding])

        def annotated() -> list[dict[str, Any]]:
            twins = [f for f in hub.get_findings()["Findings"] if f["Id"] == finding["arn"]]
            return [t for t in twins if "secml_verdict" in t.get("UserDefinedFields", {})]

        (twin,) = _wait_for(annotated)
        assert twin["UserDefinedFields"]["secml_model"] == "test"
        assert twin["Note"]["Text"].startswith("secml IP Insights: ")
    finally:
        hub.disable_security_hub()
        iam.delete_role_policy(RoleName=role, PolicyName="test-security-hub")
        lambda_client.update_function_configuration(FunctionName=function, Environment={"Variables": variables})


def test_a_sagemaker_trained_model_is_scored_through_its_serverless_endpoint_to_the_same_score(
    secml_stack: Any, stack_environment: Target, planted_model: LocalModel
) -> None:
    """The model above, promoted as a SageMaker-trained one: the deployed scorer, with its role's
    sagemaker:InvokeEndpoint, scores through the serverless endpoint (the emulator plays the IP
    Insights container with the model packed in model.tar.gz) and gets the model's score."""
    outputs = outputs_of(secml_stack)
    bucket, detector_id, s3 = outputs["tuples_bucket_name"], outputs["guardduty_detector_id"], boto3.client("s3")
    s3.put_object(Bucket=bucket, Key="model/sm/job/output/model.tar.gz", Body=model_tarball(planted_model))
    listing = "".join(f"{principal}\n" for principal in planted_model.principals).encode()
    s3.put_object(Bucket=bucket, Key="models/sm/principals.txt.gz", Body=gzip.compress(listing))
    endpoint = sagemaker_jobs.ensure_endpoint(
        boto3.Session(), name="secml-ipinsights-stack-test-serverless", image=IMAGE,
        model_data=f"s3://{bucket}/model/sm/job/output/model.tar.gz",
        settings=sagemaker_jobs.Settings(role_arn=outputs["notebook_role_arn"]), serverless=sagemaker_jobs.Serverless(),
    )  # fmt: skip
    entry = candidate_entry(
        model_id="sm", endpoint=endpoint, principals=f"s3://{bucket}/models/sm/principals.txt.gz",
        backend="sagemaker", source_model="", threshold={"value": 0.0, "how": "fixed"}, training_window={},
        validation_auc=0.9, trained_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert promote(registry_location(bucket), entry).promoted
    try:
        emit_findings(
            stack_environment, detector_id, [_finding(detector_id, "d" * 32, "AIDAPRINCIPAL0001", "10.2.0.1")]
        )

        def scored_by_endpoint() -> list[dict[str, Any]]:
            listed = s3.list_objects_v2(Bucket=bucket, Prefix="scores/live/").get("Contents", [])
            keys = [item["Key"] for item in listed if "d" * 32 in item["Key"]]
            return [json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys]

        (line,) = _wait_for(scored_by_endpoint)
        expected = planted_model.score(["AIDAPRINCIPAL0001"], ["10.2.0.1"]).dot_product[0]
        assert (line["model_id"], line["score"]) == ("sm", pytest.approx(float(expected), rel=1e-5))
    finally:
        sagemaker_jobs.delete_endpoint(boto3.Session(), endpoint)


def test_the_retraining_schedule_starts_training_on_the_last_days_of_tuples(secml_stack: Any) -> None:
    """moto fires no schedule: the test makes the call the schedule makes (invoke its target with
    its input, the context attribute filled in as Scheduler does) and checks the training job."""
    outputs = outputs_of(secml_stack)
    bucket = outputs["tuples_bucket_name"]
    schedule = boto3.client("scheduler").get_schedule(Name=outputs["retraining_schedule_name"])
    assert schedule["ScheduleExpression"] == "rate(7 days)" and schedule["State"] == "ENABLED"
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key="train/parts/2026/03/09/recent.csv", Body=b"AIDAPRINCIPAL0001,10.2.0.1\n")
    s3.put_object(Bucket=bucket, Key="train/parts/2025/01/01/old.csv", Body=b"AIDAPRINCIPAL0001,10.2.0.2\n")
    event = schedule["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", "2026-03-10T06:00:00Z")
    answer = boto3.client("lambda").invoke(FunctionName=schedule["Target"]["Arn"], Payload=event.encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    result = json.loads(answer["Payload"].read())
    assert result["window"] == {"start": "2026-02-09", "end": "2026-03-10", "source": "parts", "objects": 1}
    job = boto3.client("sagemaker").describe_training_job(TrainingJobName=result["job"])
    channel = job["InputDataConfig"][0]["DataSource"]["S3DataSource"]
    assert channel["S3DataType"] == "ManifestFile"
    listed = json.loads(s3.get_object(Bucket=bucket, Key=channel["S3Uri"].split("/", 3)[3])["Body"].read())
    assert listed == [{"prefix": f"s3://{bucket}/"}, "train/parts/2026/03/09/recent.csv"]
    assert (
        job["RoleArn"] == outputs["notebook_role_arn"]
        and "ipinsights" in job["AlgorithmSpecification"]["TrainingImage"]
    )


def _registry(bucket: str) -> dict[str, Any]:
    return dict(json.loads(boto3.client("s3").get_object(Bucket=bucket, Key="models/current.json")["Body"].read()))


def _decision_on(bucket: str, job: str) -> list[dict[str, Any]]:
    try:
        history = _registry(bucket)["history"]
    except boto3.client("s3").exceptions.NoSuchKey:
        return []
    return [record for record in history if record["model_id"] == job]


def _retrain(schedule: dict[str, Any], scheduled_time: str) -> str:
    """Invoke the schedule's target as Scheduler does; the job it started."""
    event = schedule["Target"]["Input"].replace("<aws.scheduler.scheduled-time>", scheduled_time)
    answer = boto3.client("lambda").invoke(FunctionName=schedule["Target"]["Arn"], Payload=event.encode())
    assert "FunctionError" not in answer, answer["Payload"].read()
    return str(json.loads(answer["Payload"].read())["job"])


def test_a_completed_scheduled_training_is_promoted_and_a_worse_one_refused(
    secml_stack: Any, stack_environment: Target
) -> None:
    """The whole loop as deployed: the schedule's target starts training (the newest day held out
    for validation), the emulator trains it with the local engine and sends SageMaker's state
    change, the rule invokes the promoter with its own role, which serves the model on
    <job>-serverless, calibrates and promotes it; the deployed scorer then scores a finding with
    it. A second run, the current model's AUC forced above any retrained one's, is refused before
    an endpoint is created, and the first model stays current."""
    outputs = outputs_of(secml_stack)
    bucket, detector_id, s3 = outputs["tuples_bucket_name"], outputs["guardduty_detector_id"], boto3.client("s3")
    schedule = boto3.client("scheduler").get_schedule(Name=outputs["retraining_schedule_name"])
    principals, ips = planted_pairs(300)
    for day in range(3):
        rows = "".join(f"{p},{ip}\n" for p, ip in list(zip(principals, ips, strict=True))[day::3])
        s3.put_object(Bucket=bucket, Key=f"train/parts/2026/04/0{day + 1}/part.csv", Body=rows.encode())
    s3.delete_object(Bucket=bucket, Key="models/current.json")  # judged against no earlier model
    first = _retrain(schedule, "2026-04-03T06:00:00Z")
    try:
        (promoted,) = _wait_for(lambda: _decision_on(bucket, first), timeout_s=240)
        assert promoted["decision"] == "promoted", promoted
        current = _registry(bucket)["current"]
        assert (current["model_id"], current["endpoint"]) == (first, f"{first}-serverless")
        assert current["validation_auc"] > 0.7 and current["threshold"]["false_positive_rate"] == 0.01
        status = boto3.client("sagemaker").describe_endpoint(EndpointName=current["endpoint"])["EndpointStatus"]
        assert status == "InService"

        emit_findings(
            stack_environment, detector_id, [_finding(detector_id, "e" * 32, "AIDAPRINCIPAL0001", "10.2.0.1")]
        )

        def scored() -> list[dict[str, Any]]:
            listed = s3.list_objects_v2(Bucket=bucket, Prefix="scores/live/").get("Contents", [])
            keys = [item["Key"] for item in listed if "e" * 32 in item["Key"]]
            return [json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read()) for key in keys]

        (line,) = _wait_for(scored)
        assert (line["model_id"], line["threshold"]) == (first, current["threshold"]["value"])
        assert line["finding_verdict"] in ("usual", "unusual") and isinstance(line["score"], float)

        document = _registry(bucket)
        document["current"]["validation_auc"] = 2.0
        s3.put_object(Bucket=bucket, Key="models/current.json", Body=json.dumps(document).encode())
        second = _retrain(schedule, "2026-04-03T07:00:00Z")
        (refused,) = _wait_for(lambda: _decision_on(bucket, second), timeout_s=240)
        assert refused["decision"] == "refused" and "worse than the current 2.0000" in refused["reason"]
        assert _registry(bucket)["current"]["model_id"] == first
        endpoints = boto3.client("sagemaker").list_endpoints(NameContains="secml-retrain")["Endpoints"]
        assert [e["EndpointName"] for e in endpoints] == [f"{first}-serverless"]
    finally:
        sagemaker_jobs.delete_endpoint(boto3.Session(), f"{first}-serverless")


def test_ingest_runs_with_its_role_and_is_refused_what_the_role_lacks(secml_stack: Any) -> None:
    """The emulator runs a function's code with its role's credentials and checks the role's
    policy (emulator/patches/lambda_role_credentials.py): the deployed CloudTrail ingest runs
    clean with its own role, and fails with S3's AccessDenied once its role may not write its output."""
    outputs = outputs_of(secml_stack)
    bucket, function_name = outputs["tuples_bucket_name"], outputs["cloudtrail_ingest_function_name"]
    records = (FIXTURES / "cloudtrail_records.json").read_bytes()
    boto3.client("s3").put_object(Bucket=bucket, Key="cloudtrail/2019/records.json.gz", Body=gzip.compress(records))
    lambda_client, iam = boto3.client("lambda"), boto3.client("iam")

    answer = lambda_client.invoke(FunctionName=function_name, Payload=b"{}")
    assert "FunctionError" not in answer, answer["Payload"].read()
    assert boto3.client("s3").head_object(Bucket=bucket, Key="train/cloudtrail_tuples.csv")["ContentLength"] > 0

    role_name = outputs["cloudtrail_ingest_role_arn"].rsplit("/", 1)[1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    statements = role_policy_statements(outputs["cloudtrail_ingest_role_arn"])
    without_write = [statement for statement in statements if statement["Sid"] != "WriteOwnOutputKeys"]
    assert len(without_write) == len(statements) - 1
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName=policy_name,
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": without_write}),
    )
    try:
        refused = lambda_client.invoke(FunctionName=function_name, Payload=b"{}")
    finally:
        iam.put_role_policy(
            RoleName=role_name,
            PolicyName=policy_name,
            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    assert refused["FunctionError"] == "Unhandled"
    assert "AccessDenied" in refused["Payload"].read().decode()


def test_destroy_leaves_nothing(secml_stack: Any, stack_name_prefix: str) -> None:
    outputs = outputs_of(secml_stack)
    secml_stack.terraform.destroy()
    buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
    assert not [b for b in buckets if b.startswith(stack_name_prefix)]
    functions = boto3.client("lambda").list_functions()["Functions"]
    assert not [f for f in functions if f["FunctionName"].startswith(stack_name_prefix)]
    roles = boto3.client("iam").list_roles()["Roles"]
    assert not [r for r in roles if r["RoleName"].startswith(stack_name_prefix)]
    groups = boto3.client("logs").describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{stack_name_prefix}")
    assert groups["logGroups"] == []
    assert outputs["guardduty_detector_id"] not in boto3.client("guardduty").list_detectors()["DetectorIds"]
    sagemaker = boto3.client("sagemaker")
    assert sagemaker.list_notebook_instances(NameContains=stack_name_prefix)["NotebookInstances"] == []
    with pytest.raises(sagemaker.exceptions.ClientError, match=r"does not exist|Could not find"):
        sagemaker.describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=outputs["notebook_lifecycle_config_name"]
        )
    topics = boto3.client("sns").list_topics()["Topics"]
    assert not [t for t in topics if t["TopicArn"].rsplit(":", 1)[1].startswith(stack_name_prefix)]
    queues = boto3.client("sqs").list_queues(QueueNamePrefix=stack_name_prefix).get("QueueUrls", [])
    assert queues == []
    assert boto3.client("events").list_rules(NamePrefix=stack_name_prefix)["Rules"] == []
    schedules = boto3.client("scheduler").list_schedules(NamePrefix=stack_name_prefix)["Schedules"]
    assert schedules == []
    key = boto3.client("kms").describe_key(KeyId=outputs["tuples_kms_key_arn"])["KeyMetadata"]
    assert key["KeyState"] == "PendingDeletion"  # AWS never deletes a key at once
