"""`secml exercise 1.1|1.2|1|2.1|2.2|2.4|2 [--backend local|sagemaker]`: the workshop's exercises."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from secml.exercise_steps import EXERCISES
from secml.ipinsights.backends import BACKENDS, default_backend
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE
from secml.target import Target

if TYPE_CHECKING:
    from secml.exercises import ExerciseOptions


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """Options of exercise 2.4, shared with `secml demo`."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="where IP Insights trains (default: sagemaker with --target aws, local on the emulator)",
    )
    parser.add_argument(
        "--fpr",
        type=float,
        default=DEFAULT_FALSE_POSITIVE_RATE,
        help="false-positive rate on held-out training pairs that sets the threshold (default %(default)s)",
    )
    parser.add_argument("--threshold", type=float, help="use this threshold instead of calibrating one")
    parser.add_argument("--seed", type=int, default=0, help="seed of the hold-out split and training")


def options_from(args: argparse.Namespace, target: Target) -> ExerciseOptions:
    from secml import exercises
    from secml.report import build

    return exercises.ExerciseOptions(
        backend=args.backend or default_backend(target),
        run=build.new_run_name(),
        false_positive_rate=args.fpr,
        threshold=args.threshold,
        seed=args.seed,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "exercise",
        help="run a workshop exercise or one of its steps",
        description="1: GuardDuty findings (1.1 sample findings, 1.2 ingest printing them); "
        "2: IP-based anomaly detection (2.1 CloudTrail tuples, 2.2 GuardDuty tuples, "
        "2.4 train, score and report).",
    )
    parser.add_argument("exercise", choices=tuple(EXERCISES))
    add_training_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml import exercises

    exercises.run_exercise(args.exercise, exercises.Workshop(target, options_from(args, target)))
    return 0
