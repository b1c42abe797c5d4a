"""`secml cleanup`: delete the SageMaker endpoints, configs and models secml left behind."""

from __future__ import annotations

import argparse

from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "cleanup",
        help="delete secml's SageMaker endpoints, endpoint configs and models; stop its transform jobs",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.ipinsights.cleanup import delete_hosted_resources

    deleted = delete_hosted_resources(target)
    for name in deleted:
        print(f"deleted {name}")
    if not deleted:
        print("nothing to delete: no SageMaker resource tagged secml:managed=true")
    return 0
