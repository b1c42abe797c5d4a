"""The workshop notebook's public API: everything notebooks/workshop-ipinsights.ipynb calls, in one
module, so the notebook never reaches into the CLI's orchestration and the layers below can move
without breaking it. Each name is defined where it belongs; this module only gathers them."""

from secml.core.storage import read_bytes
from secml.ipinsights.api import score, train
from secml.report import console, plot, quality, threshold, writer
from secml.report.compose import compose_report, new_run_name
from secml.workshop.install_status import wait_for_driver
from secml.workshop.notebook_context import NotebookContext, discover
from secml.workshop.training_run import (
    WORKSHOP_HYPERPARAMETERS,
    TrainingRun,
    hold_out_validation,
    report_inputs,
    require_tuples,
    training_summary,
    write_contrast,
)

__all__ = [
    "WORKSHOP_HYPERPARAMETERS",
    "NotebookContext",
    "TrainingRun",
    "compose_report",
    "console",
    "discover",
    "hold_out_validation",
    "new_run_name",
    "plot",
    "quality",
    "read_bytes",
    "report_inputs",
    "require_tuples",
    "score",
    "threshold",
    "train",
    "training_summary",
    "wait_for_driver",
    "write_contrast",
    "writer",
]
