"""`secml data generate|tutorial|small-account`: the workshop's data, generated offline."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secml.core.errors import InputError
from secml.core.target import Target
from secml.data.size import (
    DEFAULT_SIZE,
    NETWORK_STRUCTURES,
    TUTORIAL_TEST_PAIRS,
    TUTORIAL_USERS,
    CorpusSize,
    SmallAccount,
)

if TYPE_CHECKING:
    from secml.data.tutorial import TutorialSummary


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, not {text}")
    return value


def _structure_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--structure",
        choices=NETWORK_STRUCTURES,
        default=NETWORK_STRUCTURES[0],
        help="network structure: tutorial (SageMaker's: aligned /16-/24 ranges), unaligned (/12-/28 anywhere, "
        "close neighbours), clustered (small ranges back to back), shared-egress (NAT/cloud addresses shared "
        "by many users), high-travel (~11%% of logins anywhere); default %(default)s",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
    return value


OVERWRITE_HELP = "write into a destination that already holds files (default: refuse)"


def refuse_to_mix(destinations: list[str], overwrite: bool) -> None:
    """Generating into a folder that already holds a corpus would mix two corpora (and the truth
    would describe only one of them): refused unless the user says so."""
    from secml.core import storage

    if overwrite:
        return
    for destination in destinations:
        if not storage.is_empty_destination(destination):
            raise InputError(f"{destination} already holds files: choose an empty destination, or add --overwrite")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "data", help="generate the workshop's CloudTrail/GuardDuty corpus or the tutorial corpus"
    )
    actions = parser.add_subparsers(dest="data_command", required=True, metavar="ACTION")

    generate = actions.add_parser(
        "generate",
        help="CloudTrail logs + GuardDuty findings of one simulated account, with ground truth",
        description="Writes DEST/cloudtrail/AWSLogs/... and DEST/guardduty/... as the workshop bucket "
        "held them, and the truth CSV (finding_id,label,reason) that the pipeline never reads.",
    )
    generate.add_argument("--out", required=True, metavar="DEST", help="a local folder or s3://bucket/prefix")
    generate.add_argument("--truth", required=True, type=Path, metavar="FILE", help="ground-truth CSV to write")
    generate.add_argument("--seed", type=int, default=0, help="same seed, same bytes (default 0)")
    generate.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    generate.add_argument(
        "--records",
        type=_positive,
        default=DEFAULT_SIZE.records,
        help=f"CloudTrail records (default {DEFAULT_SIZE.records:,})",
    )
    generate.add_argument(
        "--days", type=_positive, default=DEFAULT_SIZE.days, help=f"days of activity (default {DEFAULT_SIZE.days})"
    )
    generate.add_argument(
        "--people",
        type=_positive,
        default=DEFAULT_SIZE.people,
        help=f"people in the account; workloads scale with them (default {DEFAULT_SIZE.people})",
    )
    generate.add_argument(
        "--findings",
        type=_positive,
        default=DEFAULT_SIZE.findings,
        help=f"GuardDuty findings (default {DEFAULT_SIZE.findings})",
    )
    generate.set_defaults(handler=run_generate)

    tutor = actions.add_parser(
        "tutorial",
        help="the IP Insights tutorial's corpus: DIR/train.csv (entity,ip) and DIR/test.csv (entity,ip,label)",
    )
    tutor.add_argument("--out", required=True, type=Path, metavar="DIR")
    tutor.add_argument("--seed", type=int, default=0)
    tutor.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    tutor.add_argument(
        "--users", type=_positive, default=TUTORIAL_USERS, help=f"simulated users (default {TUTORIAL_USERS:,})"
    )
    tutor.add_argument(
        "--test-pairs",
        type=_positive,
        default=TUTORIAL_TEST_PAIRS,
        help=f"normal and random-IP test pairs, each (default {TUTORIAL_TEST_PAIRS:,})",
    )
    tutor.add_argument("--events", type=_positive, help="logins in all (default: the tutorial's Pareto activity)")
    tutor.add_argument(
        "--near-share",
        type=_share,
        default=0.0,
        help="share of attack pairs from ranges near the user's own instead of random ranges (default 0)",
    )
    _structure_option(tutor)
    tutor.set_defaults(handler=run_tutorial)

    small = actions.add_parser(
        "small-account",
        help="a small account with ground truth: DIR/train.csv (principal,ip) and DIR/test.csv (principal,ip,label)",
    )
    small.add_argument("--out", required=True, type=Path, metavar="DIR")
    small.add_argument("--seed", type=int, default=0)
    small.add_argument("--overwrite", action="store_true", help=OVERWRITE_HELP)
    defaults = SmallAccount()
    small.add_argument("--principals", type=_positive, default=defaults.principals, help="default %(default)s")
    small.add_argument(
        "--tuples", type=_positive, default=defaults.tuples, help="training tuples (default %(default)s)"
    )
    small.add_argument(
        "--findings",
        type=_positive,
        default=defaults.findings,
        help="labelled findings, half attacks (default %(default)s)",
    )
    small.add_argument(
        "--near-share",
        type=_share,
        default=defaults.near_share,
        help="share of the attacks from ranges near the principal's own (default %(default)s)",
    )
    _structure_option(small)
    small.set_defaults(handler=run_small_account)


def run_generate(args: argparse.Namespace, target: Target) -> int:
    from secml.core.storage import check_writable
    from secml.data import corpus

    try:
        size = CorpusSize(records=args.records, days=args.days, people=args.people, findings=args.findings)
    except ValueError as error:
        raise InputError(str(error)) from error
    check_writable(args.truth)
    refuse_to_mix([args.out, str(args.truth)], args.overwrite)
    try:
        summary = corpus.generate(args.out, args.truth, seed=args.seed, size=size)
    except ValueError as error:
        raise InputError(str(error)) from error
    print("\n".join(summary.lines()))
    return 0


def run_tutorial(args: argparse.Namespace, target: Target) -> int:
    return _generate(
        args,
        users=args.users,
        test_pairs=args.test_pairs,
        structure=args.structure,
        events=args.events,
        near_share=args.near_share,
    )


def run_small_account(args: argparse.Namespace, target: Target) -> int:
    try:
        account = SmallAccount(args.principals, args.tuples, args.findings, args.near_share)
    except ValueError as error:
        raise InputError(str(error)) from error
    return _generate(
        args,
        users=account.principals,
        test_pairs=account.findings // 2,
        structure=args.structure,
        events=account.events,
        near_share=account.near_share,
    )


def _generate(args: argparse.Namespace, **shape: Any) -> int:
    """Write the tutorial-model corpus of `shape` (tutorial.Shape's fields) to --out and say what."""
    from secml.data import tutorial

    refuse_to_mix([str(args.out)], args.overwrite)
    began = time.perf_counter()
    try:
        summary = tutorial.generate(args.out, seed=args.seed, shape=tutorial.Shape(**shape))
    except ValueError as error:
        raise InputError(str(error)) from error
    _print_summary(summary, began)
    return 0


def _print_summary(summary: TutorialSummary, began: float) -> None:
    from secml.data.tutorial import DAYS

    print(f"{summary.users:,} users, {summary.events:,} logins over {DAYS} days")
    print(f"train: {summary.train_pairs:,} pairs -> {summary.train_path}")
    print(
        f"test: {summary.test_normal:,} held-out normal + {summary.test_random:,} attacker pairs -> {summary.test_path}"
    )
    print(f"written in {time.perf_counter() - began:.1f} s")
