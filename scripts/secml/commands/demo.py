"""`secml demo`: the whole workshop in one command: stack up, exercises 1, 2 and 3, and the
findings that came from IPs most unusual for their principal."""

from __future__ import annotations

import argparse
import time

from secml.commands.options import (
    add_automation_options,
    add_sample_findings_consent,
    add_training_options,
    options_from,
)
from secml.core.errors import SecmlError
from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="stack up, exercises 1, 2 and 3, then the most unusual findings")
    add_training_options(parser)
    add_sample_findings_consent(parser)
    add_automation_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.infra import stack
    from secml.report import console
    from secml.workshop import exercises

    started = time.monotonic()
    print(f"=== Setting up the workshop stack on TARGET={target.name} ===", flush=True)
    stack.up(target)
    workshop = exercises.Workshop(target, options_from(args, target))
    for exercise in ("1", "2"):
        exercises.run_exercise(exercise, workshop)
    if workshop.report is None or workshop.written is None:
        raise SecmlError("exercise 2.4 wrote no report")
    exercises.run_exercise("3", workshop)
    print(f"\n=== Done in {time.monotonic() - started:.0f} s ===")
    print(f"report: {workshop.written.html}")
    unusual = workshop.report.most_unusual(console.TOP_FINDINGS)
    print(f"most unusual findings ({len(unusual)} shown; score, ip, principal, type, finding id):")
    for finding in unusual:
        print(console.finding_line(finding))
    return 0
