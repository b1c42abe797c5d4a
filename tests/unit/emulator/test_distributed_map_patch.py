"""The Distributed Map patch (emulator/patches/stepfunctions_distributed_map.py): canaries that
fail once upstream moto runs ItemBatcher, pages the S3 listing, applies the failure tolerance and
writes ResultWriter's results; and the patched emulator running a batched map over S3 through
the real Lambda Invoke, as the backfill does."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
from lambda_functions import make_function

from secml.core.target import Target
from secml.emulator.patches import stepfunctions_distributed_map as patch

STATES_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                           "Principal": {"Service": "states.amazonaws.com"}}]})  # fmt: skip


def _definition(function_arn: str, bucket: str, *, max_items: int, tolerated: int) -> dict[str, Any]:
    return {
        "StartAt": "Each",
        "States": {"Each": {
            "Type": "Map",
            "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2",
                           "Parameters": {"Bucket": bucket, "Prefix.$": "$.prefix"}},
            "ItemBatcher": {"MaxItemsPerBatch": max_items, "BatchInput": {"bucket": bucket, "tag.$": "$.tag"}},
            "MaxConcurrency": 2,
            "ToleratedFailurePercentage": tolerated,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Call",
                "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                    "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
                                    "OutputPath": "$.Payload", "End": True}},
            },
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                             "Parameters": {"Bucket": bucket, "Prefix": "results"}},
            "End": True,
        }},
    }  # fmt: skip


def _upstream_parse(definition: dict[str, Any]) -> Any:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    parse = patch.UPSTREAM.get("parse", AmazonStateLanguageParser.parse)
    return parse(json.dumps(definition))


def test_upstream_grammar_refuses_item_batcher_and_whole_percentages() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f"
    decimal = _definition(arn, "b", max_items=2, tolerated=0)
    decimal["States"]["Each"]["ToleratedFailurePercentage"] = 5.0
    with pytest.raises(Exception, match="ItemBatcher"):
        _upstream_parse(decimal)
    del decimal["States"]["Each"]["ItemBatcher"]
    _upstream_parse(decimal)  # the rest of the definition is in moto's grammar
    decimal["States"]["Each"]["ToleratedFailurePercentage"] = 5  # AWS takes it
    with pytest.raises(Exception, match="ToleratedFailurePercentage"):
        _upstream_parse(decimal)


def test_upstream_ignores_tolerance_and_writes_no_results() -> None:
    """Upstream's map run never compares failures with the tolerance, and its ResultWriter lists
    no result files (the strings this patch replaces)."""
    import inspect

    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
        distributed_iteration_component as iteration,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
        resource_eval_s3 as writer,
    )

    assert "tolerated" not in inspect.getsource(
        patch.UPSTREAM.get("map_run", iteration.DistributedIterationComponent._map_run)
    )
    assert '"ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": []}' in inspect.getsource(writer)
    assert "TODO: generate result files" in inspect.getsource(writer)


def test_batches_follow_item_and_byte_limits() -> None:
    items = [{"Key": f"k{i}", "Size": i} for i in range(5)]
    grouped = patch.batches(items, {"MaxItemsPerBatch": 2}, {"b": 1})
    assert [len(b["Items"]) for b in grouped] == [2, 2, 1]
    assert grouped[0] == {"Items": items[:2], "BatchInput": {"b": 1}}
    by_bytes = patch.batches(items, {"MaxInputBytesPerBatch": 80}, None)
    assert all(len(json.dumps(b)) <= 80 for b in by_bytes) and sum(len(b["Items"]) for b in by_bytes) == 5
    assert patch.batches([], {"MaxItemsPerBatch": 2}, None) == []


@pytest.mark.parametrize(
    ("failed", "total", "count", "percentage", "exceeded"),
    [
        (0, 10, 0, 0, False),
        (1, 10, 0, 0, True),
        (1, 10, 0, 10, False),
        (2, 10, 0, 10, True),
        (2, 10, 2, 0, False),
        (3, 10, 2, 50, True),
    ],
)
def test_tolerance(failed: int, total: int, count: int, percentage: float, exceeded: bool) -> None:
    assert patch.exceeds_tolerance(failed, total, count, percentage) is exceeded


def test_batcher_with_item_selector_is_refused() -> None:
    definition = _definition("arn:f", "b", max_items=2, tolerated=0)
    definition["States"]["Each"]["ItemSelector"] = {"k.$": "$$.Map.Item.Value.Key"}
    with pytest.raises(patch.ItemBatcherError, match="ItemSelector"):
        patch.take_item_batchers(json.dumps(definition))


def _run(sfn: Any, machine_arn: str, tag: str) -> dict[str, Any]:
    execution = sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps({"prefix": "in/", "tag": tag}))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution["executionArn"])
        if described["status"] != "RUNNING":
            return dict(described)
        time.sleep(0.3)
    raise AssertionError("the execution did not finish in 60 s")


@pytest.mark.emulator
def test_patched_emulator_runs_a_batched_map_over_s3(emulator_env: Target) -> None:
    source = (
        "def handler(event, context):\n"
        "    keys = [item['Key'] for item in event['Items']]\n"
        "    if any('poison' in key for key in keys):\n"
        "        raise ValueError('poisoned: ' + ','.join(keys))\n"
        "    return {'keys': keys, 'tag': event['BatchInput']['tag'], 'bucket': event['BatchInput']['bucket']}\n"
    )
    function_arn = make_function("dmap-batch", source, Timeout=30)
    s3 = boto3.client("s3")
    bucket = "dmap-input"
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": emulator_env.region})
    for index in range(1005):  # more than one listing page
        s3.put_object(Bucket=bucket, Key=f"in/{index:04d}.json", Body=b"{}")
    role = boto3.client("iam").create_role(RoleName="dmap-states", AssumeRolePolicyDocument=STATES_TRUST)["Role"]["Arn"]
    sfn = boto3.client("stepfunctions")
    definition = json.dumps(_definition(function_arn, bucket, max_items=100, tolerated=0))
    machine = sfn.create_state_machine(name="dmap", definition=definition, roleArn=role)["stateMachineArn"]

    done = _run(sfn, machine, "first")
    assert done["status"] == "SUCCEEDED", done
    output = json.loads(done["output"])
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=output["ResultWriterDetails"]["Key"])["Body"].read())
    assert manifest["ResultFiles"]["FAILED"] == [] and len(manifest["ResultFiles"]["SUCCEEDED"]) == 1
    results = json.loads(
        s3.get_object(Bucket=bucket, Key=manifest["ResultFiles"]["SUCCEEDED"][0]["Key"])["Body"].read()
    )
    outputs = [json.loads(result["Output"]) for result in results]
    assert sorted(len(o["keys"]) for o in outputs) == [5] + [100] * 10
    assert sorted(key for o in outputs for key in o["keys"]) == [f"in/{i:04d}.json" for i in range(1005)]
    assert {(o["tag"], o["bucket"]) for o in outputs} == {("first", bucket)}
    run = sfn.describe_map_run(mapRunArn=output["MapRunArn"])
    assert run["itemCounts"]["total"] == run["itemCounts"]["succeeded"] == 1005
    assert run["executionCounts"]["total"] == run["executionCounts"]["succeeded"] == 11

    s3.put_object(Bucket=bucket, Key="in/poison.json", Body=b"{}")
    failed = _run(sfn, machine, "second")
    assert failed["status"] == "FAILED" and failed.get("error") == patch.EXCEEDED, failed
    [run_item] = sfn.list_map_runs(executionArn=failed["executionArn"])["mapRuns"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"results/{run_item['mapRunArn'].split(':')[-1]}/")
    failures_key = next(item["Key"] for item in listed["Contents"] if item["Key"].endswith("FAILED_0.json"))
    [failure] = json.loads(s3.get_object(Bucket=bucket, Key=failures_key)["Body"].read())
    assert "in/poison.json" in failure["Cause"] and "in/poison.json" in failure["Input"]


def test_upstream_names_unnamed_executions_none() -> None:
    """Two unnamed executions of one state machine collide upstream (patched:
    stepfunctions_execution_name)."""
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    from secml.emulator.patches import stepfunctions_execution_name

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        backend = stepfunctions_parser_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
        machine = backend.create_state_machine(
            name="m", definition=definition, roleArn="arn:aws:iam::123456789012:role/r"
        )
        start = stepfunctions_execution_name.UPSTREAM.get("start_execution", type(backend).start_execution)
        first = start(backend, machine.arn, None, "{}")
        assert first.execution_arn.endswith(":None")


def test_upstream_cannot_list_state_machine_versions() -> None:
    """Terraform calls ListStateMachineVersions after CreateStateMachine (patched:
    stepfunctions_list_versions)."""
    from moto.stepfunctions.responses import StepFunctionResponse

    from secml.emulator.patches import stepfunctions_list_versions

    patched = stepfunctions_list_versions._list_state_machine_versions
    assert getattr(StepFunctionResponse, "list_state_machine_versions", None) in (None, patched)


@pytest.mark.emulator
def test_patched_emulator_lists_state_machine_versions(emulator_env: Target) -> None:
    sfn = boto3.client("stepfunctions")
    role = boto3.client("iam").create_role(RoleName="versions-states", AssumeRolePolicyDocument=STATES_TRUST)
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
    machine = sfn.create_state_machine(
        name="versions", definition=definition, roleArn=role["Role"]["Arn"], publish=True
    )
    listed = sfn.list_state_machine_versions(stateMachineArn=machine["stateMachineArn"])["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [machine["stateMachineArn"] + ":1"]


def test_upstream_workers_recurse_once_per_item() -> None:
    import inspect

    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor_worker import (
        DistributedItemProcessorWorker,
    )

    upstream = patch.UPSTREAM.get("eval_pool", DistributedItemProcessorWorker._eval_pool)
    assert "self._eval_pool(job=next_job" in inspect.getsource(upstream)


@pytest.mark.emulator
def test_one_worker_takes_more_items_than_the_recursion_limit(emulator_env: Target) -> None:
    sfn = boto3.client("stepfunctions")
    role = boto3.client("iam").create_role(RoleName="dmap-many", AssumeRolePolicyDocument=STATES_TRUST)["Role"]["Arn"]
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Same", "States": {"Same": {"Type": "Pass", "End": True}}},
        "End": True}}}  # fmt: skip
    machine = sfn.create_state_machine(name="dmap-many", definition=json.dumps(definition), roleArn=role)
    execution = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps({"items": list(range(1500))})
    )
    deadline = time.monotonic() + 120
    while (done := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the map run did not finish in 120 s"
        time.sleep(0.5)
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == list(range(1500))
