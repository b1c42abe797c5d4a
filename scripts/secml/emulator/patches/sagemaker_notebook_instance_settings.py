"""Notebook instance platform and instance metadata settings.

Upstream (moto 5.2.5): `CreateNotebookInstance` drops `PlatformIdentifier` and
`InstanceMetadataServiceConfiguration`, and `DescribeNotebookInstance` omits them. Terraform then
sees `platform_identifier` (which forces replacement) and the IMDSv2-only setting vanish, and
plans to replace the notebook instance on every apply. AWS stores and describes both.

Patch: the create call stores both settings on the notebook instance, and describe returns them.
"""

from __future__ import annotations

from typing import Any

from moto.sagemaker.models import FakeSagemakerNotebookInstance
from moto.sagemaker.responses import SageMakerResponse

SETTINGS = ("PlatformIdentifier", "InstanceMetadataServiceConfiguration")

UPSTREAM_CREATE_RESPONSE = SageMakerResponse.create_notebook_instance
UPSTREAM_TO_DICT = FakeSagemakerNotebookInstance.to_dict


def _create_response(self: SageMakerResponse) -> Any:
    result = UPSTREAM_CREATE_RESPONSE(self)
    instance = self.sagemaker_backend.get_notebook_instance(self._get_param("NotebookInstanceName"))
    given = {name: self._get_param(name) for name in SETTINGS}
    instance.secml_settings = {name: value for name, value in given.items() if value}
    return result


def _to_dict(self: FakeSagemakerNotebookInstance) -> dict[str, Any]:
    return {**UPSTREAM_TO_DICT(self), **getattr(self, "secml_settings", {})}


def apply() -> None:
    SageMakerResponse.create_notebook_instance = _create_response
    FakeSagemakerNotebookInstance.to_dict = _to_dict
