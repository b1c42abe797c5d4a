"""One interface, two backends: `api.train` and `api.score` write the same files and the same
scores CSV whichever backend trained the model, for local paths and s3:// locations alike."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from sagemaker_recorder import SageMakerRecorder, make_bucket, make_execution_role

from secml.core.errors import InputError
from secml.core.target import Target
from secml.ipinsights import api, local_backend
from secml.ipinsights.addresses import IPV6_ERROR, MALFORMED_ERROR
from secml.ipinsights.hyperparameters import Hyperparameters

pytestmark = pytest.mark.emulator

HYPERPARAMETERS = Hyperparameters(num_entity_vectors=64, vector_dim=8, epochs=2, mini_batch_size=64)
# 12 principals, each on its own /16; the score input mixes seen and unseen principals, IPv6,
# a malformed address, a line that is not principal,ip, and a principal with a comma (quoted).
TRAIN = "".join(f"user{u},10.{u}.{i % 4}.{i}\n" for u in range(12) for i in range(40))
SCORE_INPUT = (
    "user1,10.1.0.5\n"
    "user1,203.0.113.9\n"
    "newcomer,10.1.0.5\n"
    "user2,2001:db8::1\n"
    "user3,999.1.1.1\n"
    "not a tuple line\n"
    '"team,ops",10.0.0.1\n'
)
EXPECTED_ROWS = [
    ("user1", "10.1.0.5", True, ""),
    ("user1", "203.0.113.9", True, ""),
    ("newcomer", "10.1.0.5", False, ""),
    ("user2", "2001:db8::1", True, IPV6_ERROR),
    ("user3", "999.1.1.1", True, MALFORMED_ERROR),
    ("team,ops", "10.0.0.1", False, ""),
]


def _read(uri: str) -> str:
    if not uri.startswith("s3://"):
        return Path(uri).read_text()
    bucket, key = uri[len("s3://") :].split("/", 1)
    return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode()


@pytest.fixture
def bucket(emulator_env: Target) -> str:
    name = f"secml-test-{uuid.uuid4().hex[:12]}"
    make_bucket(name, emulator_env.region)
    s3 = boto3.client("s3")
    s3.put_object(Bucket=name, Key="train/tuples.csv", Body=TRAIN.encode())
    s3.put_object(Bucket=name, Key="infer/tuples.csv", Body=SCORE_INPUT.encode())
    return name


@pytest.fixture(params=api.BACKENDS)
def trained(request: pytest.FixtureRequest, bucket: str) -> tuple[api.TrainResult, dict[str, Any]]:
    """A model trained by each backend on the same s3:// tuples, with what scoring needs."""
    options: dict[str, Any] = {}
    if request.param == "sagemaker":
        options = {
            "role_arn": make_execution_role(f"secml-test-{uuid.uuid4().hex[:12]}"),
            "boto_session": SageMakerRecorder().session,
        }
    result = api.train(
        request.param,
        train=f"s3://{bucket}/train/tuples.csv",
        validation=f"s3://{bucket}/train/tuples.csv",
        model=f"s3://{bucket}/model/{request.param}/",
        hyperparameters=HYPERPARAMETERS,
        **options,
    )
    return result, {"boto_session": options["boto_session"]} if options else {}


def test_both_backends_write_the_same_model_files(trained: Any) -> None:
    result, _ = trained
    manifest = json.loads(_read(result.model_uri + api.MANIFEST))
    metrics = json.loads(_read(result.model_uri + api.METRICS))
    assert manifest["format"] == api.MANIFEST_FORMAT
    assert manifest["hyperparameters"] == HYPERPARAMETERS.as_sagemaker()
    assert metrics == result.metrics
    assert metrics["backend"] == manifest["backend"]
    assert metrics["skipped_lines"] == 0


def test_both_backends_score_into_the_same_csv_shape(trained: Any, bucket: str) -> None:
    result, options = trained
    out = f"s3://{bucket}/scores/{uuid.uuid4().hex}.csv"
    summary = api.score(result.model_uri, f"s3://{bucket}/infer/tuples.csv", out, **options)
    rows = list(csv.reader(io.StringIO(_read(out))))
    assert rows[0][:4] == ["principal", "ip", "dot_product", "seen_principal"]
    assert rows[0] == ["principal", "ip", "dot_product", "seen_principal", "error"]
    assert [(p, ip, seen == "true", error) for p, ip, _, seen, error in rows[1:]] == EXPECTED_ROWS
    scores = [row[2] for row in rows[1:]]
    assert all(float(score) == float(score) for score in scores[:3] + scores[5:])  # numbers, not nan
    assert scores[3] == scores[4] == ""
    assert summary == api.ScoreSummary(out=out, rows=6, errors=2, unseen_principals=2, skipped_lines=1)


def test_local_backend_with_local_paths(tmp_path: Path) -> None:
    train = tmp_path / "in" / "train.csv"
    train.parent.mkdir()
    train.write_text(TRAIN)
    score_input = tmp_path / "in" / "score.csv"
    score_input.write_text(SCORE_INPUT)
    model = tmp_path / "model"
    result = api.train("local", str(train), None, str(model), HYPERPARAMETERS, seed=3)
    assert sorted(p.name for p in model.iterdir()) == sorted([api.MANIFEST, api.METRICS, local_backend.ARTEFACT])
    out = tmp_path / "out" / "scores.csv"
    summary = api.score(result.model_uri, str(score_input), str(out))
    assert summary.rows == 6
    assert out.read_text().splitlines()[0] == "principal,ip,dot_product,seen_principal,error"


def test_score_writes_standard_output_without_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    train = tmp_path / "train.csv"
    train.write_text(TRAIN)
    api.train("local", str(train), None, str(tmp_path / "model"), HYPERPARAMETERS)
    capsys.readouterr()
    (tmp_path / "score.csv").write_text("user4,10.4.0.1\n")
    api.score(str(tmp_path / "model"), str(tmp_path / "score.csv"))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "principal,ip,dot_product,seen_principal,error"
    assert lines[1].startswith("user4,10.4.0.1,") and lines[1].endswith(",true,")


def test_score_without_a_model_says_so(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no model at"):
        api.score(str(tmp_path), str(tmp_path / "input.csv"), None)


def test_a_model_of_another_manifest_format_is_refused(tmp_path: Path) -> None:
    (tmp_path / api.MANIFEST).write_text(json.dumps({"format": 99, "backend": "local"}))
    with pytest.raises(InputError, match="format 99"):
        api.score(str(tmp_path), str(tmp_path / "input.csv"), None)
