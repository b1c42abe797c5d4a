"""Options shared by several subcommands, defined once: the training options of exercise 2.4 and
`secml demo`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from secml.core.target import Target
from secml.ipinsights.choices import BACKENDS, default_backend
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE
from secml.workshop.steps import DEFAULT_EXERCISE3_FINDINGS

if TYPE_CHECKING:
    from secml.workshop.exercises import ExerciseOptions


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
    parser.add_argument(
        "--threshold", type=float, help="use this unusualness threshold (0-1) instead of calibrating one"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the hold-out split and training")


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_automation_options(parser: argparse.ArgumentParser) -> None:
    """Options of exercise 3, shared with `secml demo`."""
    parser.add_argument(
        "--findings",
        type=positive_int,
        default=DEFAULT_EXERCISE3_FINDINGS,
        help="how many findings exercise 3 emits (default %(default)s; on the emulator at most the "
        "corpus's labelled findings)",
    )


def options_from(args: argparse.Namespace, target: Target) -> ExerciseOptions:
    from secml.report import compose
    from secml.workshop import exercises

    return exercises.ExerciseOptions(
        backend=args.backend or default_backend(target),
        run=compose.new_run_name(),
        false_positive_rate=args.fpr,
        threshold=args.threshold,
        seed=args.seed,
        findings=getattr(args, "findings", DEFAULT_EXERCISE3_FINDINGS),
    )
