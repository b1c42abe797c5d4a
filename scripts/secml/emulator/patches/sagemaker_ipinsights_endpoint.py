"""SageMaker endpoints of the built-in IP Insights image answer as its container does.

Gap (moto 5.2.5): InvokeEndpoint answers a fixed body ("body", or what a test queued through
moto's endpoint-results API) whatever the endpoint serves; SageMaker runs the model's container,
which cannot run here (no Docker). So nothing served by an endpoint could be scored on the
emulator.

Patch: for an endpoint whose model's PrimaryContainer image is SageMaker's IP Insights (ECR
repository `ipinsights`, as secml.ipinsights.sagemaker_jobs.image_uri names it), InvokeEndpoint
answers with secml.ipinsights.inference_formats.invoke (IP Insights' request and answer formats)
and the model in the model's ModelDataUrl, read from the emulator's own S3. On the emulator that
model.tar.gz holds a local-engine model file (secml.ipinsights.model_file) in place of SageMaker's
MXNet parameters: the one an IP Insights training job wrote (patch sagemaker_ipinsights_training),
or one a test put there. Models are
cached per ModelDataUrl. A model.tar.gz that holds no local model, or a request the container
refuses, answers ModelError (HTTP 424), as AWS does when the container fails. Every other
endpoint keeps moto's behaviour: other images, and model data that does not exist (tests that
stand in for the container there queue its answers through moto's endpoint-results API).
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.sagemaker.models import sagemaker_backends
from moto.sagemakerruntime.responses import SageMakerRuntimeResponse

IMAGE_REPOSITORY = "ipinsights"
DEFAULT_ACCEPT = "application/json"  # the container's answer type when the request names none
UPSTREAM_INVOKE_ENDPOINT = SageMakerRuntimeResponse.invoke_endpoint
_models: dict[str, Any] = {}  # ModelDataUrl -> LocalModel


class ModelError(JsonRESTError):
    """What InvokeEndpoint answers when the container fails or refuses the request."""

    code = 424

    def __init__(self, message: str) -> None:
        super().__init__("ModelError", message)


def is_ipinsights_image(image: str) -> bool:
    """`<registry>/ipinsights:<tag>`: the built-in algorithm's image in any region."""
    repository = image.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    return repository == IMAGE_REPOSITORY


def ipinsights_model_data(account_id: str, region: str, endpoint_name: str) -> str | None:
    """The ModelDataUrl of the IP Insights model an endpoint serves, or None for anything else."""
    backend = sagemaker_backends[account_id][region]
    endpoint = backend.endpoints.get(endpoint_name)
    config = backend.endpoint_configs.get(endpoint.endpoint_config_name) if endpoint else None
    if config is None or not config.production_variants:
        return None
    model = backend._models.get(str(config.production_variants[0].get("ModelName")))
    container = (model.primary_container or {}) if model else {}
    if not is_ipinsights_image(str(container.get("Image", ""))):
        return None
    return str(container.get("ModelDataUrl", ""))


def stored_bytes(account_id: str, uri: str) -> bytes | None:
    """The object at an s3:// URI in the emulator's S3, or None when there is none."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        stored = s3_backends[account_id]["aws"].get_object(bucket, key)
    except MissingBucket:
        return None
    return stored.value if stored is not None else None


def local_model(model_data: str, packed: bytes) -> Any:
    """The local-engine model inside a model.tar.gz (its first file)."""
    from secml.core.errors import InputError
    from secml.ipinsights import model_file

    try:
        with tarfile.open(fileobj=io.BytesIO(packed), mode="r:gz") as archive:
            member = next(m for m in archive.getmembers() if m.isfile())
            data = archive.extractfile(member).read()  # type: ignore[union-attr]  # a file member
        with tempfile.TemporaryDirectory(prefix="secml-endpoint-") as folder:
            path = Path(folder) / "model.npz"
            path.write_bytes(data)
            model = model_file.load(path, shown_as=model_data)
    except (tarfile.TarError, StopIteration, OSError, InputError) as error:
        raise ModelError(f"the model data {model_data} holds no local IP Insights model: {error}") from None
    return model


def invoke_endpoint(self: SageMakerRuntimeResponse) -> Any:
    from secml.ipinsights.inference_formats import InferenceFormatError, invoke

    name = self.path.split("/")[2]  # /endpoints/<name>/invocations (upstream's params lack it)
    model_data = ipinsights_model_data(self.current_account, self.region, name)
    if model_data is None:
        return UPSTREAM_INVOKE_ENDPOINT(self)
    if model_data not in _models:
        packed = stored_bytes(self.current_account, model_data)
        if packed is None:
            return UPSTREAM_INVOKE_ENDPOINT(self)
        _models[model_data] = local_model(model_data, packed)
    model = _models[model_data]
    accept = self.headers.get("Accept") or DEFAULT_ACCEPT
    body = self.body if isinstance(self.body, bytes) else str(self.body).encode("utf-8")
    try:
        answer = invoke(model, body, self.headers.get("Content-Type", ""), accept)
    except (InferenceFormatError, UnicodeDecodeError) as error:
        raise ModelError(f'Received client error (400) from primary with message "{error}"') from None
    return 200, {"Content-Type": accept.split(";", 1)[0].strip()}, answer


def apply() -> None:
    SageMakerRuntimeResponse.invoke_endpoint = invoke_endpoint
