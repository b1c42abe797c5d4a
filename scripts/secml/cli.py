"""The `secml` command: one entry point whose subcommands live in `secml.commands`.

Each module in `secml.commands` exposes `register(subparsers)`; adding a module adds its
subcommands, so no central list has to be edited when a command is added.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from secml import commands
from secml.core.errors import SecmlError
from secml.core.target import TARGET_NAMES, resolve_target


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="secml",
        description="GuardDuty findings from IPs unusual for their IAM principal (IP Insights).",
    )
    parser.add_argument(
        "--target",
        choices=TARGET_NAMES,
        default=None,
        help="where AWS calls go: 'local' (embedded emulator) or 'aws' (your credentials); "
        "default: $SECML_TARGET or local",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        if hasattr(module, "register"):  # a subcommand; other modules hold what subcommands share
            module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        target = resolve_target(args.target)
        target.activate()
        return int(args.handler(args, target) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except SecmlError as error:
        print(f"secml {args.command}: {error}", file=sys.stderr)
        return error.exit_status
    except BrokenPipeError:
        # The reader went away (`secml tuples ... | head`): exit quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
