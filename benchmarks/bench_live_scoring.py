"""Latency of the deployed automation on the emulator, and the scorer's own cost per finding.

Needs the stack up on the emulator with a promoted model (after `make demo`, or `make up`,
`make exercise2`, `make exercise3`); SECML_EMULATOR_PORT picks the emulator.

1. Event -> SNS, one finding at a time (no queue): each unusual corpus finding is emitted through
   GuardDuty (the emulator's seeding route), and timed until its SNS message lands in a
   subscribed SQS queue (the message's SentTimestamp). On the emulator EVERY invocation is a
   cold start: a fresh subprocess imports boto3 and loads the model's sections.
2. The same as a burst (all at once): latency then includes the emulator's queue (4 workers).
3. The handler in this process against the same emulator, as a warm Lambda container runs it:
   cold (import + first finding) and warm latency, and the process's peak memory (VmHWM).

Usage: python benchmarks/bench_live_scoring.py [--findings 200] [--burst 40] [--warm 200]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import boto3
import numpy as np

from secml.core.checkout import build_dir
from secml.core.target import resolve_target
from secml.emulator.findings import emit_findings
from secml.infra import stack
from secml.workshop import live_scoring


def percentiles(values: list[float]) -> str:
    a = np.array(values)
    return f"p50 {np.percentile(a, 50):.3f} s, p95 {np.percentile(a, 95):.3f} s, max {a.max():.3f} s (n={a.size})"


def unusual_findings(outputs: dict[str, Any], target: Any) -> list[dict[str, Any]]:
    """The corpus findings the promoted model calls unusual (from exercise 3's live scores)."""
    bucket = outputs["tuples_bucket_name"]
    s3 = boto3.client("s3")
    unusual: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="scores/live/"):
        for item in page.get("Contents", []):
            for line in s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode().splitlines():
                record = json.loads(line)
                if record["finding_verdict"] == "unusual":
                    unusual.add(record["finding_id"])
    findings = [
        f
        for f in live_scoring.labelled_corpus_findings(target, outputs["guardduty_input"], 10_000)
        if f["id"] in unusual
    ]
    if not findings:
        sys.exit("no unusual finding scored yet: run make exercise3 first")
    return findings


def wait_for_messages(subscription: live_scoring.Subscription, wanted: int, timeout_s: float) -> list[float]:
    sent: list[float] = []
    deadline = time.monotonic() + timeout_s
    while len(sent) < wanted and time.monotonic() < deadline:
        sent.extend(at for _, at in subscription.receive())
        time.sleep(0.05)
    return sent


def scorer_reports(function_name: str, since_ms: int) -> tuple[list[float], list[int]]:
    logs = boto3.client("logs")
    durations: list[float] = []
    memory: list[int] = []
    pages = logs.get_paginator("filter_log_events").paginate(
        logGroupName=f"/aws/lambda/{function_name}", startTime=since_ms, filterPattern="REPORT"
    )
    for page in pages:
        for event in page["events"]:
            parts = dict(p.split(": ", 1) for p in event["message"].strip().split("\t") if ": " in p)
            durations.append(float(parts["Duration"].split()[0]) / 1000)
            memory.append(int(parts["Max Memory Used"].split()[0]))
    return durations, memory


def in_process(outputs: dict[str, Any], finding: dict[str, Any], calls: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="secml-bench-scorer-"))
    with zipfile.ZipFile(build_dir() / "lambda" / "finding_scorer.zip") as archive:
        archive.extractall(folder)
    sys.path.insert(0, str(folder))
    os.environ.update(
        {"TUPLES_BUCKET": outputs["tuples_bucket_name"], "TOPIC_ARN": outputs["unusual_findings_topic_arn"]}
    )
    event = {"id": "bench", "time": "2026-01-01T00:00:00Z", "detail": finding}
    started = time.perf_counter()
    scorer = importlib.import_module("finding_scorer")
    imported = time.perf_counter() - started
    with contextlib.redirect_stdout(io.StringIO()):  # the handler prints its result line
        scorer.handler(event, None)
        first = time.perf_counter() - started
        warm = []
        for _ in range(calls):
            began = time.perf_counter()
            scorer.handler(event, None)
            warm.append(time.perf_counter() - began)
    status = Path("/proc/self/status").read_text(encoding="ascii").splitlines()
    peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(
        f"in process: import {imported:.3f} s (boto3 already loaded), cold (import + first finding: model "
        f"sections, rows) {first:.3f} s; warm {percentiles(warm)}"
    )
    print(f"in process: peak resident memory of this process {peak_kb / 1024:.0f} MB (includes the benchmark's numpy)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--findings", type=int, default=200)
    parser.add_argument("--burst", type=int, default=40)
    parser.add_argument("--warm", type=int, default=200)
    args = parser.parse_args()
    target = resolve_target("local")
    target.activate()
    outputs = stack.outputs(target)
    detector_id = outputs["guardduty_detector_id"]
    findings = unusual_findings(outputs, target)
    topic = outputs["unusual_findings_topic_arn"]
    subscription = live_scoring.Subscription.create(topic, f"{topic.rsplit(':', 1)[-1]}-bench")
    since_ms = int(time.time() * 1000)
    try:
        sequential = []
        for i in range(args.findings):
            emitted = time.time()
            emit_findings(target, detector_id, [findings[i % len(findings)]])
            arrived = wait_for_messages(subscription, 1, 60)
            if not arrived:
                sys.exit(f"finding {i}: no SNS message within 60 s")
            sequential.append(arrived[0] - emitted)
        print(f"event -> SNS, one at a time (every invocation a cold subprocess): {percentiles(sequential)}")
        burst = [findings[i % len(findings)] for i in range(args.burst)]
        emitted = time.time()
        emit_findings(target, detector_id, burst)
        arrived = wait_for_messages(subscription, len(burst), 300)
        print(
            f"event -> SNS, {len(burst)} at once (emulator queue, 4 workers): {percentiles([a - emitted for a in arrived])}"
        )
    finally:
        subscription.delete()
    durations, memory = scorer_reports(outputs["finding_scorer_function_name"], since_ms)
    print(f"scorer invocations on the emulator: duration {percentiles(durations)}; max memory used {max(memory)} MB")
    in_process(outputs, findings[0], args.warm)


if __name__ == "__main__":
    main()
