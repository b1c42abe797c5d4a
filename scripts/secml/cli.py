"""The `secml` command: one entry point whose subcommands live in `secml.commands`.

Each module in `secml.commands` exposes `register(subparsers)`; adding a module adds its
subcommands, so no central list has to be edited when a command is added.

`main` is the one error boundary: a SecmlError becomes one line and its exit status; a failure
to reach the emulator or to find AWS credentials, wherever it surfaces, becomes the one message
for it; Ctrl-C exits 130 with "interrupted". Anything else is a bug: one line saying so, and the
traceback only when SECML_TRACEBACK=1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from secml import commands
from secml.core.errors import InputError, NotReadyError, SecmlError, ServiceError
from secml.core.target import EMULATOR_HOST, TARGET_NAMES, Target, resolve_target

NO_CREDENTIALS = "no AWS credentials found: configure a profile, run `aws sso login`, or set AWS_ACCESS_KEY_ID"
# Exception class names (botocore's, urllib3's, the standard library's) that mean "nothing
# listens at the endpoint"; matched by name so the CLI does not load botocore to start.
UNREACHABLE = ("EndpointConnectionError", "ConnectionRefusedError", "NewConnectionError", "ConnectionClosedError")
MISSING_CREDENTIALS = ("NoCredentialsError", "PartialCredentialsError")
# botocore refusing a request before sending it: a value the user gave (an empty function name, a
# bucket name AWS cannot hold) breaks the API's own rules.
INVALID_PARAMETERS = ("ParamValidationError",)


def _chain(error: BaseException) -> list[BaseException]:
    """The error and every error it was raised from or while handling."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def translate(error: BaseException, target: Target | None) -> SecmlError | None:
    """The one-line error for a failure a user can meet below the commands, by cause."""
    names = {type(cause).__name__ for cause in _chain(error)}
    if target is not None and target.is_emulator and names & set(UNREACHABLE):
        return NotReadyError(f"the emulator on {EMULATOR_HOST}:{target.emulator_port} is not running; run make up")
    if names & set(MISSING_CREDENTIALS):
        return InputError(NO_CREDENTIALS)
    if names & set(UNREACHABLE):
        return ServiceError(f"cannot reach AWS ({error}): check the network, a proxy, or AWS_REGION")
    if names & set(INVALID_PARAMETERS):
        return InputError(" ".join(str(error).split()))
    return None


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


def _fail(command: str, error: SecmlError) -> int:
    print(f"secml {command}: {error}", file=sys.stderr)
    return error.exit_status


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    target: Target | None = None
    try:
        target = resolve_target(args.target)
        target.activate()
        return int(args.handler(args, target) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`secml tuples ... | head`): exit quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as error:
        known = translate(error, target)
        if known is not None:
            return _fail(args.command, known)
        if isinstance(error, SecmlError):
            return _fail(args.command, error)
        if os.environ.get("SECML_TRACEBACK") == "1":
            raise
        print(
            f"secml {args.command}: unexpected {type(error).__name__}: {error} "
            "(a bug: please report it; SECML_TRACEBACK=1 shows where)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
