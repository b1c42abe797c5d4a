"""`secml exercise 1.1|1.2|1|2.1|2.2|2.4|2|3.1|3.2|3.3|3 [--backend local|sagemaker] [--findings N]`:
the workshop's exercises."""

from __future__ import annotations

import argparse

from secml.commands.options import (
    add_automation_options,
    add_sample_findings_consent,
    add_training_options,
    options_from,
)
from secml.core.target import Target
from secml.workshop.steps import EXERCISES


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "exercise",
        help="run a workshop exercise or one of its steps",
        description="1: GuardDuty findings (1.1 sample findings, 1.2 ingest printing them); "
        "2: IP-based anomaly detection (2.1 CloudTrail tuples, 2.2 GuardDuty tuples, "
        "2.4 train, score and report); 3: automate it (3.1 the deployed automation, 3.2 promote "
        "the exercise 2 model, 3.3 findings scored as GuardDuty emits them).",
    )
    parser.add_argument("exercise", choices=tuple(EXERCISES))
    add_training_options(parser)
    add_sample_findings_consent(parser)
    add_automation_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.workshop import exercises

    exercises.run_exercise(args.exercise, exercises.Workshop(target, options_from(args, target)))
    return 0
