"""`secml report`: scores + finding index + training scores -> reports/<run>/ and s3://.../scores/<run>/."""

from __future__ import annotations

import argparse
from pathlib import Path

from secml.commands.options import add_date_window, date_window
from secml.core.checkout import reports_dir
from secml.core.target import Target
from secml.report.false_positive_rate import DEFAULT_FALSE_POSITIVE_RATE


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="join IP Insights scores to GuardDuty findings, set a threshold, write the report",
        description="Inputs are local paths or s3:// URIs. Score CSVs have the header "
        "principal,ip,dot_product,seen_principal (as `secml score` writes them).",
    )
    parser.add_argument("--scores", required=True, help="scores of the GuardDuty tuples")
    parser.add_argument(
        "--index",
        required=True,
        help="finding index written by the GuardDuty ingest; or the folder / s3:// prefix ending in '/' of "
        "finding-index parts (infer/parts-index/) beside the scored infer/parts/, read in the same key order",
    )
    add_date_window(parser, "of the finding index (give `secml score` the same window)")
    parser.add_argument(
        "--train-scores", required=True, help="scores of held-out training pairs, to calibrate the threshold"
    )
    parser.add_argument("--truth", help="ground truth CSV finding_id,label,reason: adds ROC AUC, precision, recall")
    parser.add_argument(
        "--history",
        metavar="TUPLES",
        help="the principal,ip training tuples (all of them, or the fitting channel without the held-out pairs): "
        "adds each IP's history (prefixes used before, usual networks), a reason, and the verdict on "
        "`unusualness` (model score and history combined); each held-out pair is judged without its own uses",
    )
    parser.add_argument(
        "--contrast-scores",
        metavar="SCORES",
        help="with --history: scores of contrast pairs (held-out principals at addresses they never used, as "
        "exercise 2.4 writes them to scores/<run>/contrast_scores.csv); weighs IP Insights and the history "
        "by how well each separates them from the held-out pairs (default: equal weights)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        help="use this threshold instead of calibrating one (on unusualness, 0-1, with --history)",
    )
    parser.add_argument(
        "--fpr",
        type=float,
        default=DEFAULT_FALSE_POSITIVE_RATE,
        help="false-positive rate on training pairs the calibrated threshold allows (default %(default)s)",
    )
    parser.add_argument("--run", default=None, help="run name (default: the UTC time and a random suffix)")
    parser.add_argument("--out", type=Path, default=None, help="folder for the files (default reports/<run>)")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the files of a report already in the --out folder"
    )
    parser.add_argument("--bucket", help="also copy the files to s3://BUCKET/scores/<run>/")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.report import compose, console, writer

    run_name = args.run or compose.new_run_name()
    inputs = compose.ReportInputs(
        scores=args.scores,
        index=args.index,
        index_window=date_window(args),
        train_scores=args.train_scores,
        truth=args.truth,
        history=args.history,
        contrast_scores=args.contrast_scores,
        threshold_value=args.threshold,
        false_positive_rate=args.fpr,
    )
    folder = args.out or reports_dir() / run_name
    writer.check_destination(folder, args.overwrite)  # before the work, so a refusal costs nothing
    report = compose.compose_report(inputs, run_name)
    written = writer.write(report, folder, overwrite=args.overwrite)
    locations = [str(path) for path in written.files()]
    if args.bucket:
        locations += writer.upload(written, args.bucket, run_name)
    print(console.summary(report, locations))
    return 0
