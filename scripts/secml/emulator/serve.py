"""Process entry point of the emulator: patch moto, then serve on 127.0.0.1 until killed.

Run as `python -m secml.emulator.serve --port N`; `secml.emulator.server` starts it detached.
"""

from __future__ import annotations

import argparse
import os

from moto.core.config import default_user_config
from moto.server import ThreadedMotoServer

from secml.core.target import EMULATOR_HOST
from secml.emulator.patches import apply_all


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
    server = ThreadedMotoServer(ip_address=EMULATOR_HOST, port=args.port, verbose=True)
    server.start()
    print(f"emulator listening on http://{EMULATOR_HOST}:{args.port}", flush=True)
    assert server._thread is not None  # start() made it
    server._thread.join()  # serve until the process is terminated


if __name__ == "__main__":
    main()
