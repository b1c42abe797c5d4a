"""Terraform's "already exists" errors, read into what a rerun must import: kind, name and address."""

from __future__ import annotations

from secml.infra.terraform import UnrecordedResource, unrecorded_resources

LAMBDA_RETRIED_CREATE = """\
Error: creating Lambda Function (secmlex-ea-model-retrainer): operation error Lambda: CreateFunction, https response error StatusCode: 409, RequestID: 980e, ResourceConflictException: Function already exist: secmlex-ea-model-retrainer

  with module.secml.module.automation[0].aws_lambda_function.retrainer[0],
  on ../../modules/automation/main.tf line 328, in resource "aws_lambda_function" "retrainer":
 328: resource "aws_lambda_function" "retrainer" {

Error: creating IAM Role (secml-notebook): operation error IAM: CreateRole, https response error StatusCode: 409, EntityAlreadyExists: Role with name secml-notebook already exists.
"""


def test_each_already_exists_error_gives_kind_name_and_the_address_that_follows_it() -> None:
    assert unrecorded_resources(LAMBDA_RETRIED_CREATE.splitlines()) == [
        UnrecordedResource(
            "Lambda Function",
            "secmlex-ea-model-retrainer",
            "module.secml.module.automation[0].aws_lambda_function.retrainer[0]",
        ),
        UnrecordedResource("IAM Role", "secml-notebook", None),
    ]


def test_other_errors_name_nothing() -> None:
    errors = ["Error: creating SQS Queue (q): operation error SQS: CreateQueue, StatusCode: 400, InvalidAttributeValue"]
    assert unrecorded_resources(errors) == []
