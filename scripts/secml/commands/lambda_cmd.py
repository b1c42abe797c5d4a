"""`secml lambda invoke NAME [--event JSON]`: run a deployed function and print its log and result,
the same way on AWS and on the emulator (where the function's own code runs locally)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from secml.core.errors import ServiceError
from secml.core.target import Target


def _event(text: str) -> dict[str, Any]:
    try:
        event = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"--event is not JSON: {error}") from None
    if not isinstance(event, dict):
        raise argparse.ArgumentTypeError("--event must be a JSON object")
    return event


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("lambda", help="invoke a deployed Lambda function")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    invoke_parser = actions.add_parser("invoke", help="run a function; print its log and result")
    invoke_parser.add_argument("name", help="function name or ARN")
    invoke_parser.add_argument("--event", type=_event, default={}, help='event JSON, e.g. \'{"print": "short"}\'')
    invoke_parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.infra.lambda_runner import invoke

    result = invoke(target, args.name, args.event)
    print(result.log, end="" if result.log.endswith("\n") else "\n")
    print(json.dumps(result.payload, indent=2))
    if result.function_error:
        raise ServiceError(f"{args.name} failed: {result.error_summary()}")
    return 0
