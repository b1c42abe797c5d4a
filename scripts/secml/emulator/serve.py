"""Process entry point of the emulator: patch moto, then serve on 127.0.0.1 until killed.

Run as `python -m secml.emulator.serve --port N`; `secml.emulator.server` starts it detached.
The port is bound before anything else is served, so a second emulator on a taken port exits at
once (status 1) instead of living on without a socket. Every answer carries the serving process's
id (`server.IDENTITY_HEADER`), so a client can tell our emulator from whatever else answers there.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.config import default_user_config
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

from secml.core.target import EMULATOR_HOST
from secml.emulator.patches import apply_all
from secml.emulator.server import IDENTITY_HEADER

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def identified(app: WsgiApp, pid: int) -> WsgiApp:
    """`app` with IDENTITY_HEADER: <pid> added to every response."""

    def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, (IDENTITY_HEADER, str(pid))], exc_info)

        return app(environ, start)

    return answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # moto's own setting for its port: the Lambda runtime patch points functions' code here.
    os.environ["MOTO_PORT"] = str(args.port)
    # moto's own setting: StartExecution runs the state machine in its interpreter
    # (moto/stepfunctions/parser) instead of answering static data.
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    applied = apply_all()
    print(f"emulator patches applied: {', '.join(applied) or 'none'}", flush=True)
    app = identified(DomainDispatcherApplication(create_backend_app), os.getpid())
    try:
        server = make_server(EMULATOR_HOST, args.port, app, threaded=True)
    except (OSError, SystemExit) as error:  # werkzeug exits (SystemExit) on "address in use"
        reason = error.strerror if isinstance(error, OSError) else "the port is taken"
        print(f"emulator cannot listen on {EMULATOR_HOST}:{args.port}: {reason}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"emulator listening on http://{EMULATOR_HOST}:{args.port}", flush=True)
    server.serve_forever()  # until the process is terminated


if __name__ == "__main__":
    main()
