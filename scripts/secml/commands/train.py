"""`secml train`: train IP Insights locally or on SageMaker, with SageMaker's hyperparameter names."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import fields

from secml.commands.options import add_date_window, date_window
from secml.core.errors import InputError
from secml.core.target import Target
from secml.ipinsights.choices import BACKENDS, TRAINING_INSTANCE_TYPE
from secml.ipinsights.hyperparameters import (
    RANGES,
    HyperparameterError,
    Hyperparameters,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train IP Insights on principal,ip tuples (local engine or SageMaker)",
        description="SRC and DEST are local paths or s3:// URIs. DEST is a folder (or S3 prefix): "
        "the model, its manifest and its metrics are written under it.",
    )
    parser.add_argument("--backend", choices=BACKENDS, required=True)
    parser.add_argument(
        "--train",
        required=True,
        metavar="SRC",
        help="principal,ip CSV, no header; or a folder / s3:// prefix ending in '/' of such files "
        "(train/parts/), all read in key order",
    )
    add_date_window(parser, "to train on")
    parser.add_argument("--validation", metavar="SRC", help="held-out pairs: validation:discriminator_auc")
    parser.add_argument("--model", required=True, metavar="DEST", help="model folder or s3:// prefix")
    defaults = Hyperparameters()
    hyperparameters = parser.add_argument_group(
        "hyperparameters (SageMaker's names and ranges)",
        "local backend: the ones not given are sized to the training data (more entity vectors for many "
        "principals; from 1,000,000 pairs smaller batches, a higher rate, 64 dimensions), said in one line",
    )
    for field in fields(Hyperparameters):
        hyperparameters.add_argument(
            "--" + field.name.replace("_", "-"),
            dest=field.name,
            type=int if RANGES[field.name].integer else float,
            metavar="N" if RANGES[field.name].integer else "X",
            default=None,
            help=f"default {getattr(defaults, field.name)}",
        )
    parser.add_argument("--seed", type=int, default=0, help="local backend: random seed (default 0)")
    sagemaker = parser.add_argument_group("sagemaker backend")
    sagemaker.add_argument("--role-arn", help="execution role (default: the stack's notebook_role_arn)")
    sagemaker.add_argument(
        "--kms-key-arn",
        help="KMS key the model artefacts and transform outputs are written with (default: the stack's "
        "tuples_kms_key_arn when the role is the stack's)",
    )
    sagemaker.add_argument(
        "--instance-type",
        default=TRAINING_INSTANCE_TYPE,
        help="training instance type (default %(default)s; ml.p3.2xlarge is SageMaker's GPU reference)",
    )
    sagemaker.add_argument("--instance-count", type=int, default=1, help="training instances (default 1)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.ipinsights import api

    given = {f.name: getattr(args, f.name) for f in fields(Hyperparameters) if getattr(args, f.name) is not None}
    try:
        hyperparameters = Hyperparameters(**given)
    except HyperparameterError as error:
        raise InputError(str(error)) from error
    role_arn, kms_key_arn = _role_and_key(args, target)
    result = api.train(
        args.backend,
        train=args.train,
        validation=args.validation,
        model=args.model,
        hyperparameters=hyperparameters,
        seed=args.seed,
        progress=sys.stderr.isatty(),
        role_arn=role_arn,
        kms_key_arn=kms_key_arn,
        instance_type=args.instance_type,
        instance_count=args.instance_count,
        window=date_window(args),
        explicit_hyperparameters=frozenset(given),
    )
    headline = {name: value for name, value in result.metrics.items() if not isinstance(value, (list, dict))}
    if "hyperparameters_sizing" in result.metrics:
        print(result.metrics["hyperparameters_sizing"])
    print(f"model: {result.model_uri}")
    print(f"metrics: {json.dumps(headline)}")
    return 0


def _role_and_key(args: argparse.Namespace, target: Target) -> tuple[str | None, str | None]:
    """The role SageMaker trains as and the key it writes with: the options, else the stack's
    notebook role and tuples key (a role given without a key writes with the bucket's default)."""
    if args.backend != "sagemaker":
        return None, None
    if args.role_arn:
        return str(args.role_arn), args.kms_key_arn
    from secml.infra import stack

    outputs = stack.outputs(target)
    return str(outputs["notebook_role_arn"]), args.kms_key_arn or str(outputs["tuples_kms_key_arn"])
