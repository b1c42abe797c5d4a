"""SageMaker tags on notebook instance lifecycle configurations.

Upstream (moto 5.2.5): `ListTags`/`AddTags`/`DeleteTags` on a
`notebook-instance-lifecycle-config` ARN answer HTTP 500, because the backend's ARN-to-resource
table (`_get_resource_from_arn`) has no entry for that type, and
`CreateNotebookInstanceLifecycleConfig` drops its `Tags`. Terraform's provider reads the tags
after creating `aws_sagemaker_notebook_instance_lifecycle_configuration` and retries the 500
for ever. AWS tags these configurations like any other SageMaker resource.

Patch: the lifecycle configuration keeps a tag list, its create call stores `Tags`, and ARNs of
that type resolve to it.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import (
    FakeSageMakerNotebookInstanceLifecycleConfig as LifecycleConfig,
)
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

RESOURCE_TYPE = "notebook-instance-lifecycle-config"

UPSTREAM_GET_RESOURCE_FROM_ARN = SageMakerModelBackend._get_resource_from_arn
UPSTREAM_CONFIG_INIT = LifecycleConfig.__init__
UPSTREAM_CREATE_RESPONSE = SageMakerResponse.create_notebook_instance_lifecycle_config


def _get_resource_from_arn(self: SageMakerModelBackend, arn: str) -> Any:
    resource_type, _, name = arn.split(":")[-1].partition("/")
    if resource_type != RESOURCE_TYPE:
        return UPSTREAM_GET_RESOURCE_FROM_ARN(self, arn)
    try:
        return self.notebook_instance_lifecycle_configurations[name]
    except KeyError:
        raise ValidationError(message=f"Could not find {RESOURCE_TYPE} with name {name}") from None


def _config_init(self: LifecycleConfig, *args: Any, **kwargs: Any) -> None:
    UPSTREAM_CONFIG_INIT(self, *args, **kwargs)
    self.tags: list[dict[str, str]] = []


def _create_response(self: SageMakerResponse) -> Any:
    result = UPSTREAM_CREATE_RESPONSE(self)
    name = self._get_param("NotebookInstanceLifecycleConfigName")
    configs = self.sagemaker_backend.notebook_instance_lifecycle_configurations
    configs[name].tags.extend(self._get_param("Tags") or [])
    return result


def apply() -> None:
    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn
    LifecycleConfig.__init__ = _config_init
    SageMakerResponse.create_notebook_instance_lifecycle_config = _create_response
