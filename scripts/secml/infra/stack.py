"""The stack's lifecycle for a target: `up` (emulator, build, apply, seed the emulator's inputs),
`down` (SageMaker leftovers, destroy, emulator) and its outputs, as the rest of secml reads them."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from secml.core.errors import InputError, NotReadyError
from secml.core.target import Target
from secml.emulator import server
from secml.infra import preflight
from secml.infra.artefacts import BuildResult, build_all
from secml.infra.terraform import TerraformRunner

if TYPE_CHECKING:
    from secml.data.corpus import CorpusSummary

# What `terraform destroy` deliberately leaves on AWS, for the user to know about.
KMS_KEY_NOTE = (
    "KMS key {key} is scheduled for deletion in 7 days (AWS never deletes a key at once); "
    "`aws kms cancel-key-deletion --key-id {key}` keeps it."
)
REUSED_DETECTOR_NOTE = (
    "GuardDuty detector {detector} was reused, not created, so it is still on: "
    "switch it off yourself if nothing else needs it (`aws guardduty delete-detector`)."
)


@dataclass(frozen=True)
class UpReport:
    build: BuildResult
    apply_seconds: float
    seed_summary: CorpusSummary | None


def outputs(target: Target) -> dict[str, Any]:
    """Terraform outputs of the stack on `target`, as plain Python values. On the emulator, only
    while the emulator holding the stack runs: its resources die with it, the state does not."""
    server.require_running(target)
    values = TerraformRunner(target).outputs()
    if not values:
        raise NotReadyError(f"the stack is not applied on target {target.name}; run `make up TARGET={target.name}`")
    return values


def check_aws_credentials(target: Target) -> str:
    """The caller's ARN; a clear error instead of Terraform's when credentials are missing.
    A fresh session, so credentials resolved earlier in this process are not reused."""
    try:
        sts = boto3.session.Session(region_name=target.region).client("sts")
        identity = sts.get_caller_identity()
    except NoCredentialsError as error:
        raise InputError("no AWS credentials found: configure a profile or set AWS_ACCESS_KEY_ID") from error
    except (ClientError, BotoCoreError) as error:
        raise InputError(f"AWS credentials do not work: {error}") from error
    return str(identity["Arn"])


# Where the generated findings go when the GuardDuty ingest reads the detector's own export.
GENERATED_FINDINGS_PREFIX = "guardduty/"


def seed_inputs(target: Target, values: dict[str, Any]) -> CorpusSummary | None:
    """Upload the generated CloudTrail logs and GuardDuty findings where the stack reads them,
    when it reads its own bucket (the default, on both targets); a user's own trail bucket is
    never written to. Findings go beside them when the GuardDuty ingest reads the export."""
    from secml.data import (
        seed,  # imported when used: the corpus generator is not CLI start-up
    )

    own_bucket = values["tuples_bucket_name"]
    cloudtrail, guardduty = values["cloudtrail_input"], values["guardduty_input"]
    if cloudtrail["bucket"] != own_bucket:
        return None
    if guardduty["bucket"] != own_bucket or values.get("guardduty_reads_export"):
        guardduty = {"bucket": own_bucket, "prefix": GENERATED_FINDINGS_PREFIX}
    return seed.upload_corpus(
        target,
        (cloudtrail["bucket"], cloudtrail["prefix"]),
        (guardduty["bucket"], guardduty["prefix"]),
        target.state_dir / "truth.csv",
    )


def detector_choice(state: dict[str, Any], existing_detector: str | None) -> dict[str, str]:
    """`create_guardduty_detector` as the account needs it: what the applied stack already
    decided, else false when the region has a detector (GuardDuty allows one per account and
    region), else the user's own setting (default true)."""
    if "guardduty_detector_created" in state:
        return {"create_guardduty_detector": str(bool(state["guardduty_detector_created"])).lower()}
    if existing_detector is not None:
        print(f"reusing GuardDuty detector {existing_detector} (create_guardduty_detector=false); `make down` keeps it")
        return {"create_guardduty_detector": "false"}
    return {}


def preflight_or_stop(target: Target, runner: TerraformRunner) -> preflight.Findings:
    """`secml doctor`'s checks, printed; a blocker stops `up` before Terraform creates anything."""
    found = preflight.run_checks(target, runner)
    for check in found.checks:
        print(check.line())
    if found.blockers:
        raise InputError(
            f"{len(found.blockers)} blocker(s) above ({', '.join(c.name for c in found.blockers)}); nothing was created"
        )
    return found


def up(target: Target) -> UpReport:
    if target.is_emulator:
        server.start(target)
    else:
        print(f"deploying to AWS as {check_aws_credentials(target)} in {target.region}")
    built = build_all()
    runner = TerraformRunner(target)
    found = preflight_or_stop(target, runner)  # runs init: provider installation is not apply time
    chosen = detector_choice(runner.outputs(), found.existing_detector)
    started = time.monotonic()
    runner.apply(chosen)
    apply_seconds = time.monotonic() - started
    values = runner.outputs()
    if values.get("guardduty_reads_export"):
        print(f"the GuardDuty ingest reads the detector's export: {preflight.EXPORT_DELAY_NOTE}")
    return UpReport(build=built, apply_seconds=apply_seconds, seed_summary=seed_inputs(target, values))


def left_on_aws(values: dict[str, Any]) -> list[str]:
    """Notes on what `terraform destroy` leaves on AWS on purpose, from the stack's outputs."""
    notes = []
    if values.get("guardduty_detector_created") is False:
        notes.append(REUSED_DETECTOR_NOTE.format(detector=values["guardduty_detector_id"]))
    if values.get("tuples_kms_key_created"):
        notes.append(KMS_KEY_NOTE.format(key=values["tuples_kms_key_arn"]))
    return notes


def down(target: Target, keep_emulator: bool = False) -> list[str]:
    """Destroy the stack; returns notes on what AWS still holds, for the user to act on.
    `keep_emulator` leaves the emulator running after the destroy, so what is left in it can be
    inspected (the end-to-end test does)."""
    runner = TerraformRunner(target)
    if target.is_emulator and server.running_pid(target) is None:
        # The emulator keeps everything in memory: with it stopped, the stack is already gone.
        runner.forget_state()
        server.stop(target)
        return []
    if not target.is_emulator:
        check_aws_credentials(target)
    from secml.ipinsights.cleanup import (
        delete_hosted_resources,  # imported when used, as above
    )

    for name in delete_hosted_resources(target):
        print(f"deleted {name}")
    runner.init()
    # Decided by the resources in the state, not by its outputs: a destroy cut short (Ctrl-C)
    # leaves every output gone while resources remain, and those must still be destroyed.
    resources = runner.resources()
    if not resources and not target.is_emulator:
        raise NotReadyError(
            f"no applied stack in {runner.state_path}: nothing destroyed (a stack applied from "
            "another checkout, or with plain terraform, is destroyed from there)"
        )
    values = runner.outputs() if resources else {}
    if resources:
        build_all()  # destroy evaluates the configuration, which hashes the built artefacts
        runner.destroy(detector_choice(values, None))
    if target.is_emulator:
        if not keep_emulator:
            server.stop(target)
        return []
    return left_on_aws(values)
