"""Step Functions Distributed Map, run as AWS runs it.

Upstream (moto 5.2.5's interpreter, moto/stepfunctions/parser), a Distributed Map over an S3
listing differs from AWS in four ways, each of which the backfill state machine relies on:

1. `ItemBatcher` is not in the ASL grammar: the definition is refused ("mismatched input").
2. The `s3:listObjectsV2` ItemReader reads one page (1,000 keys at most), fails on an empty
   prefix (KeyError 'Contents'), and hands out boto3's objects (datetime `LastModified`) rather
   than AWS's items (`Etag`, `Key`, `LastModified` in epoch seconds, `Size`, `StorageClass`).
3. `ToleratedFailurePercentage`/`ToleratedFailureCount` are parsed and ignored: a map run whose
   children all fail succeeds.
4. `ResultWriter` writes a manifest that lists no result files, and no results.
5. Each child-execution worker recurses once per item it takes, so a worker given more than
   ~1,000 items or batches (MaxConcurrency 1 over 20,000 objects) dies of RecursionError.

Patch, at the narrowest points: the definition loses its `ItemBatcher` blocks before moto's
parser sees it, and each is attached to its parsed Map state's iteration component; the map run
groups the ItemReader's items into AWS's batches (`{"Items": [...], "BatchInput": {...}}`, by
MaxItemsPerBatch and MaxInputBytesPerBatch) before the child executions start, counting items
and child executions as DescribeMapRun reports them; each child's outcome (input, output or
error and cause) is kept on the map run record; after the children, the failure threshold is
applied (`States.ExceedToleratedFailureThreshold`), and ResultWriter writes AWS's
`<prefix>/<map run id>/manifest.json` with `SUCCEEDED_0.json`/`FAILED_0.json` result files,
also when the threshold is exceeded (AWS writes the results of a failed map run too); a worker
takes its items in a loop.
Not supported (refused at parse, rather than run differently from AWS): ItemBatcher together
with ItemSelector, and the `...Path` forms of the batch limits.
"""

from __future__ import annotations

import datetime
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

AWS_MAX_INPUT_BYTES_PER_BATCH = 256 * 1024
EXCEEDED = "States.ExceedToleratedFailureThreshold"
EXCEEDED_CAUSE = "The specified tolerated failure threshold was exceeded"
_BATCHER = "_secml_item_batcher"
_OUTCOMES = "_secml_child_outcomes"
_RESULT_WRITER = "_secml_result_writer"
_LOCK = threading.Lock()

UPSTREAM: dict[str, Any] = {}


class ItemBatcherError(ValueError):
    """The definition's ItemBatcher is one this patch cannot run as AWS does."""


# --- 1. ItemBatcher: taken out before parsing, attached to the parsed Map state -----------------


def _map_state_documents(states: dict[str, Any], path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], dict]]:
    """(state path, state) for every Map state under `states`, nested ones included."""
    for name, state in states.items():
        if not isinstance(state, dict) or state.get("Type") != "Map":
            continue
        yield (*path, name), state
        inner = state.get("ItemProcessor") or state.get("Iterator") or {}
        if isinstance(inner.get("States"), dict):
            yield from _map_state_documents(inner["States"], (*path, name))


