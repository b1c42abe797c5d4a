"""`secml emulator start|stop|status`: the embedded AWS emulator for TARGET=local."""

from __future__ import annotations

import argparse

from secml.core.errors import InputError
from secml.core.target import Target


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("emulator", help="start, stop or query the embedded AWS emulator")
    parser.add_argument("action", choices=("start", "stop", "status"))
    parser.add_argument(
        "--all", action="store_true", help="stop: every emulator this checkout started, whatever its port"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, target: Target) -> int:
    from secml.emulator import server

    if not target.is_emulator:
        raise InputError("the emulator is only used with --target local")
    if args.action == "start":
        print(f"emulator answering on {server.start(target)}")
    elif args.action == "stop" and args.all:
        stopped = server.stop_all(target)
        print(f"emulators stopped on ports {', '.join(map(str, stopped))}" if stopped else "no emulator was running")
    elif args.action == "stop":
        print("emulator stopped" if server.stop(target) else "emulator was not running")
    else:
        pid = server.running_pid(target)
        answering = server.is_running(target)
        print(f"emulator pid={pid} answering={answering} url={target.endpoint_url}")
        return 0 if answering else 1
    return 0
