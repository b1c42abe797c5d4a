"""`secml` builds its parser without the heavy libraries, so a backfill or `--help` starts in a
fraction of a second."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY_MODULES = (
    "numpy", "numba", "matplotlib", "sagemaker", "tqdm", "boto3", "botocore", "secml.stack",
    "secml.build", "secml.lint", "secml.exercises", "secml.data.corpus", "secml.data.tutorial",
    "secml.ipinsights.api", "secml.ipinsights.sagemaker_backend", "secml.report.build",
    "secml.report.threshold", "secml.lambda_runner", "secml.tuples_backfill",
)  # fmt: skip


def test_building_the_parser_imports_no_heavy_module() -> None:
    probe = (
        "import json, sys\nfrom secml import cli\ncli.build_parser()\n"
        f"print(json.dumps([name for name in {HEAVY_MODULES!r} if name in sys.modules]))"
    )
    answer = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert json.loads(answer.stdout) == []
