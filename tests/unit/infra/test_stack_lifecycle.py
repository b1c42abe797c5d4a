"""The stack's orchestration around Terraform: per-target workspaces, offline init, clear errors,
and what `secml stack down` tells the user about AWS."""

from __future__ import annotations

from pathlib import Path

import pytest

from secml.core.errors import InputError, NotReadyError
from secml.core.target import Target
from secml.infra import stack, terraform
from secml.infra.terraform import TerraformRunner, plugin_dir_args

LOCAL = Target(name="local", region="us-west-2", emulator_port=5099)
AWS = Target(name="aws", region="eu-west-1", emulator_port=5099)


@pytest.fixture(autouse=True)
def state_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_targets_never_share_state_or_working_data(state_root: Path) -> None:
    local, aws = TerraformRunner(LOCAL).environment(), TerraformRunner(AWS).environment()
    assert TerraformRunner(LOCAL).state_path == state_root / "local" / "terraform" / "stack-5099.tfstate"
    assert TerraformRunner(AWS).state_path == state_root / "aws" / "terraform" / "stack.tfstate"
    assert local["TF_DATA_DIR"] == str(state_root / "local" / "terraform" / "data")
    assert aws["TF_DATA_DIR"] == str(state_root / "aws" / "terraform" / "data")
    assert local["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5099"


def test_each_emulator_port_has_its_own_state(state_root: Path) -> None:
    other_port = Target(name="local", region="us-west-2", emulator_port=5100)
    assert TerraformRunner(LOCAL).state_path != TerraformRunner(other_port).state_path
    assert TerraformRunner(other_port).state_path.name == "stack-5100.tfstate"


def test_plugin_dir_comes_from_tf_plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TF_PLUGIN_DIR", raising=False)
    monkeypatch.setattr(terraform, "PLUGIN_DIR_CANDIDATES", (tmp_path / "absent",))
    assert plugin_dir_args() == []
    assert "registry" in terraform.provider_source()
    monkeypatch.setenv("TF_PLUGIN_DIR", str(tmp_path))
    assert plugin_dir_args() == [f"-plugin-dir={tmp_path}"]
    monkeypatch.setenv("TF_PLUGIN_DIR", str(tmp_path / "missing"))
    with pytest.raises(InputError, match="is not a folder"):
        plugin_dir_args()


def test_without_tf_plugin_dir_a_mirror_on_the_machine_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`secml stack up` run directly finds the same mirror the Makefile finds, and doctor names it."""
    monkeypatch.delenv("TF_PLUGIN_DIR", raising=False)
    monkeypatch.setattr(terraform, "PLUGIN_DIR_CANDIDATES", (tmp_path / "absent", tmp_path))
    assert plugin_dir_args() == [f"-plugin-dir={tmp_path}"]
    assert terraform.provider_source() == f"the provider mirror {tmp_path} (found on this machine)"


def test_outputs_before_up_tell_the_user_to_run_make_up() -> None:
    with pytest.raises(NotReadyError, match="make up TARGET=aws"):
        stack.outputs(AWS)


def test_missing_aws_credentials_fail_clearly(no_aws_credentials: None) -> None:
    with pytest.raises(InputError, match="no AWS credentials found"):
        stack.check_aws_credentials(AWS)


def test_down_on_aws_names_what_stays_on() -> None:
    notes = stack.left_on_aws(
        {
            "guardduty_detector_created": False,
            "guardduty_detector_id": "abc123",
            "tuples_kms_key_created": True,
            "tuples_kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/k",
        }
    )
    assert len(notes) == 2
    assert "abc123" in notes[0] and "still on" in notes[0]
    assert "cancel-key-deletion" in notes[1]
    assert stack.left_on_aws({"guardduty_detector_created": True, "tuples_kms_key_created": False}) == []


def test_down_on_aws_without_state_says_nothing_was_destroyed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lost state (another checkout, a deleted folder) must not read as a successful destroy."""
    monkeypatch.setattr(stack, "check_aws_credentials", lambda target: "arn:aws:iam::123456789012:user/me")
    monkeypatch.setattr("secml.ipinsights.cleanup.delete_hosted_resources", lambda target: [])
    monkeypatch.setattr(TerraformRunner, "init", lambda self: None)
    destroyed: list[Target] = []
    monkeypatch.setattr(TerraformRunner, "destroy", lambda self: destroyed.append(self.target))
    with pytest.raises(NotReadyError, match="nothing destroyed"):
        stack.down(AWS)
    assert destroyed == []


def test_seeding_passes_the_stack_inputs_to_the_data_seeder(monkeypatch: pytest.MonkeyPatch) -> None:
    from secml.data import seed

    calls = []

    def upload_corpus(target, cloudtrail, guardduty, truth_path):
        calls.append((target, cloudtrail, guardduty, truth_path))
        return "seeded"

    monkeypatch.setattr(seed, "upload_corpus", upload_corpus)
    own = {"tuples_bucket_name": "own", "guardduty_reads_export": False}
    summary = stack.seed_inputs(
        LOCAL,
        own
        | {
            "cloudtrail_input": {"bucket": "own", "prefix": "cloudtrail/"},
            "guardduty_input": {"bucket": "own", "prefix": "guardduty/"},
        },
    )
    assert summary == "seeded"
    assert calls == [(LOCAL, ("own", "cloudtrail/"), ("own", "guardduty/"), LOCAL.state_dir / "truth.csv")]
    # The detector's export is read: the generated findings go beside the logs, not into it.
    stack.seed_inputs(
        AWS,
        own
        | {"guardduty_reads_export": True}
        | {
            "cloudtrail_input": {"bucket": "own", "prefix": "cloudtrail/"},
            "guardduty_input": {"bucket": "own", "prefix": "guardduty-export/"},
        },
    )
    assert calls[-1][2] == ("own", "guardduty/")
    # A user's own trail bucket is never written to.
    theirs = own | {
        "cloudtrail_input": {"bucket": "org-trail", "prefix": "AWSLogs/"},
        "guardduty_input": {"bucket": "own", "prefix": "guardduty/"},
    }
    assert stack.seed_inputs(AWS, theirs) is None
    assert len(calls) == 2


def test_an_applied_stack_keeps_its_detector_decision_and_a_fresh_one_reuses_the_regions() -> None:
    assert stack.detector_choice({"guardduty_detector_created": True}, "abc") == {"create_guardduty_detector": "true"}
    assert stack.detector_choice({"guardduty_detector_created": False}, "abc") == {"create_guardduty_detector": "false"}
    assert stack.detector_choice({}, "abc") == {"create_guardduty_detector": "false"}
    assert stack.detector_choice({}, None) == {}
