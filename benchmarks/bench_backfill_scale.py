"""The backfill at scale on the emulator: the deployed state machine definition
(terraform/modules/parts/backfill.asl.json.tftpl, rendered as Terraform renders it) over the
deployed parts function (the cloudtrail_parts zip `secml build` makes), run by the patched emulator
(moto's Step Functions interpreter; each Lambda invocation a subprocess running the zip), at
MaxConcurrency 1, 2 and 4 over the same generated organisation-style trail.

Per run it prints the wall time, records/s, the child batches, and from the function's REPORT
log lines (CloudWatch Logs, written by the emulator's Lambda runtime as Lambda writes them) the
mean duration per batch and per object and the peak resident memory of any one invocation.

On a 2-core machine shared with other work, the emulator process (moto, one Python process) and
the invocations compete for the same two cores: expect the wall time to stop improving at 2.

Usage: .venv/bin/python benchmarks/bench_backfill_scale.py [--records 200000] [--batch 20]
       [--concurrency 1 2 4] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "terraform" / "modules" / "parts" / "backfill.asl.json.tftpl"
INPUT, TUPLES, PREFIX = "bench-trail", "bench-tuples", "cloudtrail/"
REPORT = re.compile(r"Duration: ([\d.]+) ms.*Max Memory Used: (\d+) MB")
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
         "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]}}]}  # fmt: skip


def render(values: dict[str, Any]) -> str:
    """The template with `${name}` replaced, as Terraform's templatefile does for these values."""
    return re.sub(r"\$\{(\w+)\}", lambda match: str(values[match.group(1)]), TEMPLATE.read_text())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def deploy(boto3: Any, package: Path, memory_mb: int) -> tuple[str, str]:
    """The parts function as modules/parts configures it, and a role for the state machines."""
    role = boto3.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    function = boto3.client("lambda").create_function(
        FunctionName="bench-parts", Runtime="python3.12", Role=role, Handler="cloudtrail_parts.handler",
        Code={"ZipFile": package.read_bytes()}, Timeout=300, MemorySize=memory_mb,
        Environment={"Variables": {"INPUT_BUCKET": INPUT, "OUTPUT_BUCKET": TUPLES}},
    )  # fmt: skip
    return str(function["FunctionArn"]), str(role)


def reports(boto3: Any, since_ms: int) -> list[tuple[float, int]]:
    logs = boto3.client("logs")
    found = []
    for page in logs.get_paginator("filter_log_events").paginate(
        logGroupName="/aws/lambda/bench-parts", startTime=since_ms, filterPattern="REPORT"
    ):
        for event in page["events"]:
            match = REPORT.search(event["message"])
            if match:
                found.append((float(match.group(1)), int(match.group(2))))
    return found


def run_once(boto3: Any, machine: str, records: int, objects: int) -> dict[str, Any]:
    sfn = boto3.client("stepfunctions")
    since_ms = int(time.time() * 1000)
    started = time.perf_counter()
    execution = sfn.start_execution(
        stateMachineArn=machine, input=json.dumps({"prefix": PREFIX, "since": "", "until": ""})
    )
    while (described := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
        time.sleep(0.5)
    wall = time.perf_counter() - started
    if described["status"] != "SUCCEEDED":
        raise SystemExit(f"backfill {described['status']}: {described.get('error')} {described.get('cause')}")
    runs = reports(boto3, since_ms)
    durations = [duration for duration, _ in runs]
    return {
        "wall_s": wall, "records_per_s": records / wall, "batches": len(runs),
        "batch_ms": statistics.mean(durations), "object_ms": sum(durations) / objects,
        "peak_mb": max(memory for _, memory in runs),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=20, help="objects per batch (ItemBatcher)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--memory-mb", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    state = tempfile.mkdtemp(prefix="bench-backfill-")
    os.environ["SECML_STATE_DIR"] = state
    sys.path.insert(0, str(ROOT / "scripts"))
    import boto3

    from secml.core.checkout import lambda_src_dir
    from secml.core.target import DEFAULT_REGION, Target
    from secml.data.corpus import CorpusSize, generate_into
    from secml.emulator import server
    from secml.infra.artefacts import build_lambda_zip

    target = Target(name="local", region=DEFAULT_REGION, emulator_port=free_port())
    server.start(target)
    try:
        os.environ.update(target.environment())
        package = build_lambda_zip(lambda_src_dir(), "cloudtrail_parts", Path(state) / "cloudtrail_parts.zip")
        s3 = boto3.client("s3")
        for bucket in (INPUT, TUPLES):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": target.region})
        size = CorpusSize(records=args.records, days=max(1, round(args.records / 100_000)))
        summary = generate_into(f"s3://{INPUT}/{PREFIX}", f"s3://{INPUT}/guardduty/", Path(state) / "truth.csv",
                                seed=11, size=size, s3_client=s3)  # fmt: skip
        objects = sum(1 for page in s3.get_paginator("list_objects_v2").paginate(Bucket=INPUT, Prefix=PREFIX)
                      for _ in page.get("Contents", []))  # fmt: skip
        records = summary.records
        function_arn, role = deploy(boto3, package, args.memory_mb)
        print(f"{records} records in {objects} objects, {args.batch} objects per batch, {args.memory_mb} MB functions")
        print(
            f"{'concurrency':>11} {'wall s':>8} {'records/s':>10} {'batches':>8} {'ms/batch':>9} {'ms/object':>10} {'peak MB':>8}"
        )
        for concurrency in args.concurrency:
            definition = render({
                "function_arn": function_arn, "input_bucket": INPUT, "tuples_bucket": TUPLES,
                "results_path": "backfill/runs", "max_concurrency": concurrency,
                "objects_per_batch": args.batch, "tolerated_failures": 0,
            })  # fmt: skip
            machine = boto3.client("stepfunctions").create_state_machine(
                name=f"bench-{concurrency}", definition=definition, roleArn=role
            )["stateMachineArn"]
            for _ in range(args.repeat):
                figures = run_once(boto3, machine, records, objects)
                print(f"{concurrency:>11} {figures['wall_s']:>8.1f} {figures['records_per_s']:>10.0f} "
                      f"{figures['batches']:>8} {figures['batch_ms']:>9.0f} {figures['object_ms']:>10.1f} "
                      f"{figures['peak_mb']:>8}", flush=True)  # fmt: skip
    finally:
        server.stop(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
