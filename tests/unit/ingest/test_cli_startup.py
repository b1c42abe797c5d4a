"""`secml` builds its parser without the heavy libraries (a backfill starts in a fraction of a
second), and the defaults it shows without importing them are the libraries' own."""

from __future__ import annotations

import json
import subprocess
import sys

from secml.commands import data, exercise, score, train
from secml.data.corpus import CorpusSize
from secml.exercises import EXERCISES
from secml.ipinsights import api, sagemaker_backend
from secml.report.threshold import DEFAULT_FALSE_POSITIVE_RATE

HEAVY_MODULES = (
    "numpy", "numba", "matplotlib", "sagemaker", "tqdm", "secml.ipinsights.api", "secml.exercises",
    "secml.report.build", "secml.data.corpus", "secml.lambda_runner", "secml.tuples_backfill",
)  # fmt: skip


def test_building_the_parser_imports_no_heavy_module() -> None:
    probe = (
        "import json, sys\nfrom secml import cli\ncli.build_parser()\n"
        f"print(json.dumps([name for name in {HEAVY_MODULES!r} if name in sys.modules]))"
    )
    answer = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True)
    assert json.loads(answer.stdout) == []


def test_shown_defaults_are_the_libraries_defaults() -> None:
    assert exercise.EXERCISE_NAMES == tuple(EXERCISES)
    assert exercise.BACKENDS == api.BACKENDS
    assert exercise.DEFAULT_FALSE_POSITIVE_RATE == DEFAULT_FALSE_POSITIVE_RATE
    assert train.TRAINING_INSTANCE_TYPE == sagemaker_backend.TRAINING_INSTANCE_TYPE
    assert score.INFERENCE_INSTANCE_TYPE == sagemaker_backend.INFERENCE_INSTANCE_TYPE
    defaults = CorpusSize()
    assert (data.DEFAULT_RECORDS, data.DEFAULT_DAYS, data.DEFAULT_PEOPLE, data.DEFAULT_FINDINGS) == (
        defaults.records, defaults.days, defaults.people, defaults.findings,
    )  # fmt: skip

