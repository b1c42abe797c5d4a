"""`secml findings sample [--full]`: workshop exercise 1.1 (GuardDuty sample findings)."""

from __future__ import annotations

import argparse

from secml.commands.options import add_sample_findings_consent, sample_findings_consent
from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("findings", help="GuardDuty findings on the stack's detector")
    actions = parser.add_subparsers(dest="findings_command", required=True, metavar="ACTION")
    sample = actions.add_parser(
        "sample",
        help="generate GuardDuty sample findings, then list them (exercise 1.1)",
        description="CreateSampleFindings on the stack's detector, then ListFindings/GetFindings; "
        "prints one line per finding: [updatedAt] region  ip  type  id",
    )
    sample.add_argument("--full", action="store_true", help="print each finding's full JSON instead")
    add_sample_findings_consent(sample)
    sample.set_defaults(handler=run_sample)


def run_sample(args: argparse.Namespace, target: Target) -> int:
    from secml.workshop import sample_findings

    sample_findings.run(target, full=args.full, confirm=sample_findings_consent(args))
    return 0
