"""Runs one Lambda handler the way the Lambda runtime does, for the emulator's Lambda Invoke.

Started as ``python -I lambda_bootstrap.py CODE_DIR HANDLER RESULT_FILE`` with the event on stdin:
the deployed code folder comes first on sys.path, so the code that runs is the function's own
(not the copy installed in the driver's environment). The result, or the error payload in
Lambda's shape, goes to RESULT_FILE with the process's peak memory; stdout and stderr are the
function's log. Standard library only: it runs beside the function's code, not the driver's.
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import sys
import time
import traceback
import uuid
from typing import Any


def peak_resident_kb() -> int:
    """This process's own peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux carries
    the forking parent's peak across exec, so it reported the emulator's size, not the function's."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux


class LambdaContext:
    """The attributes handlers commonly read from Lambda's context object."""

    def __init__(self, timeout_s: float) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = os.environ.get("SECML_LAMBDA_REQUEST_ID", str(uuid.uuid4()))
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main(code_dir: str, handler_name: str, result_file: str) -> int:
    sys.path.insert(0, code_dir)
    module_name, _, function_name = handler_name.rpartition(".")
    event = json.load(sys.stdin)
    context = LambdaContext(float(os.environ.get("SECML_LAMBDA_TIMEOUT_S", "3")))
    outcome: dict[str, Any]
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        outcome = {"payload": handler(event, context)}
    except Exception as error:  # the runtime reports any handler failure as a payload
        traceback.print_exc()
        outcome = {
            "error": "Unhandled",
            "payload": {
                "errorMessage": str(error),
                "errorType": type(error).__name__,
                "stackTrace": traceback.format_tb(error.__traceback__),
            },
        }
    sys.stdout.flush()
    outcome["max_memory_kb"] = peak_resident_kb()
    with open(result_file, "w", encoding="utf-8") as out:
        json.dump(outcome, out, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
