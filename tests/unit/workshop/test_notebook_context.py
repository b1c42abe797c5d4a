from __future__ import annotations

import json
from pathlib import Path

import pytest

from secml.core.errors import InputError, NotReadyError
from secml.core.target import Target
from secml.workshop import notebook_context

CONFIG = {
    "bucket": "secml-tuples-1",
    "region": "eu-west-1",
    "role_arn": "arn:aws:iam::1:role/secml-notebook",
    "kms_key_arn": "arn:aws:kms:eu-west-1:1:key/k",
}


def test_the_instance_configuration_means_sagemaker(tmp_path: Path) -> None:
    config = tmp_path / "secml-config.json"
    config.write_text(json.dumps(CONFIG))
    context = notebook_context.discover(instance_config=config)
    assert (context.bucket, context.region, context.role_arn, context.kms_key_arn) == tuple(CONFIG.values())
    assert context.backend == "sagemaker" and context.source == str(config) and context.truth is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "cannot read the notebook configuration"),
        (json.dumps({"bucket": "b"}), "lacks region, role_arn, kms_key_arn"),
    ],
)
def test_a_broken_instance_configuration_is_a_clear_error(tmp_path: Path, content: str, message: str) -> None:
    config = tmp_path / "secml-config.json"
    config.write_text(content)
    with pytest.raises(InputError, match=message):
        notebook_context.discover(instance_config=config)


def test_without_the_configuration_the_local_stack_is_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path / "state"))
    target = Target("local", "us-west-2", 5999)
    with pytest.raises(NotReadyError, match=r"the emulator on 127\.0\.0\.1:5999 is not running; run make up"):
        notebook_context.discover(instance_config=tmp_path / "absent.json", target=target)


def test_the_emulator_stack_means_the_local_engine_and_its_ground_truth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path / "state"))
    target = Target("local", "us-west-2", 5999)
    outputs = {
        "tuples_bucket_name": "secml-tuples-2",
        "region": "us-west-2",
        "notebook_role_arn": "arn:role",
        "tuples_kms_key_arn": "arn:key",
    }
    monkeypatch.setattr(notebook_context.stack, "outputs", lambda asked: outputs if asked == target else {})
    target.state_dir.mkdir(parents=True)
    (target.state_dir / "truth.csv").write_text("finding_id,label,reason\n")
    context = notebook_context.discover(instance_config=tmp_path / "absent.json", target=target)
    assert (context.bucket, context.role_arn, context.backend) == ("secml-tuples-2", "arn:role", "local")
    assert context.truth == target.state_dir / "truth.csv"
    assert context.source == "terraform outputs of TARGET=local"
