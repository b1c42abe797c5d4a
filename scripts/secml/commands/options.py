"""Options shared by several subcommands, defined once: the training options of exercise 2.4 and
`secml demo`, the options of exercise 3, the consent to put sample findings on a reused
GuardDuty detector (exercise 1.1, `secml findings sample`, `secml demo`), and the date window
over a folder of parts (`secml train`, `secml score`, `secml report`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from secml.core.errors import InputError
from secml.core.target import Target
from secml.ipinsights.choices import BACKENDS, default_backend
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE
from secml.workshop.steps import DEFAULT_EXERCISE3_FINDINGS

if TYPE_CHECKING:
    from secml.ipinsights.tuples_io import DateWindow
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


def add_date_window(parser: argparse.ArgumentParser, what: str) -> None:
    """--since/--until: which parts of a folder or s3:// prefix of parts to read (`what`: for what)."""
    parser.add_argument("--since", metavar="YYYY-MM-DD", help=f"with a folder of parts: first day's parts {what}")
    parser.add_argument("--until", metavar="YYYY-MM-DD", help=f"with a folder of parts: last day's parts {what}")


def date_window(args: argparse.Namespace) -> DateWindow | None:
    """The --since/--until window, checked; None when neither is given."""
    import datetime

    from secml.ipinsights.tuples_io import DateWindow

    bounds = {}
    for name in ("since", "until"):
        value = getattr(args, name)
        if value:
            try:
                bounds[name] = datetime.date.fromisoformat(value).isoformat()
            except ValueError as error:
                raise InputError(f"--{name}: not a date (YYYY-MM-DD): {value!r}") from error
    if bounds.get("since", "") > bounds.get("until", "9999-12-31"):
        raise InputError(f"--since {bounds['since']} is after --until {bounds['until']}")
    return DateWindow(**bounds) if bounds else None


def add_sample_findings_consent(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--yes",
        action="store_true",
        help="generate sample findings on a reused GuardDuty detector without asking (make: SAMPLE_FINDINGS=yes)",
    )


def sample_findings_consent(args: argparse.Namespace) -> Callable[[str], bool]:
    """Print the warning, then go on with --yes, ask on a terminal, and refuse in a run nobody can
    answer (a pipeline must say --yes rather than hang on a prompt)."""

    def confirm(warning: str) -> bool:
        print(warning, flush=True)
        if args.yes:
            print("going on: --yes given", flush=True)
            return True
        if not sys.stdin.isatty():
            raise InputError(
                "sample findings on a reused detector need confirmation and this run is not interactive: "
                "add --yes (make: SAMPLE_FINDINGS=yes) to go on"
            )
        return input("Generate sample findings on this detector? [y/N] ").strip().lower() in {"y", "yes"}

    return confirm


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
        confirm_sample_findings=sample_findings_consent(args),
        findings=getattr(args, "findings", DEFAULT_EXERCISE3_FINDINGS),
    )
