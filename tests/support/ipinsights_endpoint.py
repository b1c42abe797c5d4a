"""A local-engine model packed the way the emulator's IP Insights endpoint reads it (patch
sagemaker_ipinsights_endpoint): its model file as the one member of a model.tar.gz."""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path

from secml.ipinsights import model_file
from secml.ipinsights.model import LocalModel

IMAGE = "174872318107.dkr.ecr.us-west-2.amazonaws.com/ipinsights:1"  # SageMaker's us-west-2 image


def model_tarball(model: LocalModel) -> bytes:
    """`model` saved by model_file and packed as model.tar.gz."""
    with tempfile.TemporaryDirectory(prefix="secml-test-") as folder:
        path = Path(folder) / "model_algo-1"
        model_file.save(model, path)
        packed = io.BytesIO()
        with tarfile.open(fileobj=packed, mode="w:gz") as archive:
            archive.add(path, arcname=path.name)
    return packed.getvalue()
