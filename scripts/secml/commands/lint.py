"""`secml lint [--checkov PATH] [--update-docs]`: terraform fmt -check, validate, module docs and
rules (root, each module, each example), checkov."""

from __future__ import annotations

import argparse

from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lint", help="terraform fmt -check, validate, generated module docs, tflint core rules, checkov"
    )
    parser.add_argument("--checkov", metavar="PATH", help="checkov executable; without it checkov is not run")
    parser.add_argument(
        "--update-docs", action="store_true", help="rewrite each module README's generated inputs/outputs first"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.infra.lint import run_all

    results = run_all(args.checkov, update_docs=args.update_docs)
    for result in results:
        if result.output.strip() and (result.name == "checkov" or not result.passed):
            print(result.output.rstrip())
        print(f"{'ok  ' if result.passed else 'FAIL'} {result.name}")
    return 0 if all(result.passed for result in results) else 1
