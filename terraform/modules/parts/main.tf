# Parts: one function turns each CloudTrail object into its own training tuples part
# (train/parts/<yyyy>/<mm>/<dd>/<part>.csv, named from the object, so retries overwrite). It runs
# per object for new deliveries (S3 bucket notification, asynchronous: retried by Lambda, then
# the dead-letter queue) and per batch for history (a Step Functions Distributed Map over the
# input prefix). Both are AWS's own engines; nothing fans out by hand. With guardduty_parts, a
# second function of the same code does the same for each new GuardDuty findings object
# (infer/parts/ with the finding index under infer/parts-index/).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  function_name = "${var.name_prefix}-cloudtrail-parts"
  parts_prefix  = "train/parts/"
  results_path  = "backfill/runs"
  input_bucket  = "arn:${local.partition}:s3:::${var.cloudtrail_input.bucket}"

  # The functions, by the kind of object they read; `beside` is the part written under the same
  # name beside the tuples part (its environment variable and prefix).
  functions = merge(
    {
      cloudtrail = {
        name            = local.function_name
        summary         = "CloudTrail objects to training parts (per object and per backfill batch)"
        handler         = "cloudtrail_parts.handler"
        package         = var.package
        input           = var.cloudtrail_input
        suffix          = ".json.gz"
        parts_prefix    = local.parts_prefix
        beside_variable = "IPV6_PARTS_PREFIX"
        beside_prefix   = "train/parts-ipv6/"
      }
    },
    var.guardduty_parts == null ? {} : {
      guardduty = {
        name            = "${var.name_prefix}-guardduty-parts"
        summary         = "GuardDuty findings objects to scoring parts and their finding index (per object)"
        handler         = "guardduty_parts.handler"
        package         = var.guardduty_parts.package
        input           = var.guardduty_parts.input
        suffix          = ".jsonl.gz"
        parts_prefix    = "infer/parts/"
        beside_variable = "INDEX_PARTS_PREFIX"
        beside_prefix   = "infer/parts-index/"
      }
    },
  )
  # Functions S3 notifies of each new object under their input prefix.
  notified = { for kind, function in local.functions : kind => function if kind == "guardduty" || var.notify_new_objects }
  # S3 holds one notification configuration per bucket: on a shared bucket one resource carries both.
  guardduty_in_cloudtrail_notification = var.notify_new_objects && try(var.guardduty_parts.shares_cloudtrail_bucket, false)
}

data "aws_iam_policy_document" "assume" {
  for_each = toset(["lambda", "states"])

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["${each.key}.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

# --- the functions -------------------------------------------------------------------------

resource "aws_iam_role" "parts" {
  for_each = local.functions

  name               = each.value.name
  description        = "Runs the parts ingest: ${each.value.summary}"
  assume_role_policy = data.aws_iam_policy_document.assume["lambda"].json
}

resource "aws_cloudwatch_log_group" "parts" {
  for_each = local.functions

  name              = "/aws/lambda/${each.value.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name_prefix}-parts-dead-letter"
  kms_master_key_id         = var.kms_key_arn
  message_retention_seconds = 1209600 # 14 days, SQS's longest
}

data "aws_iam_policy_document" "parts" {
  for_each = local.functions

  statement {
    sid       = "ReadInputPrefix"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${each.value.input.bucket}/${each.value.input.prefix}*"]
  }

  statement {
    sid       = "WriteParts"
    actions   = ["s3:PutObject"]
    resources = [for prefix in [each.value.parts_prefix, each.value.beside_prefix] : "arn:${local.partition}:s3:::${var.tuples_bucket_name}/${prefix}*"]
  }

  statement {
    sid       = "UseTuplesKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

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
    sid       = "SendFailuresToDeadLetterQueue"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }

  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.parts[each.key].arn}:*"]
  }

  #checkov:skip=CKV_AWS_356:X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions.
  statement {
    sid       = "SendTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "parts" {
  for_each = local.functions

  name   = each.value.name
  role   = aws_iam_role.parts[each.key].id
  policy = data.aws_iam_policy_document.parts[each.key].json
}

resource "aws_lambda_function" "parts" {
  #checkov:skip=CKV_AWS_117:The function reads S3 through S3's public endpoint; a VPC adds NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the workshop does not have; zips are built reproducibly and hashed instead.
  #checkov:skip=CKV_AWS_115:Concurrency is bounded by the backfill's MaxConcurrency and by S3 delivery; reserving it would starve the account's other functions.
  for_each = local.functions

  function_name    = each.value.name
  description      = each.value.summary
  role             = aws_iam_role.parts[each.key].arn
  runtime          = "python3.12"
  handler          = each.value.handler
  filename         = each.value.package.path
  source_code_hash = each.value.package.source_code_hash
  timeout          = var.timeout_s
  memory_size      = var.memory_mb
  kms_key_arn      = var.kms_key_arn

  environment {
    variables = {
      INPUT_BUCKET                 = each.value.input.bucket
      OUTPUT_BUCKET                = var.tuples_bucket_name
      PARTS_PREFIX                 = each.value.parts_prefix
      (each.value.beside_variable) = each.value.beside_prefix
    }
  }

  dead_letter_config {
    target_arn = aws_sqs_queue.dead_letter.arn
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.parts, aws_iam_role_policy.parts]
}

# Asynchronous invocations (S3 notifications): Lambda retries twice, then sends its invocation
# record (the notification, so the object key, and the function's error) to the queue.
resource "aws_lambda_function_event_invoke_config" "parts" {
  for_each = local.functions

  function_name          = aws_lambda_function.parts[each.key].function_name
  maximum_retry_attempts = 2

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter.arn
    }
  }
}

