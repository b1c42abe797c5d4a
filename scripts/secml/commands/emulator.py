"""`secml emulator start|stop|status`: the embedded AWS emulator for TARGET=local."""

from __future__ import annotations

import argparse

from secml.core.errors import InputError
from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("emulator", help="start, stop or query the embedded AWS emulator")
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.emulator import server

    if not target.is_emulator:
        raise InputError("the emulator is only used with --target local")
    if args.action == "start":
        print(f"emulator answering on {server.start(target)}")
    elif args.action == "stop":
        print("emulator stopped" if server.stop(target) else "emulator was not running")
    else:
        pid = server.running_pid(target)
        answering = target.endpoint_url is not None and server.is_answering(target.endpoint_url)
        print(f"emulator pid={pid} answering={answering} url={target.endpoint_url}")
        return 0 if pid and answering else 1
    return 0
