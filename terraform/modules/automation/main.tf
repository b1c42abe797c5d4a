# Every new GuardDuty finding scored as it arrives: an EventBridge rule on GuardDuty findings
# invokes the scorer Lambda (asynchronously), which reads the model the registry names
# (s3://<tuples bucket>/models/current.json), writes its verdicts under scores/live/, publishes
# unusual findings to a KMS-encrypted SNS topic and, when enabled, puts the verdict on the
# finding's Security Hub twin. Nothing is dropped silently: a scoring that fails (no model,
# malformed event) goes, with its event and the error, to the dead-letter queue after the
# configured retries (the function's on-failure destination), and so does an event EventBridge
# could not deliver to the function at all (the target's dead-letter queue).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  function_name = "${var.name_prefix}-finding-scorer"
  bucket_arn    = "arn:${local.partition}:s3:::${var.tuples_bucket_name}"
  detail = merge(
    var.severity_floor > 0 ? { severity = [{ numeric = [">=", var.severity_floor] }] } : {},
    length(var.finding_type_prefixes) > 0 ? { type = [for prefix in var.finding_type_prefixes : { prefix = prefix }] } : {},
  )
  event_pattern = merge(
    { source = ["aws.guardduty"], "detail-type" = ["GuardDuty Finding"] },
    length(local.detail) > 0 ? { detail = local.detail } : {},
  )
}

# SQS-managed encryption, not the stack's KMS key: EventBridge writes undelivered events here as
# the events.amazonaws.com service, which a customer-managed key would have to trust in its key
# policy (modules/tuples_bucket owns that policy; widening it for one queue is not worth it).
resource "aws_sqs_queue" "dead_letter" {
  name                      = "${var.name_prefix}-finding-scorer-dlq"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600 # 14 days, SQS's longest
}

data "aws_iam_policy_document" "dead_letter" {
  statement {
    sid       = "UndeliveredFindingEvents"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_cloudwatch_event_rule.findings.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "dead_letter" {
  queue_url = aws_sqs_queue.dead_letter.id
  policy    = data.aws_iam_policy_document.dead_letter.json
}

resource "aws_sns_topic" "unusual" {
  name              = "${var.name_prefix}-unusual-findings"
  display_name      = "secml: GuardDuty findings from an unusual IP for their principal"
  kms_master_key_id = var.kms_key_arn
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

resource "aws_iam_role" "scorer" {
  name               = local.function_name
  description        = "Runs the GuardDuty finding scorer"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_cloudwatch_log_group" "scorer" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "scorer" {
  statement {
    sid       = "ReadModels"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/models/*"]
  }
  statement {
    # ListBucket on models/ only: GetObject of a missing key then answers NoSuchKey (a clear
    # "no model promoted" line) instead of AccessDenied.
    sid       = "ListModels"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["models/*"]
    }
  }
  statement {
    sid       = "WriteLiveScores"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/scores/live/*"]
  }
  statement {
    sid       = "UseStackKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid       = "PublishUnusual"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.unusual.arn]
  }
  statement {
    sid       = "FailedScoringsToDeadLetter" # the on-failure destination sends as the function's role
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }
  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.scorer.arn}:*"]
  }
  dynamic "statement" {
    for_each = var.security_hub_enabled ? [1] : []
    content {
      sid       = "UpdateGuardDutyTwins"
      actions   = ["securityhub:BatchUpdateFindings"]
      resources = ["*"] # BatchUpdateFindings supports no resource-level permissions
    }
  }
}

resource "aws_iam_role_policy" "scorer" {
  name   = local.function_name
  role   = aws_iam_role.scorer.id
  policy = data.aws_iam_policy_document.scorer.json
}

resource "aws_lambda_function" "scorer" {
  #checkov:skip=CKV_AWS_117:The function reaches S3, SNS and Security Hub through their public endpoints; a VPC adds NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the workshop does not have; zips are built reproducibly and hashed instead.
  #checkov:skip=CKV_AWS_115:Concurrency follows the finding rate; GuardDuty findings arrive a few at a time.
  #checkov:skip=CKV_AWS_116:Failed invocations go to the on-failure destination (the event invoke config below), which carries the event and the error; a dead_letter_config would deliver the same failures twice.
  function_name    = local.function_name
  description      = "Scores each new GuardDuty finding with the current IP Insights model"
  role             = aws_iam_role.scorer.arn
  runtime          = "python3.12"
  handler          = "finding_scorer.handler"
  filename         = var.scorer_package.path
  source_code_hash = var.scorer_package.source_code_hash
  timeout          = var.timeout_s
  memory_size      = var.memory_mb
  kms_key_arn      = var.kms_key_arn

  environment {
    variables = {
      TUPLES_BUCKET = var.tuples_bucket_name
      REGISTRY_KEY  = "models/current.json"
      LIVE_PREFIX   = "scores/live"
      TOPIC_ARN     = aws_sns_topic.unusual.arn
      SECURITY_HUB  = var.security_hub_enabled ? "true" : "false"
      ARTEFACT_READ = var.artefact_read
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.scorer, aws_iam_role_policy.scorer]
}

resource "aws_lambda_function_event_invoke_config" "scorer" {
  function_name                = aws_lambda_function.scorer.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = 21600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter.arn
    }
  }

  depends_on = [aws_iam_role_policy.scorer]
}

resource "aws_cloudwatch_event_rule" "findings" {
  name          = "${var.name_prefix}-guardduty-findings"
  description   = "New and updated GuardDuty findings, to the secml scorer"
  event_pattern = jsonencode(local.event_pattern)
}

resource "aws_cloudwatch_event_target" "scorer" {
  rule = aws_cloudwatch_event_rule.findings.name
  arn  = aws_lambda_function.scorer.arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

resource "aws_lambda_permission" "events" {
  statement_id  = "AllowGuardDutyFindingsRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.scorer.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.findings.arn
}
