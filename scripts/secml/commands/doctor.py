"""`secml doctor`: the account checks `secml stack up` runs before Terraform creates anything."""

from __future__ import annotations

import argparse

from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor", help="check the account before anything is created: one line per check, exit 1 on a blocker"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.emulator import server
    from secml.infra import preflight

    if target.is_emulator:
        server.start(target)
    found = preflight.run_checks(target)
    for check in found.checks:
        print(check.line())
    return 1 if found.blockers else 0
