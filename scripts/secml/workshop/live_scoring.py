"""Exercise 3, "Automate it": the deployed automation scores findings as GuardDuty creates them.

3.1 confirms the automation is deployed (modules/automation: rule, scorer, topic, dead letters).
3.2 promotes the model exercise 2 trained (secml.automation.promotion: artefact, or serverless
    endpoint for a SageMaker-trained model; calibrated threshold, validation AUC; refused when
    worse than the current one).
3.3 subscribes a queue of its own to the unusual-findings topic (an analyst's subscription),
    makes GuardDuty emit findings and follows each one to its verdict: the live score under
    scores/live/ and, for unusual ones, the SNS message. On the emulator the findings are the
    generated corpus's (ground truth known), emitted through the emulator's seeding route; on
    AWS, GuardDuty's sample findings. It ends with what reached each delivery, the dead-letter
    queue, and (with ground truth) the live ROC AUC next to the batch report's on the same findings.
Nothing here scores: the deployed function does, through EventBridge, as it would in production.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import numpy as np

from secml.automation import promotion, registry
from secml.core import storage
from secml.core.errors import NotReadyError, ServiceError
from secml.core.target import Target
from secml.ipinsights.backend import MANIFEST
from secml.ipinsights.metrics import roc_auc
from secml.report import compose, quality
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE
from secml.workshop.training_run import TrainingRun, report_inputs
from secml_ingest.delivery import iso_time
from secml_ingest.guardduty import findings_from_bytes, tuples_from_finding
from secml_ingest.s3_sources import list_objects
from secml_ingest.verdicts import UNUSUAL, USUAL

SCORER_OUTPUT = "finding_scorer_function_name"
TOPIC_OUTPUT = "unusual_findings_topic_arn"
DEAD_LETTER_OUTPUT = "finding_scorer_dead_letter_queue_url"
LIVE_PREFIX = "scores/live"
POLL_SECONDS = 0.5
# Waiting for every verdict: a fixed allowance plus a share per finding (emulator invocations
# are cold subprocesses, a few at a time).
WAIT_BASE_S = 60.0
WAIT_PER_FINDING_S = 1.0
# Emission pace on the emulator: below the emulator's scoring throughput (about 3 cold
# invocations a second on 2 idle cores, fewer when they are shared), so a latency is mostly the
# pipeline's, not a queue's.
EMIT_PER_SECOND = 1.0
AUC_AGREEMENT = 0.005


def automation_outputs(outputs: dict[str, Any]) -> tuple[str, str, str]:
    """The scorer, topic and dead-letter queue of the deployed automation, or a clear error."""
    values = (outputs.get(SCORER_OUTPUT), outputs.get(TOPIC_OUTPUT), outputs.get(DEAD_LETTER_OUTPUT))
    if not all(values):
        raise NotReadyError("the automation is not deployed: set automation_enabled = true and run make up")
    return str(values[0]), str(values[1]), str(values[2])


def latest_trained_run(bucket: str) -> str:
    """The newest run under model/ that has a trained model (run names sort by time)."""
    s3 = boto3.client("s3")
    runs: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="model/", Delimiter="/"):
        runs.extend(p["Prefix"][len("model/") : -1] for p in page.get("CommonPrefixes", []))
    for run in sorted(runs, reverse=True):
        if storage.exists(f"s3://{bucket}/model/{run}/{MANIFEST}"):
            return run
    raise NotReadyError(f"no trained model in s3://{bucket}/model/: run exercise 2 first (make exercise2)")


def promote_run(run: TrainingRun) -> registry.Decision:
    """Promote the model of `run` (exercise 2's) through the same step the schedule runs."""
    candidate = promotion.Candidate(
        model_uri=run.model,
        validation_scores=run.validation_scores,
        training_window={"source": run.train_tuples, "fit_channel": run.fit_channel, "run": run.run},
    )
    return promotion.promote_trained_model(
        f"s3://{run.bucket}/models", registry.registry_location(run.bucket), candidate
    )


def current_model_id(bucket: str) -> str:
    current = registry.read_registry(registry.registry_location(bucket)).get("current")
    if not current:
        raise NotReadyError("no model is promoted: run exercise 3.2")
    return str(current["model_id"])


@dataclass
class Subscription:
    """A queue subscribed to the topic for the length of the exercise (an analyst's inbox)."""

    queue_url: str
    subscription_arn: str

    @classmethod
    def create(cls, topic_arn: str, name: str) -> Subscription:
        sqs, sns = boto3.client("sqs"), boto3.client("sns")
        queue_url = sqs.create_queue(QueueName=name, Attributes={"SqsManagedSseEnabled": "true"})["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                           "Action": "sqs:SendMessage", "Resource": queue_arn,
                           "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}}],
        }  # fmt: skip
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
        arn = sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True)
        return cls(queue_url, str(arn["SubscriptionArn"]))

    def receive(self) -> Iterator[tuple[dict[str, Any], float]]:
        """Each unusual-finding message waiting (its summary) with the time SNS delivered it."""
        sqs = boto3.client("sqs")
        answer = sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0, AttributeNames=["SentTimestamp"]
        )
        for message in answer.get("Messages", []):
            sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
            envelope = json.loads(message["Body"])
            yield json.loads(envelope["Message"]), int(message["Attributes"]["SentTimestamp"]) / 1000

    def delete(self) -> None:
        boto3.client("sns").unsubscribe(SubscriptionArn=self.subscription_arn)
        boto3.client("sqs").delete_queue(QueueUrl=self.queue_url)


