"""`secml tuples cloudtrail|guardduty SRC...`: the ingest Lambdas' parsing for backfill and
incident response, over local files, folders and s3:// prefixes."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from secml.core.errors import SecmlError
from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tuples", help="principal,ip tuples from CloudTrail logs or GuardDuty findings")
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    sources_help = "local files, folders (searched recursively) or s3://bucket/prefix"
    cloudtrail = kinds.add_parser("cloudtrail", help="training tuples from CloudTrail logs")
    cloudtrail.add_argument("sources", nargs="+", metavar="SRC", help=sources_help)
    cloudtrail.add_argument("--out", type=Path, help="CSV file for the IPv4 tuples (default: stdout)")
    cloudtrail.add_argument("--ipv6-out", type=Path, help="CSV file for the IPv6 tuples (default: only counted)")
    cloudtrail.set_defaults(handler=run)
    guardduty = kinds.add_parser("guardduty", help="scoring tuples and a finding index from GuardDuty findings")
    guardduty.add_argument("sources", nargs="+", metavar="SRC", help=sources_help)
    guardduty.add_argument("--out", type=Path, help="CSV file for the tuples (default: stdout)")
    guardduty.add_argument("--index", type=Path, help="CSV file for the finding index (row i describes tuple i)")
    guardduty.set_defaults(handler=run)


def _open(stack: ExitStack, path: Path | None) -> IO[str] | None:
    """A staged output: it replaces `path` only if the whole run succeeds (see `staged_output`).
    (storage loads boto3: imported when used, so a local backfill starts without it.)"""
    from secml.core.storage import staged_output

    return None if path is None else stack.enter_context(staged_output(path))


class AllObjectsBadError(SecmlError):
    """Every input object was unreadable: an empty output would read as 'no activity'."""


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.core.storage import check_writable
    from secml.ingest.extract import CLOUDTRAIL, GUARDDUTY, Outputs, backfill, expand_sources

    kind = CLOUDTRAIL if args.kind == "cloudtrail" else GUARDDUTY
    inputs = expand_sources(args.sources, kind)  # every source checked before any output is staged
    for path in (args.out, getattr(args, "ipv6_out", None), getattr(args, "index", None)):
        if path is not None:
            check_writable(path)
    with ExitStack() as stack:
        outputs = Outputs(
            tuples=_open(stack, args.out) or sys.stdout,
            ipv6=_open(stack, getattr(args, "ipv6_out", None)),
            index=_open(stack, getattr(args, "index", None)),
        )
        summary = backfill(inputs, kind, outputs, progress=sys.stderr.isatty())
        for line in summary.lines():
            print(line, file=sys.stderr)
        if summary.objects_read == 0 and summary.bad_objects:
            # Raised inside the stack: the staged outputs are discarded, earlier files kept.
            raise AllObjectsBadError(
                f"all {len(summary.bad_objects)} input objects were bad (listed above); no output written"
            )
    return 0
