"""`secml` builds its parser without the heavy libraries, so a backfill or `--help` starts in a
fraction of a second."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY_MODULES = (
    "numpy", "numba", "matplotlib", "sagemaker", "tqdm", "boto3", "botocore", "secml.infra.stack",
    "secml.infra.artefacts", "secml.infra.lint", "secml.workshop.exercises", "secml.data.corpus", "secml.data.tutorial",
    "secml.ipinsights.api", "secml.ipinsights.sagemaker_jobs", "secml.report.compose",
    "secml.report.threshold", "secml.infra.lambda_runner", "secml.ingest.extract",
)  # fmt: skip


def test_building_the_parser_imports_no_heavy_module() -> None:
    probe = (
        "import json, sys\nfrom secml import cli\ncli.build_parser()\n"
        f"print(json.dumps([name for name in {HEAVY_MODULES!r} if name in sys.modules]))"
    )
    answer = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert json.loads(answer.stdout) == []
