"""Exercise 2.4 trains on SageMaker in a real account and on the local engine on the emulator,
unless `--backend` says otherwise (issue 6: "SageMaker on AWS unless BACKEND=local")."""

from __future__ import annotations

import pytest

from secml.cli import build_parser
from secml.commands.exercise import options_from
from secml.core.target import Target

AWS = Target("aws", "us-west-2", 5999)
EMULATOR = Target("local", "us-west-2", 5999)


@pytest.mark.parametrize("command", [["exercise", "2.4"], ["demo"]])
@pytest.mark.parametrize(
    ("target", "given", "expected"),
    [
        (AWS, [], "sagemaker"),
        (EMULATOR, [], "local"),
        (AWS, ["--backend", "local"], "local"),
        (EMULATOR, ["--backend", "sagemaker"], "sagemaker"),
    ],
)
def test_the_backend_follows_the_target_unless_given(
    command: list[str], target: Target, given: list[str], expected: str
) -> None:
    args = build_parser().parse_args([*command, *given])
    assert options_from(args, target).backend == expected
