"""`secml train`, `secml score` and `secml cleanup` as a user runs them."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from sagemaker_recorder import make_bucket, make_execution_role

from secml.cli import main
from secml.core.target import Target
from secml.ipinsights.tuples_io import SCORE_COLUMNS

TRAIN = "".join(f"user{u},10.{u}.0.{i}\n" for u in range(6) for i in range(30))


@pytest.fixture
def cli_on_emulator(emulator: Target, monkeypatch: pytest.MonkeyPatch) -> Iterator[Target]:
    """`secml --target local` pointed at the test emulator; the CLI rewrites os.environ when it
    activates its target, so the environment is restored afterwards."""
    saved = dict(os.environ)
    monkeypatch.setenv("SECML_EMULATOR_PORT", str(emulator.emulator_port))
    monkeypatch.setenv("SECML_TARGET", "local")
    for key, value in emulator.environment().items():
        monkeypatch.setenv(key, value)
    yield emulator
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--vector-dim", "2"], "vector_dim=2 is out of range: SageMaker accepts >= 4 and <= 4096"),
        (["--epochs", "0"], "epochs=0 is out of range: SageMaker accepts >= 1"),
        (["--learning-rate", "20"], "learning_rate=20.0 is out of range"),
    ],
)
def test_hyperparameter_out_of_range_is_one_line_and_exit_2(
    option: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--backend", "local", "--train", "t.csv", "--model", str(tmp_path), *option])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"secml train: {message}")
    assert err.count("\n") == 1


def test_train_then_score_to_standard_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "train.csv").write_text(TRAIN)
    (tmp_path / "input.csv").write_text("user1,10.1.0.3\nstranger,10.1.0.3\n")
    model = str(tmp_path / "model")
    assert (
        main(
            [
                "train",
                "--backend",
                "local",
                "--train",
                str(tmp_path / "train.csv"),
                "--model",
                model,
                "--num-entity-vectors",
                "32",
                "--vector-dim",
                "8",
                "--epochs",
                "1",
                "--seed",
                "7",
            ]
        )
        == 0
    )
    trained = capsys.readouterr().out
    assert f"model: {model}" in trained and '"backend": "local"' in trained
    assert main(["score", "--model", model, "--input", str(tmp_path / "input.csv")]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "principal,ip,dot_product,seen_principal,error"
    assert [line.split(",")[3] for line in lines[1:]] == ["true", "false"]
    assert "scored 2 tuples into -" in captured.err


def test_score_help_documents_every_output_column(capsys: pytest.CaptureFixture[str]) -> None:
    """The four contract columns and the fifth, `error`, which says why a row has no score."""
    with pytest.raises(SystemExit) as exited:
        main(["score", "--help"])
    assert exited.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert ",".join(SCORE_COLUMNS) == "principal,ip,dot_product,seen_principal,error"
    assert "Output CSV header: principal,ip,dot_product,seen_principal,error" in help_text
    assert "error says why a row has no score" in help_text


@pytest.mark.emulator
def test_sagemaker_training_from_the_cli(cli_on_emulator: Target, capsys: pytest.CaptureFixture[str]) -> None:
    bucket = f"secml-test-{uuid.uuid4().hex[:12]}"
    make_bucket(bucket, cli_on_emulator.region)
    boto3.client("s3").put_object(Bucket=bucket, Key="train.csv", Body=TRAIN.encode())
    role = make_execution_role(f"secml-test-{uuid.uuid4().hex[:12]}")
    code = main(
        [
            "train",
            "--backend",
            "sagemaker",
            "--train",
            f"s3://{bucket}/train.csv",
            "--model",
            f"s3://{bucket}/model",
            "--role-arn",
            role,
            "--instance-type",
            "ml.p3.2xlarge",
            "--epochs",
            "5",
            "--mini-batch-size",
            "1000",
        ]
    )
    assert code == 0
    manifest = boto3.client("s3").get_object(Bucket=bucket, Key="model/secml-model.json")["Body"].read()
    job = json.loads(manifest)["training_job_name"]
    assert job in capsys.readouterr().out
    described = boto3.client("sagemaker").describe_training_job(TrainingJobName=job)
    assert described["ResourceConfig"]["InstanceType"] == "ml.p3.2xlarge"
    assert described["HyperParameters"]["epochs"] == "5"
    assert described["HyperParameters"]["mini_batch_size"] == "1000"
    assert described["RoleArn"] == role


@pytest.mark.emulator
def test_cleanup_with_nothing_to_delete(cli_on_emulator: Target, capsys: pytest.CaptureFixture[str]) -> None:
    sagemaker = boto3.client("sagemaker")
    for endpoint in sagemaker.list_endpoints(NameContains="secml-ipinsights")["Endpoints"]:
        sagemaker.delete_endpoint(EndpointName=endpoint["EndpointName"])
    for config in sagemaker.list_endpoint_configs(NameContains="secml-ipinsights")["EndpointConfigs"]:
        sagemaker.delete_endpoint_config(EndpointConfigName=config["EndpointConfigName"])
    for model in sagemaker.list_models(NameContains="secml-ipinsights")["Models"]:
        if model["ModelName"].startswith("secml-ipinsights"):  # the emulator ignores NameContains here
            sagemaker.delete_model(ModelName=model["ModelName"])
    assert main(["cleanup"]) == 0
    assert "nothing to delete" in capsys.readouterr().out


@pytest.mark.emulator
def test_train_on_an_s3_prefix_of_parts_with_a_date_window(
    cli_on_emulator: Target, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`secml train --train s3://bucket/train/parts/`: every part under the prefix, in key order
    (the manifest records the source), and --since/--until keep the parts dated inside."""
    bucket = f"secml-parts-{uuid.uuid4().hex[:8]}"
    make_bucket(bucket, cli_on_emulator.region)
    s3 = boto3.client("s3")
    lines = TRAIN.splitlines(keepends=True)
    for day in range(3):
        body = "".join(lines[day::3])
        s3.put_object(Bucket=bucket, Key=f"train/parts/2025/03/0{day + 1}/part-{day}.csv", Body=body.encode())
    s3.put_object(Bucket=bucket, Key="train/parts/README.txt", Body=b"not a part")
    small = ["--num-entity-vectors", "32", "--vector-dim", "8", "--epochs", "1"]
    prefix = f"s3://{bucket}/train/parts/"
    assert main(["train", "--backend", "local", "--train", prefix, "--model", str(tmp_path / "all"), *small]) == 0
    assert '"skipped_lines": 0' in capsys.readouterr().out
    windowed = ["--since", "2025-03-02", "--until", "2025-03-02"]
    assert (
        main(["train", "--backend", "local", "--train", prefix, "--model", str(tmp_path / "one"), *small, *windowed])
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            ["train", "--backend", "local", "--train", prefix, "--model", str(tmp_path / "x"), "--since", "2026-01-01"]
        )
        == 2
    )
    assert "no .csv files dated 2026-01-01.." in capsys.readouterr().err


