# Mock AWS provider shared by the module tests: fixed account, partition and region so ARNs
# pass the modules' validation, and valid JSON where a resource checks a policy document.

mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}

mock_data "aws_region" {
  defaults = { name = "us-west-2" }
}

mock_data "aws_iam_policy_document" {
  defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
}

mock_data "aws_guardduty_detector" {
  defaults = { id = "existing0detector0id" }
}

mock_resource "aws_kms_key" {
  defaults = { arn = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555" }
}

mock_resource "aws_s3_bucket" {
  defaults = { arn = "arn:aws:s3:::secml-tuples-mock", id = "secml-tuples-mock" }
}

mock_resource "aws_iam_role" {
  defaults = { arn = "arn:aws:iam::123456789012:role/secml-mock" }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = { arn = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/lambda/secml-mock" }
}

mock_resource "aws_sqs_queue" {
  defaults = { arn = "arn:aws:sqs:us-west-2:123456789012:secml-mock-dead-letter" }
}
