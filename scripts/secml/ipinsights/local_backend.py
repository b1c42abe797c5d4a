"""The local backend: the engine in training.py and model.py, in this process."""

from __future__ import annotations

import tempfile
from pathlib import Path

from secml.core import storage
from secml.core.errors import InputError
from secml.core.storage import child
from secml.ipinsights import tuples_io
from secml.ipinsights.backend import BackendOptions, Manifest, Metrics, ScoredChunks
from secml.ipinsights.hyperparameters import Hyperparameters

ARTEFACT = "ipinsights-local.npz"


class LocalBackend:
    def __init__(self, options: BackendOptions) -> None:
        if options.endpoint:
            raise InputError("--endpoint is for SageMaker models; a local model scores in-process")
        self.seed = options.seed
        self.window = options.window
        self.explicit = options.explicit_hyperparameters

    def train(
        self, train: str, validation: str | None, model: str, hyperparameters: Hyperparameters, progress: bool
    ) -> tuple[Metrics, Manifest]:
        from secml.ipinsights import (  # numba compiles on import: only when used
            model_file,
            sizing,
            training,
        )

        pairs = tuples_io.read_tuples(train, window=self.window)
        sized = None
        if self.explicit is not None:
            sized = sizing.choose(hyperparameters, self.explicit, len(set(pairs.principals)), len(pairs.principals))
            hyperparameters = sized.hyperparameters
        held_out = tuples_io.read_tuples(validation) if validation else None
        try:
            fitted = training.fit(
                pairs.principals,
                pairs.ips,
                hyperparameters,
                validation=(held_out.principals, held_out.ips) if held_out else None,
                seed=self.seed,
                progress=progress,
            )
        except ValueError as error:
            raise InputError(f"cannot train on {train}: {error}") from error
        with tempfile.TemporaryDirectory() as folder:
            artefact = Path(folder) / ARTEFACT
            model_file.save(fitted, artefact)
            storage.upload(artefact, child(model, ARTEFACT))
        metrics = {**fitted.metrics, "skipped_lines": pairs.skipped}
        if sized is not None:
            metrics["hyperparameters_sizing"] = sized.line()
        manifest = {
            "artefact": ARTEFACT,
            "hyperparameters": hyperparameters.as_sagemaker(),
            "seed": self.seed,
            "train": train,
            "validation": validation,
        }
        return metrics, manifest

    def score(self, model: str, manifest: Manifest, input: str) -> ScoredChunks:
        from secml.ipinsights import model_file

        with tempfile.TemporaryDirectory() as folder:
            artefact = Path(folder) / ARTEFACT
            location = child(model, manifest["artefact"])
            storage.download(location, artefact)
            fitted = model_file.load(artefact, shown_as=location)
        for chunk in tuples_io.iter_tuples(input, window=self.window):
            batch = fitted.score(chunk.principals, chunk.ips)
            scored = tuples_io.ScoredTuples(
                chunk.principals, chunk.ips, batch.dot_product, batch.seen_principal, batch.errors
            )
            yield scored, chunk.skipped
