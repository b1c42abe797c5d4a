"""Where IP Insights trains and scores: the backends' names and SageMaker's default instances,
kept apart from the backends so that `secml --help` shows them without loading boto3 or numpy."""

from __future__ import annotations

from typing import Literal

from secml.core.target import Target

Backend = Literal["local", "sagemaker"]
BACKENDS: tuple[Backend, ...] = ("local", "sagemaker")
# IP Insights trains on CPU or GPU; a CPU instance is the cheap default, a GPU one
# (ml.p3.2xlarge in SageMaker's tutorial) is an option away.
TRAINING_INSTANCE_TYPE = "ml.m5.xlarge"
INFERENCE_INSTANCE_TYPE = "ml.m5.xlarge"


def default_backend(target: Target) -> Backend:
    """The workshop trains on SageMaker in a real account; the emulator runs no training
    containers, so there the local engine stands in."""
    return "local" if target.is_emulator else "sagemaker"
