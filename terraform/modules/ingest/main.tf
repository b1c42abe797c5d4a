# The two ingest functions, each with its own role that may read only its input prefix, write
# only its own output keys, use only the tuples key (and the input objects' own keys, through S3)
# and write only its own log group. The deployment packages are built outside Terraform and come
# in with their hashes.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition

  # One entry per function: the handler module in lambda_src/, its input, its package and its
  # output keys (the Lambda environment contract shared with lambda_src/ and the driver).
  functions = {
    cloudtrail = {
      handler_module = "cloudtrail_ingest"
      description    = "CloudTrail logs to <principal, IP> training tuples"
      input          = var.cloudtrail_input
      package        = var.cloudtrail_package
      output_keys = {
        OUTPUT_KEY      = "train/cloudtrail_tuples.csv"
        IPV6_OUTPUT_KEY = "train/cloudtrail_tuples_ipv6.csv"
      }
    }
    guardduty = {
      handler_module = "guardduty_ingest"
      description    = "GuardDuty findings to <principal, IP> scoring tuples and a finding index"
      input          = var.guardduty_input
      package        = var.guardduty_package
      output_keys = {
        OUTPUT_KEY = "infer/guardduty_tuples.csv"
        INDEX_KEY  = "infer/guardduty_findings.csv"
      }
    }
  }
}

data "aws_iam_policy_document" "assume_lambda" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "ingest" {
  for_each = local.functions

  name               = "${var.name_prefix}-${each.key}-ingest"
  description        = "Runs the ${each.key} ingest function: ${each.value.description}"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_cloudwatch_log_group" "ingest" {
  for_each = local.functions

  name              = "/aws/lambda/${var.name_prefix}-${each.key}-ingest"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "ingest" {
  for_each = local.functions

  statement {
    sid       = "ListInputPrefix"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${each.value.input.bucket}"]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${each.value.input.prefix}*"]
    }
  }

  statement {
    sid       = "ReadInputPrefix"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${each.value.input.bucket}/${each.value.input.prefix}*"]
  }

  statement {
    sid = "WriteOwnOutputKeys"
    # Outputs are written by multipart upload; a failed run aborts its upload.
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [for key in values(each.value.output_keys) : "arn:${local.partition}:s3:::${var.tuples_bucket_name}/${key}"]
  }

  statement {
    sid       = "UseTuplesKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  # Input objects encrypted with their own keys: decrypt only as S3 reads them, in each key's
  # region (SSE-KMS keys live in their bucket's region).
  dynamic "statement" {
    for_each = length(var.input_kms_key_arns) == 0 ? [] : [var.input_kms_key_arns]

    content {
      sid       = "DecryptInputObjects"
      actions   = ["kms:Decrypt"]
      resources = statement.value

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = distinct([for arn in statement.value : "s3.${split(":", arn)[3]}.amazonaws.com"])
      }
    }
  }

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.ingest[each.key].arn}:*"]
  }

  #checkov:skip=CKV_AWS_356:X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions.
  statement {
    sid       = "SendTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "ingest" {
  for_each = local.functions

  name   = "${var.name_prefix}-${each.key}-ingest"
  role   = aws_iam_role.ingest[each.key].id
  policy = data.aws_iam_policy_document.ingest[each.key].json
}

resource "aws_lambda_function" "ingest" {
  #checkov:skip=CKV_AWS_117:The functions read public or account S3 buckets through S3's public endpoint; a VPC adds NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_116:Invoked synchronously by the driver (RequestResponse), so a dead-letter queue would never receive anything.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the workshop does not have; zips are built reproducibly and hashed instead.

  for_each = local.functions

  function_name    = "${var.name_prefix}-${each.key}-ingest"
  description      = each.value.description
  role             = aws_iam_role.ingest[each.key].arn
  runtime          = "python3.12"
  handler          = "${each.value.handler_module}.handler"
  filename         = each.value.package.path
  source_code_hash = each.value.package.source_code_hash
  timeout          = var.timeout_s
  memory_size      = var.memory_mb
  kms_key_arn      = var.kms_key_arn

  reserved_concurrent_executions = var.reserved_concurrency

  environment {
    variables = merge(
      {
        INPUT_BUCKET  = each.value.input.bucket
        INPUT_PREFIX  = each.value.input.prefix
        OUTPUT_BUCKET = var.tuples_bucket_name
      },
      each.value.output_keys,
    )
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.ingest, aws_iam_role_policy.ingest]
}