# --- continuous: one invocation per delivered object ------------------------------------------

resource "aws_lambda_permission" "notifications" {
  for_each = local.notified

  statement_id   = "InvokeOnNewObjects"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.parts[each.key].function_name
  principal      = "s3.amazonaws.com"
  source_arn     = "arn:${local.partition}:s3:::${each.value.input.bucket}"
  source_account = data.aws_caller_identity.current.account_id
}

resource "aws_s3_bucket_notification" "new_objects" {
  count = var.notify_new_objects ? 1 : 0

  bucket = var.cloudtrail_input.bucket

  dynamic "lambda_function" {
    for_each = { for kind, function in local.notified : kind => function if kind == "cloudtrail" || local.guardduty_in_cloudtrail_notification }

    content {
      lambda_function_arn = aws_lambda_function.parts[lambda_function.key].arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = lambda_function.value.input.prefix
      filter_suffix       = lambda_function.value.suffix
    }
  }

  lifecycle {
    precondition {
      condition     = var.guardduty_parts == null || try(var.guardduty_parts.shares_cloudtrail_bucket == (var.guardduty_parts.input.bucket == var.cloudtrail_input.bucket), false)
      error_message = "guardduty_parts.shares_cloudtrail_bucket must say whether its input bucket is cloudtrail_input.bucket: S3 keeps one notification configuration per bucket."
    }
  }

  depends_on = [aws_lambda_permission.notifications]
}

resource "aws_s3_bucket_notification" "new_findings" {
  count = var.guardduty_parts != null && !local.guardduty_in_cloudtrail_notification ? 1 : 0

  bucket = var.guardduty_parts.input.bucket

  lambda_function {
    lambda_function_arn = aws_lambda_function.parts["guardduty"].arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = var.guardduty_parts.input.prefix
    filter_suffix       = local.functions.guardduty.suffix
  }

  depends_on = [aws_lambda_permission.notifications]
}

# The CloudTrail function's resources before GuardDuty parts made them one per kind.
moved {
  from = aws_iam_role.parts
  to   = aws_iam_role.parts["cloudtrail"]
}

moved {
  from = aws_cloudwatch_log_group.parts
  to   = aws_cloudwatch_log_group.parts["cloudtrail"]
}

moved {
  from = aws_iam_role_policy.parts
  to   = aws_iam_role_policy.parts["cloudtrail"]
}

moved {
  from = aws_lambda_function.parts
  to   = aws_lambda_function.parts["cloudtrail"]
}

moved {
  from = aws_lambda_function_event_invoke_config.parts
  to   = aws_lambda_function_event_invoke_config.parts["cloudtrail"]
}

moved {
  from = aws_lambda_permission.notifications[0]
  to   = aws_lambda_permission.notifications["cloudtrail"]
}

# --- backfill: a Distributed Map over the input prefix ---------------------------------------

resource "aws_cloudwatch_log_group" "backfill" {
  name              = "/aws/vendedlogs/states/${var.name_prefix}-backfill"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_iam_role" "backfill" {
  name               = "${var.name_prefix}-backfill"
  description        = "Runs the backfill state machine: lists the input, invokes the parts function, writes map-run results"
  assume_role_policy = data.aws_iam_policy_document.assume["states"].json
}

data "aws_iam_policy_document" "backfill" {
  statement {
    sid       = "ListInput"
    actions   = ["s3:ListBucket"]
    resources = [local.input_bucket]
  }

  statement {
    sid       = "InvokeParts"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.parts["cloudtrail"].arn, "${aws_lambda_function.parts["cloudtrail"].arn}:*"]
  }

  statement {
    sid       = "RunChildren"
    actions   = ["states:StartExecution", "states:DescribeExecution", "states:StopExecution"]
    resources = ["arn:${local.partition}:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:stateMachine:${var.name_prefix}-backfill", "arn:${local.partition}:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:execution:${var.name_prefix}-backfill/*"]
  }

  statement {
    sid       = "WriteResults"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:AbortMultipartUpload"]
    resources = ["arn:${local.partition}:s3:::${var.tuples_bucket_name}/${local.results_path}/*"]
  }

  statement {
    sid       = "UseTuplesKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }

  #checkov:skip=CKV_AWS_356:CloudWatch Logs delivery for Step Functions and X-Ray support no resource-level permissions.
  statement {
    sid = "DeliverLogsAndTraces"
    actions = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "backfill" {
  name   = "${var.name_prefix}-backfill"
  role   = aws_iam_role.backfill.id
  policy = data.aws_iam_policy_document.backfill.json
}

resource "aws_sfn_state_machine" "backfill" {
  name     = "${var.name_prefix}-backfill"
  role_arn = aws_iam_role.backfill.arn
  definition = templatefile("${path.module}/backfill.asl.json.tftpl", {
    function_arn       = aws_lambda_function.parts["cloudtrail"].arn
    input_bucket       = var.cloudtrail_input.bucket
    tuples_bucket      = var.tuples_bucket_name
    results_path       = local.results_path
    max_concurrency    = var.backfill_max_concurrency
    objects_per_batch  = var.backfill_objects_per_batch
    tolerated_failures = var.backfill_tolerated_failure_percentage
  })

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.backfill.arn}:*"
    include_execution_data = true
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  depends_on = [aws_iam_role_policy.backfill]
}