def take_item_batchers(definition: str) -> tuple[str, dict[tuple[str, ...], dict[str, Any]]]:
    """The definition without its ItemBatcher blocks, and each block by its Map state's path.
    An integer ToleratedFailurePercentage (AWS takes any number 0-100; moto's grammar only a
    decimal) is written as a decimal on the way."""
    try:
        document = json.loads(definition)
    except ValueError:
        return definition, {}  # moto's parser reports the syntax error
    if not isinstance(document, dict) or not isinstance(document.get("States"), dict):
        return definition, {}
    batchers: dict[tuple[str, ...], dict[str, Any]] = {}
    rewritten = False
    for path, state in list(_map_state_documents(document["States"], ())):
        if isinstance(state.get("ToleratedFailurePercentage"), int):
            state["ToleratedFailurePercentage"] = float(state["ToleratedFailurePercentage"])
            rewritten = True
        if "ItemBatcher" not in state:
            continue
        batcher = state.pop("ItemBatcher")
        if not isinstance(batcher, dict):
            raise ItemBatcherError(f"ItemBatcher of state {path[-1]!r} must be an object")
        if "ItemSelector" in state:
            raise ItemBatcherError(
                f"state {path[-1]!r}: ItemBatcher with ItemSelector is not supported by the emulator"
            )
        unknown = set(batcher) - {"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}
        if unknown:
            raise ItemBatcherError(
                f"state {path[-1]!r}: ItemBatcher fields not supported by the emulator: {sorted(unknown)}"
            )
        for limit in ("MaxItemsPerBatch", "MaxInputBytesPerBatch"):
            if limit in batcher and (not isinstance(batcher[limit], int) or batcher[limit] < 1):
                raise ItemBatcherError(f"state {path[-1]!r}: ItemBatcher.{limit} must be a positive integer")
        batchers[path] = batcher
    if not batchers and not rewritten:
        return definition, {}
    return json.dumps(document), batchers


def _map_states(program: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map import StateMap

    states = getattr(getattr(program, "states", None), "states", None) or getattr(program, "_states", None)
    if states is not None and not isinstance(states, dict):
        states = getattr(states, "states", {})
    for name, state in (states or {}).items():
        if isinstance(state, StateMap):
            yield (*path, name), state
            yield from _map_states(state.iteration_component, (*path, name))


def _parse(definition: str) -> Any:
    stripped, batchers = take_item_batchers(definition)
    program, tree = UPSTREAM["parse"](stripped)
    for path, state in _map_states(program, ()):
        setattr(state.iteration_component, _BATCHER, batchers.get(path))
        setattr(state.iteration_component, _RESULT_WRITER, state.result_writer)
    return program, tree


def _batch_input(template: Any, state_input: Any, context: Any) -> Any:
    """BatchInput with its `"x.$": "<path>"` fields resolved against the Map state's input
    (`$$.` paths against the context object), as AWS evaluates it."""
    from moto.stepfunctions.parser.asl.utils.json_path import extract_json

    if isinstance(template, list):
        return [_batch_input(value, state_input, context) for value in template]
    if not isinstance(template, dict):
        return template
    resolved = {}
    for key, value in template.items():
        if key.endswith(".$") and isinstance(value, str):
            source = context if value.startswith("$$") else state_input
            resolved[key[:-2]] = extract_json(value[1:] if value.startswith("$$") else value, source)
        else:
            resolved[key] = _batch_input(value, state_input, context)
    return resolved


def batches(items: list[Any], batcher: dict[str, Any], batch_input: Any) -> list[dict[str, Any]]:
    """AWS's grouping: items in order, a new batch when MaxItemsPerBatch is reached or the
    batch's JSON would pass MaxInputBytesPerBatch (256 KiB at most)."""
    max_items = batcher.get("MaxItemsPerBatch")
    max_bytes = min(batcher.get("MaxInputBytesPerBatch", AWS_MAX_INPUT_BYTES_PER_BATCH), AWS_MAX_INPUT_BYTES_PER_BATCH)
    overhead = len(json.dumps({"Items": [], **({"BatchInput": batch_input} if batch_input is not None else {})}))
    grouped: list[list[Any]] = []
    size = overhead
    for item in items:
        item_bytes = len(json.dumps(item)) + 2  # the item and its separator
        if grouped and (len(grouped[-1]) == max_items or size + item_bytes > max_bytes):
            grouped.append([])
            size = overhead
        if not grouped:
            grouped.append([])
        grouped[-1].append(item)
        size += item_bytes
    return [{"Items": group, **({"BatchInput": batch_input} if batch_input is not None else {})} for group in grouped]


# --- 2. the S3 listing ItemReader: every page, in AWS's item shape -------------------------------


def _list_objects_v2(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3 import (
        ResourceEvalS3,
    )

    s3 = ResourceEvalS3._get_s3_client(resource_runtime_part=resource_runtime_part, state_credentials=state_credentials)
    parameters = dict(env.stack.pop())
    items = []
    for page in s3.get_paginator("list_objects_v2").paginate(**parameters):
        for listed in page.get("Contents", []):
            items.append({
                "Etag": listed["ETag"], "Key": listed["Key"],
                "LastModified": int(listed["LastModified"].timestamp()),
                "Size": listed["Size"], "StorageClass": listed.get("StorageClass", "STANDARD"),
            })  # fmt: skip
    env.stack.append(items)


# --- 3. batching, counts and child outcomes in the map run ---------------------------------------


def _map_run(self: Any, env: Any, eval_input: Any) -> None:
    """Group the listed items into batches, run the children (upstream), then apply the failure
    threshold; with a ResultWriter, the results are written before the map run fails."""
    record = eval_input.map_run_record
    items = env.stack[-1]
    batcher = getattr(self, _BATCHER, None)
    if batcher is not None:
        context = env.states.context_object.context_object_data
        batch_input = _batch_input(batcher.get("BatchInput"), env.states.get_input(), context)
        env.stack[-1] = batches(items, batcher, batch_input)
    jobs = env.stack[-1]
    setattr(record, _OUTCOMES, [])
    item_total = sum(len(job["Items"]) for job in jobs) if batcher is not None else len(jobs)
    record.item_counter.total.count(item_total)
    record.item_counter.pending.count(item_total)
    record.execution_counter.total.count(len(jobs))
    record.execution_counter.pending.count(len(jobs))
    UPSTREAM["map_run"](self, env, eval_input)
    failed_items = record.item_counter.failed.get() + record.item_counter.timed_out.get()
    tolerated = (record.tolerated_failure_count, float(record.tolerated_failure_percentage))
    if not exceeds_tolerance(failed_items, item_total, *tolerated):
        return
    writer = getattr(self, _RESULT_WRITER, None)
    if writer is not None:
        env.stack.append(env.stack.pop())  # the outputs, which ResultWriter consumes
        writer.eval(env)
        env.stack.pop()
    _raise_exceeded(env)


def exceeds_tolerance(failed: int, total: int, tolerated_count: int, tolerated_percentage: float) -> bool:
    """AWS: a map run fails when its failed items pass either tolerance that is set; with
    neither set (both 0, the defaults), one failed item fails it."""
    if not tolerated_count and not tolerated_percentage:
        return failed > 0
    over_count = bool(tolerated_count) and failed > tolerated_count
    over_percentage = bool(tolerated_percentage) and total > 0 and 100.0 * failed / total > tolerated_percentage
    return over_count or over_percentage


def _raise_exceeded(env: Any) -> None:
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    error_name = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
    details = EventDetails(mapRunFailedEventDetails=MapRunFailedEventDetails(error=EXCEEDED, cause=EXCEEDED_CAUSE))  # type: ignore[typeddict-item]
    raise FailureEventException(
        FailureEvent(env=env, error_name=error_name, event_type=HistoryEventType.MapRunFailed, event_details=details)
    )


def _now() -> str:
    return datetime.datetime.now(tz=datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _eval_job(self: Any, env: Any, job: Any) -> None:
    """One child execution over one item or batch: upstream's evaluation, with the counts of
    AWS's DescribeMapRun (items per batch, child executions) and the child's outcome kept."""
    from moto.stepfunctions.parser.asl.eval.program_state import ProgramError, ProgramStopped
    from moto.stepfunctions.parser.asl.eval.states import ItemData, MapData

    record = self._map_run_record
    batched = isinstance(job.job_input, dict) and isinstance(job.job_input.get("Items"), list)
    items = len(job.job_input["Items"]) if batched and getattr(record, _OUTCOMES, None) is not None else 1
    for counter, step in ((record.item_counter, items), (record.execution_counter, 1)):
        counter.pending.offset(-step)
        counter.running.count(step)
    outcome: dict[str, Any] = {
        "ExecutionArn": f"{record.map_state_machine_arn.replace(':stateMachine:', ':execution:')}:{uuid.uuid4()}",
        "Input": json.dumps(job.job_input), "InputDetails": {"Included": True}, "StartDate": _now(),
        "StateMachineArn": record.map_state_machine_arn, "RedriveCount": 0,
    }  # fmt: skip
    status, output = "FAILED", None
    try:
        env.states.context_object.context_object_data["Map"] = MapData(
            Item=ItemData(Index=job.job_index, Value=job.job_input)
        )
        env.states.reset(job.job_input)
        env.stack.append(env.states.get_input())
        self._eval_input(env_frame=env)
        job.job_program.eval(env)
        end_state = env.program_state()
        if isinstance(end_state, ProgramError):
            error = end_state.error or {}
            outcome.update(Error=error.get("error", ""), Cause=error.get("cause", ""))
        elif isinstance(end_state, ProgramStopped):
            status = "ABORTED"
        else:
            status, output = "SUCCEEDED", env.states.get_input()
            outcome.update(Output=json.dumps(output), OutputDetails={"Included": True})
    except Exception as error:  # a child's evaluation failure is that child's failure, as on AWS
        from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import EvalTimeoutError

        status = "TIMED_OUT" if isinstance(error, EvalTimeoutError) else "FAILED"
        outcome.update(Error=type(error).__name__, Cause=str(error))
    finally:
        done = {"SUCCEEDED": "succeeded", "FAILED": "failed", "ABORTED": "aborted", "TIMED_OUT": "timed_out"}[status]
        for counter, step in ((record.item_counter, items), (record.execution_counter, 1)):
            counter.running.offset(-step)
            getattr(counter, done).count(step)
            if status == "SUCCEEDED":
                counter.results_written.count(step)
        outcome.update(Status=status, StopDate=_now())
        with _LOCK:
            getattr(record, _OUTCOMES, []).append(outcome)
        job.job_output = output


def _eval_pool(self: Any, job: Any, worker_frame: Any) -> None:
    """Upstream's worker loop, iterating instead of recursing once per job."""
    while job is not None:
        job_frame = worker_frame.open_inner_frame()
        self._eval_job(env=job_frame, job=job)
        worker_frame.delete_frame(job_frame)
        if isinstance(job.job_output, Exception) or self.stopped():
            break
        next_job = self._job_pool.next_job()
        if next_job is None:
            break
        self._job_pool.close_job(job)
        job = next_job
    self._env.delete_frame(worker_frame)
    if job is not None:
        self._job_pool.close_job(job)


# --- 4. ResultWriter: AWS's manifest and result files ------------------------------------------


def _put_results(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3 import (
        ResourceEvalS3,
    )

    parameters = dict(env.stack.pop())
    env.stack.pop()  # the children's outputs: written below from their outcomes, as AWS does
    s3 = ResourceEvalS3._get_s3_client(resource_runtime_part=resource_runtime_part, state_credentials=state_credentials)
    record = env.map_run_record_pool_manager.get_all()[-1]
    prefix = parameters.get("Prefix", "")
    prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
    folder = prefix + record.map_run_arn.split(":")[-1] + "/"
    outcomes = sorted(getattr(record, _OUTCOMES, []), key=lambda outcome: outcome["StartDate"])
    files: dict[str, list[dict[str, Any]]] = {"FAILED": [], "PENDING": [], "SUCCEEDED": []}
    for status in ("SUCCEEDED", "FAILED"):
        chosen = [o for o in outcomes if (o["Status"] == "SUCCEEDED") == (status == "SUCCEEDED")]
        if chosen:
            body = json.dumps(chosen).encode()
            key = f"{folder}{status}_0.json"
            s3.put_object(Bucket=parameters["Bucket"], Key=key, Body=body)
            files[status].append({"Key": key, "Size": len(body)})
    manifest = {"DestinationBucket": parameters["Bucket"], "MapRunArn": record.map_run_arn, "ResultFiles": files}
    s3.put_object(Bucket=parameters["Bucket"], Key=folder + "manifest.json", Body=json.dumps(manifest).encode())
    env.stack.append(
        {
            "MapRunArn": record.map_run_arn,
            "ResultWriterDetails": {"Bucket": parameters["Bucket"], "Key": folder + "manifest.json"},
        }
    )


def apply() -> None:
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
        resource_eval_s3 as reader_s3,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component import (
        DistributedIterationComponent,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.itemprocessor.distributed_item_processor_worker import (
        DistributedItemProcessorWorker,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_map.result_writer.resource_eval import (
        resource_eval_s3 as writer_s3,
    )
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    if UPSTREAM:
        return
    UPSTREAM["parse"] = AmazonStateLanguageParser.parse
    UPSTREAM["map_run"] = DistributedIterationComponent._map_run
    AmazonStateLanguageParser.parse = staticmethod(_parse)
    DistributedIterationComponent._map_run = _map_run
    DistributedItemProcessorWorker._eval_job = _eval_job
    UPSTREAM["eval_pool"] = DistributedItemProcessorWorker._eval_pool
    DistributedItemProcessorWorker._eval_pool = _eval_pool
    reader_s3.ResourceEvalS3._handle_list_objects_v2 = staticmethod(_list_objects_v2)
    writer_s3.ResourceEvalS3._handle_put_object = staticmethod(_put_results)
