from __future__ import annotations

from pathlib import Path

import pytest

from secml.core.errors import InputError, NotReadyError, ServiceError
from secml.core.target import Target
from secml.infra import lambda_runner
from secml.workshop import exercises


def test_long_logs_are_previewed_and_kept_whole(tmp_path: Path) -> None:
    log = "\n".join(f"line {i}" for i in range(100))
    shown = exercises.preview(log, tmp_path / "logs" / "1.2-full.log", lines=5)
    assert shown.splitlines()[:5] == [f"line {i}" for i in range(5)]
    assert shown.splitlines()[-1] == f"... 95 more lines in {tmp_path / 'logs' / '1.2-full.log'}"
    assert (tmp_path / "logs" / "1.2-full.log").read_text() == log
    assert exercises.preview("short", tmp_path / "short.log") == "short"


def test_a_function_result_fits_on_one_line() -> None:
    payload = {"tuples_written": 120, "findings_skipped": {"no_access_key_details": 30}, "bad_objects": ["a"] * 500}
    assert exercises.payload_summary(payload) == (
        'tuples_written: 120; findings_skipped: {"no_access_key_details": 30}; bad_objects: 500 items'
    )
    assert exercises.payload_summary(None) == "null"


def test_training_summary_shows_single_numbers_only() -> None:
    summary = exercises.training_summary(
        {"backend": "local", "train_pairs": 10, "validation:discriminator_auc": 0.98765, "epochs": [{}]}
    )
    assert summary == "backend=local, train_pairs=10, validation:discriminator_auc=0.9877"


def test_unknown_exercise_is_a_clear_error() -> None:
    workshop = exercises.Workshop(Target("local", "us-west-2", 5999), exercises.ExerciseOptions())
    with pytest.raises(InputError, match=r"no exercise 4: choose one of 1, 2, 3, 1\.1"):
        exercises.run_exercise("4", workshop)


def test_exercises_group_the_workshop_steps() -> None:
    assert exercises.EXERCISES["1"] == ("1.1", "1.2")
    assert exercises.EXERCISES["2"] == ("2.1", "2.2", "2.4")
    assert exercises.EXERCISES["3"] == ("3.1", "3.2", "3.3")
    assert all(exercises.EXERCISES[step] == (step,) for step in exercises.STEPS)


CLOUDTRAIL_RESULT = {
    "tuples_written": 1234,
    "output": "s3://elsewhere/custom/train.csv",
    "ipv6_output": "s3://elsewhere/custom/train_ipv6.csv",
}
GUARDDUTY_RESULT = {
    "tuples_written": 56,
    "output": "s3://elsewhere/custom/infer.csv",
    "index": "s3://elsewhere/custom/index.csv",
}
OUTPUTS = {
    "tuples_bucket_name": "bucket",
    "cloudtrail_ingest_function_name": "secml-cloudtrail-ingest",
    "guardduty_ingest_function_name": "secml-guardduty-ingest",
}


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> exercises.Workshop:
    """A workshop whose stack outputs are given and whose ingest functions answer the results above."""
    monkeypatch.setenv("SECML_STATE_DIR", str(tmp_path))
    results = {
        OUTPUTS["cloudtrail_ingest_function_name"]: CLOUDTRAIL_RESULT,
        OUTPUTS["guardduty_ingest_function_name"]: GUARDDUTY_RESULT,
    }

    def invoke(target: Target, name: str, event: dict[str, str]) -> lambda_runner.InvokeResult:
        return lambda_runner.InvokeResult(payload=results[name], log="log line\n")

    monkeypatch.setattr(exercises.lambda_runner, "invoke", invoke)
    options = exercises.ExerciseOptions(run="run1")
    return exercises.Workshop(Target("local", "us-west-2", 5999), options, _outputs=OUTPUTS)


def test_ingest_steps_report_what_the_functions_say_they_wrote(
    workshop: exercises.Workshop, capsys: pytest.CaptureFixture[str]
) -> None:
    exercises.step_2_1(workshop)
    exercises.step_2_2(workshop)
    printed = capsys.readouterr().out
    assert "s3://elsewhere/custom/train.csv: 1,234 <principal, IP> training tuples" in printed
    assert "s3://elsewhere/custom/infer.csv: 56 <principal, IP> scoring tuples" in printed
    assert "s3://elsewhere/custom/index.csv: finding index" in printed
    run = workshop.training_run()
    assert (run.train_tuples, run.guardduty_tuples, run.finding_index) == (
        "s3://elsewhere/custom/train.csv",
        "s3://elsewhere/custom/infer.csv",
        "s3://elsewhere/custom/index.csv",
    )
    assert run.model == "s3://bucket/model/run1"


def test_without_ingest_results_the_run_reads_the_default_keys(workshop: exercises.Workshop) -> None:
    run = workshop.training_run()
    assert run.train_tuples == "s3://bucket/train/cloudtrail_tuples.csv"
    assert run.finding_index == "s3://bucket/infer/guardduty_findings.csv"


def test_a_result_without_its_output_is_a_clear_error(
    workshop: exercises.Workshop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(CLOUDTRAIL_RESULT, "output")
    with pytest.raises(NotReadyError, match="result has no 'output': redeploy its code"):
        exercises.step_2_1(workshop)


def _summary_of(*unreadable_reasons: str, readable: int = 0) -> dict:
    """An ingest function's result as its handler builds it, from unreadable objects."""
    from secml_ingest.objects import unreadable
    from secml_ingest.summary import RECORDS, IngestSummary

    summary = IngestSummary(unit=RECORDS, objects_read=readable)
    for number, reason in enumerate(unreadable_reasons):
        summary.merge(unreadable(RECORDS, f"AWSLogs/o-abc/111122223333/CloudTrail/{number}.json.gz", reason).summary)
    return summary.as_dict()


def test_every_object_access_denied_is_an_error_naming_input_kms_key_arns() -> None:
    result = _summary_of("cannot read: AccessDenied", "cannot read: AccessDenied")
    with pytest.raises(
        ServiceError, match=r"0 tuples because every one of its 2 input objects was AccessDenied.*input_kms_key_arns"
    ):
        exercises.require_readable_inputs("secml-cloudtrail-ingest", result)


def test_every_object_unreadable_for_other_reasons_is_an_error_too() -> None:
    with pytest.raises(ServiceError, match="none of its 1 input objects could be read"):
        exercises.require_readable_inputs("f", _summary_of("cannot read: NoSuchKey"))


def test_some_readable_objects_or_no_objects_at_all_are_summary_lines_only() -> None:
    exercises.require_readable_inputs("f", _summary_of("cannot read: AccessDenied", readable=3))
    exercises.require_readable_inputs("f", _summary_of())