@dataclass
class Tracked:
    """One emitted finding on its way through the automation."""

    finding_id: str
    emitted_at: float
    label: str | None = None
    arn: str | None = None
    records: list[dict[str, Any]] = field(default_factory=list)  # live lines of this emission
    live_keys: set[str] = field(default_factory=set)
    sns_at: list[float] = field(default_factory=list)

    @property
    def verdict(self) -> str | None:
        return str(self.records[0]["finding_verdict"]) if self.records else None

    @property
    def lowest_score(self) -> float | None:
        scores = [r["score"] for r in self.records if r.get("verdict") in (USUAL, UNUSUAL) and "score" in r]
        return min(scores) if scores else None


def labelled_corpus_findings(target: Target, guardduty_input: dict[str, str], limit: int) -> list[dict[str, Any]]:
    """The generated findings (as the emulator's input bucket holds them) that have a truth
    label and give a scoring tuple, by id; the first `limit`."""
    truth_path = target.state_dir / "truth.csv"
    if not truth_path.is_file():
        raise NotReadyError(f"{truth_path} is missing: the emulator's corpus is seeded by make up")
    truth = quality.parse_truth(truth_path.read_text(encoding="utf-8"), str(truth_path))
    s3 = boto3.client("s3")
    found: dict[str, dict[str, Any]] = {}
    for stored in list_objects(s3, guardduty_input["bucket"], guardduty_input["prefix"]):
        data = s3.get_object(Bucket=guardduty_input["bucket"], Key=stored.key)["Body"].read()
        for finding in findings_from_bytes(stored.key, data):
            if (
                isinstance(finding, dict)
                and finding.get("id") in truth
                and isinstance(tuples_from_finding(finding), list)
            ):
                found[finding["id"]] = finding
    if not found:
        raise NotReadyError(f"no labelled findings under s3://{guardduty_input['bucket']}/{guardduty_input['prefix']}")
    return [found[fid] for fid in sorted(found)][:limit]


def _live_day_prefixes(started: float) -> list[str]:
    days = sorted({time.strftime("%Y/%m/%d", time.gmtime(t)) for t in (started, time.time())})
    return [f"{LIVE_PREFIX}/{day}/" for day in days]


