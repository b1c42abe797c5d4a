"""`secml lint [--checkov PATH]`: terraform fmt -check, validate (root and each module), checkov."""

from __future__ import annotations

import argparse

from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lint", help="terraform fmt -check, terraform validate, checkov")
    parser.add_argument("--checkov", metavar="PATH", help="checkov executable; without it checkov is not run")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.infra.lint import run_all

    results = run_all(args.checkov)
    for result in results:
        if result.name == "checkov" or not result.passed:
            print(result.output.rstrip())
        print(f"{'ok  ' if result.passed else 'FAIL'} {result.name}")
    return 0 if all(result.passed for result in results) else 1