def test_files_of_a_folder_of_parts_in_key_order_and_window(tmp_path: Path) -> None:
    from secml.ipinsights import tuples_io

    for day in ("02", "01", "03"):
        folder = tmp_path / "parts" / "2025" / "03" / day
        folder.mkdir(parents=True)
        (folder / "b.csv").write_text(f"u{day},10.0.0.{int(day)}\n")
    (tmp_path / "parts" / "undated.csv").write_text("x,10.0.0.9\n")
    folder = str(tmp_path / "parts")
    names = [Path(p).relative_to(folder).as_posix() for p in tuples_io.tuples_files(folder)]
    assert names == ["2025/03/01/b.csv", "2025/03/02/b.csv", "2025/03/03/b.csv", "undated.csv"]
    window = tuples_io.DateWindow(since="2025-03-02", until="2025-03-03")
    assert tuples_io.read_tuples(folder, window=window).principals == ["u02", "u03"]
    assert [len(c) for c in tuples_io.iter_tuples(folder, chunk_rows=3)] == [3, 1]
    # With days, a chunk never spans two parts; an undated file's rows have no day.
    dated = [(day, chunk.principals) for day, chunk in tuples_io.iter_part_tuples(folder, chunk_rows=3)]
    assert dated == [("2025-03-01", ["u01"]), ("2025-03-02", ["u02"]), ("2025-03-03", ["u03"]), (None, ["x"])]
    lone = str(tmp_path / "parts" / "2025" / "03" / "01" / "b.csv")
    assert [day for day, _ in tuples_io.iter_part_tuples(lone)] == [None]  # a file by itself: no parts