def collect_live(bucket: str, started: float, tracked: dict[str, Tracked], seen_keys: set[str]) -> list[Tracked]:
    """Read live-score objects written since `started`; returns the findings newly scored."""
    s3 = boto3.client("s3")
    started_iso = iso_time(started - 1)
    arrived: list[Tracked] = []
    for prefix in _live_day_prefixes(started):
        for stored in list_objects(s3, bucket, prefix):
            if stored.key in seen_keys:
                continue
            seen_keys.add(stored.key)
            body = s3.get_object(Bucket=bucket, Key=stored.key)["Body"].read().decode("utf-8")
            lines = [json.loads(line) for line in body.splitlines() if line.strip()]
            if not lines or lines[0]["scored_at"] < started_iso or lines[0]["finding_id"] not in tracked:
                continue
            item = tracked[lines[0]["finding_id"]]
            item.live_keys.add(stored.key)
            if not item.records:
                item.records = lines
                arrived.append(item)
    return arrived


def scored_line(item: Tracked) -> str:
    first = item.records[0]
    latency = (_epoch(first["scored_at"]) - item.emitted_at) if first.get("scored_at") else float("nan")
    score = item.lowest_score
    shown = f"{score:8.3f}" if score is not None else "       -"
    truth = f"  truth: {item.label}" if item.label else ""
    principal = next((r.get("principal") for r in item.records if r.get("principal")), "-")
    ip = next((r.get("ip") for r in item.records if r.get("ip")), "-")
    return (
        f"{item.verdict!s:16} score {shown} (threshold {first['threshold']:.3f})  {latency:5.2f} s  "
        f"{principal} {ip}  {first.get('type')}  {item.finding_id}{truth}"
    )


def _epoch(iso: str) -> float:
    import calendar

    whole, _, fraction = iso.rstrip("Z").partition(".")
    return calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float(f"0.{fraction or 0}")


def live_auc(tracked: dict[str, Tracked]) -> tuple[float | None, list[str]]:
    """ROC AUC of "lower live score = attack" over the labelled findings the model judged, and
    their ids (the batch figure is computed over the same ids)."""
    judged = [t for t in tracked.values() if t.label and t.lowest_score is not None]
    labels = np.array([t.label == quality.ATTACK for t in judged])
    if not 0 < labels.sum() < labels.size:
        return None, [t.finding_id for t in judged]
    scores = np.array([t.lowest_score for t in judged], dtype=np.float64)
    return roc_auc(-scores, labels), [t.finding_id for t in judged]


def batch_auc(run: TrainingRun, truth: dict[str, str], finding_ids: list[str]) -> float | None:
    """The batch report's ROC AUC (exercise 2.4's code) restricted to `finding_ids`."""
    report = compose.compose_report(report_inputs(run, None, None, DEFAULT_FALSE_POSITIVE_RATE), run.run)
    wanted = set(finding_ids)
    measured = quality.evaluate([f for f in report.findings if f.finding_id in wanted], truth, report.threshold.value)
    return measured.roc_auc


def percentile(values: list[float], share: float) -> float:
    return float(np.percentile(np.array(values), share * 100)) if values else float("nan")


