"""`secml build`: the Lambda zips and the driver wheel Terraform deploys, built reproducibly."""

from __future__ import annotations

import argparse

from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("build", help="build the Lambda zips and the driver wheel into build/")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.infra.artefacts import build_all

    result = build_all()
    for path in (*result.lambda_zips, result.driver_wheel):
        print(path)
    return 0
