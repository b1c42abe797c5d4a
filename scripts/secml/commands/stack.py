"""`secml stack up|down|outputs`: the Terraform stack's lifecycle on the chosen target."""

from __future__ import annotations

import argparse
import json

from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("stack", help="apply, destroy or show the Terraform stack")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="start the emulator (local), build, apply, seed inputs (local)")
    up.set_defaults(handler=run_up)
    down = actions.add_parser("down", help="delete SageMaker leftovers, destroy, stop the emulator")
    down.add_argument(
        "--keep-emulator",
        action="store_true",
        help="leave the emulator running after the destroy, to inspect what is left in it",
    )
    down.set_defaults(handler=run_down)
    show = actions.add_parser("outputs", help="print the stack's outputs as JSON")
    show.set_defaults(handler=run_outputs)


def run_up(args: argparse.Namespace, target: Target) -> int:
    from secml.infra import stack

    report = stack.up(target)
    print(f"terraform apply on {target.name}: {report.apply_seconds:.1f} s")
    if report.seed_summary is not None:
        print("emulator inputs seeded:")
        print("\n".join(f"  {line}" for line in report.seed_summary.lines()))
    return 0


def run_down(args: argparse.Namespace, target: Target) -> int:
    from secml.infra import stack

    for note in stack.down(target, keep_emulator=args.keep_emulator):
        print(f"note: {note}")
    print(f"stack destroyed on {target.name}")
    return 0


def run_outputs(args: argparse.Namespace, target: Target) -> int:
    from secml.infra import stack

    print(json.dumps(stack.outputs(target), indent=2, sort_keys=True))
    return 0