@dataclass
class LiveRun:
    """What exercise 3.3 saw: every emitted finding with its deliveries, and the dead letters."""

    tracked: dict[str, Tracked]
    dead_letters: int
    security_hub: str
    wall_s: float

    @property
    def scored(self) -> list[Tracked]:
        return [t for t in self.tracked.values() if t.records]

    def sns_latencies(self) -> list[float]:
        return [t.sns_at[0] - t.emitted_at for t in self.tracked.values() if t.sns_at]

    def scored_latencies(self) -> list[float]:
        return [_epoch(t.records[0]["scored_at"]) - t.emitted_at for t in self.scored]

    def problems(self) -> list[str]:
        """Every way this run broke the automation's promise (scored once; unusual ones to SNS)."""
        found = []
        missing = [t.finding_id for t in self.tracked.values() if not t.records]
        if missing:
            found.append(f"{len(missing)} findings never scored (first: {missing[0]})")
        twice = [t.finding_id for t in self.tracked.values() if len(t.live_keys) > 1]
        if twice:
            found.append(f"{len(twice)} findings scored more than once (first: {twice[0]})")
        unsent = [t.finding_id for t in self.scored if t.verdict == UNUSUAL and len(t.sns_at) != 1]
        if unsent:
            found.append(f"{len(unsent)} unusual findings not on SNS exactly once (first: {unsent[0]})")
        stray = [t.finding_id for t in self.scored if t.verdict != UNUSUAL and t.sns_at]
        if stray:
            found.append(f"{len(stray)} findings on SNS that are not unusual (first: {stray[0]})")
        if self.dead_letters:
            found.append(f"{self.dead_letters} events in the dead-letter queue")
        return found

    def counts(self) -> str:
        verdicts: dict[str, int] = {}
        for item in self.scored:
            verdicts[str(item.verdict)] = verdicts.get(str(item.verdict), 0) + 1
        shown = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
        return (
            f"{len(self.tracked)} findings emitted; scored {len(self.scored)} ({shown}); "
            f"scores/live/: {sum(len(t.live_keys) for t in self.tracked.values())} records; "
            f"SNS: {sum(len(t.sns_at) for t in self.tracked.values())} messages; "
            f"Security Hub: {self.security_hub}; dead-letter queue: {self.dead_letters}"
        )


SECURITY_HUB_FILTER_VALUES = 20  # GetFindings takes at most 20 values a filter


def security_hub_verdicts(tracked: dict[str, Tracked]) -> int:
    """How many of the findings' Security Hub twins carry a secml verdict."""
    hub = boto3.client("securityhub")
    arns = sorted(t.arn for t in tracked.values() if t.arn)
    annotated = 0
    for start in range(0, len(arns), SECURITY_HUB_FILTER_VALUES):
        batch = set(arns[start : start + SECURITY_HUB_FILTER_VALUES])
        filters = {"Id": [{"Value": arn, "Comparison": "EQUALS"} for arn in sorted(batch)]}
        for page in hub.get_paginator("get_findings").paginate(Filters=filters):
            annotated += sum(
                1 for f in page["Findings"] if f["Id"] in batch and "secml_verdict" in f.get("UserDefinedFields", {})
            )
    return annotated


