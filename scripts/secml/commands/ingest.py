"""`secml ingest backfill [--since DATE] [--until DATE]`: every CloudTrail object under the
stack's input prefix to its training part, through the stack's Distributed Map, with a progress
bar from the map run's counts and the summary at the end."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack

from secml.core.errors import ServiceError
from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ingest", help="run the deployed ingest over the input history")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    backfill = actions.add_parser(
        "backfill", help="every CloudTrail object under the input prefix to train/parts/ (Step Functions)"
    )
    backfill.add_argument("--since", metavar="YYYY-MM-DD", help="first day of logs to ingest (default: the oldest)")
    backfill.add_argument("--until", metavar="YYYY-MM-DD", help="last day of logs to ingest (default: the newest)")
    backfill.set_defaults(handler=run_backfill)


def run_backfill(args: argparse.Namespace, target: Target) -> int:
    from secml.workshop import backfill

    window = backfill.Window(
        since=backfill.day(args.since) if args.since else "", until=backfill.day(args.until) if args.until else ""
    )
    with ExitStack() as stack:
        bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = stack.enter_context(tqdm(total=0, unit="obj", desc="backfill"))

        def show(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.n = done
                bar.refresh()

        report = backfill.run(target, window, show)
    for line in report.lines():
        print(line)
    if report.beyond_tolerance:
        raise ServiceError(f"{len(report.failed)} batch(es) failed, beyond the tolerated share; see above")
    return 0
