"""`secml score`: score principal,ip tuples with a model from `secml train`, either backend's."""

from __future__ import annotations

import argparse
import sys

from secml.commands.options import add_date_window, date_window
from secml.core.target import Target
from secml.ipinsights.choices import INFERENCE_INSTANCE_TYPE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "score",
        help="score principal,ip tuples with a trained IP Insights model",
        description="SRC and DEST are local paths or s3:// URIs. Output CSV header: "
        "principal,ip,dot_product,seen_principal,error (higher dot_product = more usual; "
        "error says why a row has no score).",
    )
    parser.add_argument("--model", required=True, metavar="SRC", help="the model folder given to `secml train`")
    parser.add_argument(
        "--input",
        required=True,
        metavar="SRC",
        help="principal,ip CSV, no header; or a folder / s3:// prefix ending in '/' of such files "
        "(infer/parts/), all read in key order",
    )
    add_date_window(parser, "to score")
    parser.add_argument("--out", metavar="DEST", help="scores CSV (default: standard output)")
    sagemaker = parser.add_argument_group("SageMaker models")
    sagemaker.add_argument(
        "--endpoint",
        action="store_true",
        help="score through a real-time endpoint (kept for reuse until `secml cleanup`) instead of a batch transform",
    )
    sagemaker.add_argument(
        "--instance-type",
        default=INFERENCE_INSTANCE_TYPE,
        help="transform or endpoint instance type (default %(default)s)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.ipinsights import api

    summary = api.score(
        args.model,
        args.input,
        args.out,
        endpoint=args.endpoint,
        instance_type=args.instance_type,
        window=date_window(args),
    )
    print(
        f"scored {summary.rows} tuples into {summary.out}: {summary.errors} without a score (error column), "
        f"{summary.unseen_principals} with a principal unseen in training, "
        f"{summary.skipped_lines} malformed lines skipped",
        file=sys.stderr,
    )
    return 0