def dead_letter_count(queue_url: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


class Emitter:
    """Makes GuardDuty emit findings: the labelled corpus findings on the emulator (through its
    seeding route, one at a time at `rate` per second, as findings arrive in production rather
    than in one burst), GuardDuty's sample findings on AWS (one CreateSampleFindings call).
    Emission runs on a thread so that verdicts print while findings are still being emitted."""

    def __init__(self, target: Target, outputs: dict[str, Any], limit: int, rate: float) -> None:
        self.target = target
        self.detector_id = str(outputs["guardduty_detector_id"])
        self.rate = rate
        self.error: Exception | None = None
        self.findings: list[dict[str, Any]] = []
        if target.is_emulator:
            truth_path = target.state_dir / "truth.csv"
            self.findings = labelled_corpus_findings(target, outputs["guardduty_input"], limit)
            truth = quality.parse_truth(truth_path.read_text(encoding="utf-8"), str(truth_path))
            self.tracked = {
                f["id"]: Tracked(f["id"], float("nan"), truth.get(f["id"]), f.get("arn")) for f in self.findings
            }
        else:
            self.tracked = {}
            self.limit = limit
        self.thread = threading.Thread(target=self._run, name="emit-findings", daemon=True)

    def _run(self) -> None:
        try:
            if self.target.is_emulator:
                from secml.emulator.findings import emit_findings

                for finding in self.findings:
                    self.tracked[finding["id"]].emitted_at = time.time()
                    emit_findings(self.target, self.detector_id, [finding])
                    time.sleep(1 / self.rate)
            else:
                from secml.workshop.sample_findings import sample_finding_ids

                guardduty = boto3.client("guardduty", region_name=self.target.region)
                emitted_at = time.time()
                guardduty.create_sample_findings(DetectorId=self.detector_id)
                ids = list(sample_finding_ids(guardduty, self.detector_id))[: self.limit]
                found = (
                    guardduty.get_findings(DetectorId=self.detector_id, FindingIds=ids[:50])["Findings"] if ids else []
                )
                arns = {f["Id"]: f.get("Arn") for f in found}
                self.tracked.update({fid: Tracked(fid, emitted_at, arn=arns.get(fid)) for fid in ids})
        except Exception as error:  # raised again on the main thread by done()
            self.error = error

    def start(self) -> None:
        self.thread.start()

    def done(self) -> bool:
        if self.error is not None:
            raise ServiceError(f"emitting findings failed: {self.error}") from self.error
        return not self.thread.is_alive()


def follow(target: Target, outputs: dict[str, Any], limit: int, security_hub: bool) -> LiveRun:
    """Emit findings and print each verdict as it arrives, until all are scored (or the wait
    allowance runs out), then collect the SNS messages still on their way."""
    bucket = str(outputs["tuples_bucket_name"])
    _, topic_arn, dead_letter_url = automation_outputs(outputs)
    subscription = Subscription.create(topic_arn, f"{topic_arn.rsplit(':', 1)[-1]}-exercise3")
    try:
        dead_before = dead_letter_count(dead_letter_url)
        started = time.time()
        seen_keys: set[str] = set()
        collect_live(bucket, started, {}, seen_keys)  # what is already there is not this run's
        emitter = Emitter(target, outputs, limit, EMIT_PER_SECOND)
        tracked = emitter.tracked
        print(
            f"emitting {len(tracked) or 'sample'} findings, {EMIT_PER_SECOND:g} a second; verdicts as they arrive "
            "(verdict, lowest score, threshold, latency from emission to live score):"
        )
        emitter.start()
        deadline = time.monotonic() + WAIT_BASE_S + WAIT_PER_FINDING_S * limit
        unusual_waiting = True
        while time.monotonic() < deadline and (
            not emitter.done() or any(not t.records for t in tracked.values()) or unusual_waiting
        ):
            for item in collect_live(bucket, started, tracked, seen_keys):
                print(scored_line(item), flush=True)
            for summary, sent_at in subscription.receive():
                if summary.get("finding_id") in tracked:
                    tracked[summary["finding_id"]].sns_at.append(sent_at)
            scored = [t for t in tracked.values() if t.records]
            unusual_waiting = any(t.verdict == UNUSUAL and not t.sns_at for t in scored)
            time.sleep(POLL_SECONDS)
        time.sleep(POLL_SECONDS)  # a duplicate delivery would arrive now; count it
        collect_live(bucket, started, tracked, seen_keys)
        for summary, sent_at in subscription.receive():
            if summary.get("finding_id") in tracked:
                tracked[summary["finding_id"]].sns_at.append(sent_at)
        hub = (
            f"{security_hub_verdicts(tracked)} findings annotated"
            if security_hub
            else "off (automation_security_hub_enabled = false)"
        )
        return LiveRun(tracked, dead_letter_count(dead_letter_url) - dead_before, hub, time.time() - started)
    finally:
        subscription.delete()


# What stays deployed on AWS after exercise 3, and its cost at the defaults (docs/automation.md
# has the formulas and the figures they come from).
RUNNING_ON_AWS = """\
What keeps running on AWS until make down: the EventBridge rule on GuardDuty findings, the scorer
Lambda (it runs only when a finding arrives), the SNS topic, the dead-letter queue, and the weekly
retraining schedule with its retrainer Lambda and the promoter Lambda that judges each retrained
model, and, for a SageMaker-trained model, its serverless endpoint (a promotion replaces it).
Nothing is always on: no instance, and a serverless endpoint bills only per request.
Cost at the defaults (us-east-1 list prices, docs/automation.md has the formulas): about $0.10-0.20
per 10,000 findings scored (Lambda, S3 requests, SNS, KMS, logs, X-Ray), and about $0.10 a month
for weekly retraining and promotion (a few minutes of ml.m5.xlarge training and of the promoter
each week); idle resources cost
nothing beyond the stack's KMS key."""
