"""Terraform's "already exists" errors, read into what a rerun must import: kind, name and address."""

from __future__ import annotations

from secml.infra.terraform import UnrecordedResource, unrecorded_resources

LAMBDA_RETRIED_CREATE = """\
Error: creating Lambda Function (secmlex-ea-model-retrainer): operation error Lambda: CreateFunction, https response error StatusCode: 409, RequestID: 980e, ResourceConflictException: Function already exist: secmlex-ea-model-retrainer

  with module.secml.module.automation[0].aws_lambda_function.retrainer[0],
  on ../../modules/automation/main.tf line 328, in resource "aws_lambda_function" "retrainer":
 328: resource "aws_lambda_function" "retrainer" {

Error: creating IAM Role (secml-notebook): operation error IAM: CreateRole, https response error StatusCode: 409, EntityAlreadyExists: Role with name secml-notebook already exists.

Error: creating SageMaker AI Notebook Instance: operation error SageMaker: CreateNotebookInstance, https response error StatusCode: 400, RequestID: 6fXA, api error ValidationException: Cannot create a duplicate Notebook Instance (arn:aws:sagemaker:us-west-2:123456789012:notebook-instance/secmlex-ea-workshop)

  with module.secml.module.notebook.aws_sagemaker_notebook_instance.workshop,
  on ../../modules/notebook/main.tf line 172, in resource "aws_sagemaker_notebook_instance" "workshop":
"""


def test_each_already_exists_error_gives_kind_name_and_the_address_that_follows_it() -> None:
    assert unrecorded_resources(LAMBDA_RETRIED_CREATE.splitlines()) == [
        UnrecordedResource(
            "Lambda Function",
            "secmlex-ea-model-retrainer",
            "module.secml.module.automation[0].aws_lambda_function.retrainer[0]",
        ),
        UnrecordedResource("IAM Role", "secml-notebook", None),
        UnrecordedResource(
            "SageMaker AI Notebook Instance",
            "secmlex-ea-workshop",
            "module.secml.module.notebook.aws_sagemaker_notebook_instance.workshop",
        ),
    ]


def test_other_errors_name_nothing() -> None:
    errors = [
        "Error: creating SQS Queue (q): operation error SQS: CreateQueue, StatusCode: 400, InvalidAttributeValue",
        "Error: creating SageMaker AI Notebook Instance: operation error SageMaker: CreateNotebookInstance, "
        "StatusCode: 400, api error ValidationException: The role (arn:aws:iam::123456789012:role/r) is invalid",
    ]
    assert unrecorded_resources(errors) == []
