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
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  # A SageMaker-trained model is served by the serverless endpoint its promotion creates: named
  # with the driver's prefix (secml.ipinsights.sagemaker_jobs.NAME_PREFIX) when exercise 3
  # promotes it, with the scheduled job's (secml-retrain-<time>-serverless) when the promoter
  # Lambda does; the scorer may invoke those endpoints in this account and region, and no other.
  sagemaker_arn          = "arn:${local.partition}:sagemaker:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  endpoint_arn           = "${local.sagemaker_arn}:endpoint/secml-ipinsights-*"
  scheduled_endpoint_arn = "${local.sagemaker_arn}:endpoint/secml-retrain-*"
  function_name          = "${var.name_prefix}-finding-scorer"
  bucket_arn             = "arn:${local.partition}:s3:::${var.tuples_bucket_name}"
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
    sid       = "UndeliveredEvents" # findings to the scorer, completed trainings to the promoter
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = concat([aws_cloudwatch_event_rule.findings.arn], aws_cloudwatch_event_rule.training_completed[*].arn)
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
  #checkov:skip=CKV_AWS_356:X-Ray's PutTraceSegments and PutTelemetryRecords and Security Hub's BatchUpdateFindings support no resource-level permissions.
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
    sid       = "InvokeModelEndpoints"
    actions   = ["sagemaker:InvokeEndpoint"]
    resources = [local.endpoint_arn, local.scheduled_endpoint_arn]
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
  statement {
    sid       = "SendTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
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

# --- Scheduled retraining ------------------------------------------------------------------
# An EventBridge Scheduler schedule invokes the retrainer Lambda, which picks the last
# retraining_window_days of training tuples and starts a SageMaker training job of IP Insights
# on them (model/scheduled/<job>/), the window's newest day held out as its validation channel.
# When the job completes, SageMaker's state-change event invokes the promoter Lambda, which
# serves the model on a serverless endpoint, calibrates its threshold and promotes it in the
# registry unless its validation AUC is worse than the current model's by more than the tolerance.

locals {
  retrainer_name = "${var.name_prefix}-model-retrainer"
}

data "aws_sagemaker_prebuilt_ecr_image" "ipinsights" {
  count           = var.retraining_enabled ? 1 : 0
  repository_name = "ipinsights"
  image_tag       = "1"
}

resource "aws_iam_role" "retrainer" {
  count              = var.retraining_enabled ? 1 : 0
  name               = local.retrainer_name
  description        = "Starts the scheduled IP Insights training job"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_cloudwatch_log_group" "retrainer" {
  count             = var.retraining_enabled ? 1 : 0
  name              = "/aws/lambda/${local.retrainer_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "retrainer" {
  #checkov:skip=CKV_AWS_356:X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions.
  count = var.retraining_enabled ? 1 : 0

  statement {
    sid       = "ListTrainingTuples"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["train/*"]
    }
  }
  statement {
    sid       = "WriteRunManifest"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/model/scheduled/*"]
  }
  statement {
    sid       = "UseStackKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid       = "StartTraining"
    actions   = ["sagemaker:CreateTrainingJob", "sagemaker:AddTags"]
    resources = ["arn:${local.partition}:sagemaker:*:${data.aws_caller_identity.current.account_id}:training-job/secml-retrain-*"]
  }
  statement {
    sid       = "PassTrainingRole"
    actions   = ["iam:PassRole"]
    resources = [var.sagemaker_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }
  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.retrainer[0].arn}:*"]
  }
  statement {
    sid       = "SendTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "retrainer" {
  count  = var.retraining_enabled ? 1 : 0
  name   = local.retrainer_name
  role   = aws_iam_role.retrainer[0].id
  policy = data.aws_iam_policy_document.retrainer[0].json
}

resource "aws_lambda_function" "retrainer" {
  #checkov:skip=CKV_AWS_117:The function reaches S3 and SageMaker through their public endpoints; a VPC adds NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the workshop does not have; zips are built reproducibly and hashed instead.
  #checkov:skip=CKV_AWS_115:One invocation a schedule period.
  #checkov:skip=CKV_AWS_116:A failed run goes to the schedule's dead-letter queue with its input.
  count            = var.retraining_enabled ? 1 : 0
  function_name    = local.retrainer_name
  description      = "Starts IP Insights training on the last days of training tuples (the retraining schedule's target)"
  role             = aws_iam_role.retrainer[0].arn
  runtime          = "python3.12"
  handler          = "model_retrainer.handler"
  filename         = var.retrainer_package.path
  source_code_hash = var.retrainer_package.source_code_hash
  timeout          = 60
  memory_size      = 128
  kms_key_arn      = var.kms_key_arn

  environment {
    variables = {
      TUPLES_BUCKET   = var.tuples_bucket_name
      WINDOW_DAYS     = tostring(var.retraining_window_days)
      TRAINING_IMAGE  = data.aws_sagemaker_prebuilt_ecr_image.ipinsights[0].registry_path
      ROLE_ARN        = var.sagemaker_role_arn
      INSTANCE_TYPE   = var.training_instance_type
      KMS_KEY_ARN     = var.kms_key_arn
      HYPERPARAMETERS = jsonencode(var.training_hyperparameters)
      MAX_RUNTIME_S   = "3600"
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.retrainer, aws_iam_role_policy.retrainer]
}

data "aws_iam_policy_document" "assume_scheduler" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "schedule" {
  count              = var.retraining_enabled ? 1 : 0
  name               = "${var.name_prefix}-retraining-schedule"
  description        = "Lets the retraining schedule invoke the retrainer"
  assume_role_policy = data.aws_iam_policy_document.assume_scheduler.json
}

data "aws_iam_policy_document" "schedule" {
  count = var.retraining_enabled ? 1 : 0

  statement {
    sid       = "InvokeRetrainer"
    actions   = ["lambda:InvokeFunction"]
    resources = [aws_lambda_function.retrainer[0].arn]
  }
  statement {
    sid       = "DeadLetter"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }
}

resource "aws_iam_role_policy" "schedule" {
  count  = var.retraining_enabled ? 1 : 0
  name   = "${var.name_prefix}-retraining-schedule"
  role   = aws_iam_role.schedule[0].id
  policy = data.aws_iam_policy_document.schedule[0].json
}

resource "aws_scheduler_schedule" "retraining" {
  #checkov:skip=CKV_AWS_297:The schedule's input is a time placeholder, no secret; a customer-managed key would add Scheduler to the stack key's policy for nothing.
  count                        = var.retraining_enabled ? 1 : 0
  name                         = "${var.name_prefix}-retraining"
  description                  = "Retrains IP Insights on the last ${var.retraining_window_days} days of training tuples"
  schedule_expression          = var.retraining_schedule
  schedule_expression_timezone = "UTC"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_lambda_function.retrainer[0].arn
    role_arn = aws_iam_role.schedule[0].arn
    # Scheduler fills in the context attribute at each run: one job name and window per run.
    # A literal, not jsonencode, which would escape the angle brackets Scheduler looks for.
    input = "{\"scheduled_time\": \"<aws.scheduler.scheduled-time>\"}"

    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 3600
    }

    dead_letter_config {
      arn = aws_sqs_queue.dead_letter.arn
    }
  }
}

# --- Promotion of a scheduled model -----------------------------------------------------------
# SageMaker sends "SageMaker Training Job State Change" to the default bus; the rule passes the
# completed secml-retrain jobs to the promoter Lambda (lambda_src/model_promoter.py), which
# refuses a model without validation or whose validation AUC is worse than the current one's by
# more than promotion_auc_tolerance, and otherwise serves it on the serverless endpoint
# <job>-serverless, calibrates its threshold on held-out pairs scored there and makes it current
# in models/current.json (deleting the endpoint it replaced). Every decision is logged and kept in
# the registry's history. A failed promotion goes to the dead-letter queue with its event.

locals {
  promoter_name = "${var.name_prefix}-model-promoter"
  # The promoter creates, invokes and deletes the endpoint of a scheduled job, with its config
  # and model of the same name (secml_ingest.promoter.serverless_endpoint_name).
  scheduled_serving_arns = [
    "${local.sagemaker_arn}:model/secml-retrain-*",
    "${local.sagemaker_arn}:endpoint-config/secml-retrain-*",
    local.scheduled_endpoint_arn,
  ]
  training_completed_pattern = {
    source        = ["aws.sagemaker"]
    "detail-type" = ["SageMaker Training Job State Change"]
    detail = {
      TrainingJobStatus = ["Completed"]
      TrainingJobName   = [{ prefix = "secml-retrain" }]
    }
  }
}

resource "aws_iam_role" "promoter" {
  count              = var.retraining_enabled ? 1 : 0
  name               = local.promoter_name
  description        = "Judges and promotes the model of a completed scheduled training job"
  assume_role_policy = data.aws_iam_policy_document.assume_lambda.json
}

resource "aws_cloudwatch_log_group" "promoter" {
  count             = var.retraining_enabled ? 1 : 0
  name              = "/aws/lambda/${local.promoter_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "promoter" {
  #checkov:skip=CKV_AWS_356:X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions.
  #checkov:skip=CKV_AWS_111:The write actions are on secml-retrain-* SageMaker resources and the bucket's models/ only.
  count = var.retraining_enabled ? 1 : 0

  statement {
    sid       = "DescribeScheduledTraining"
    actions   = ["sagemaker:DescribeTrainingJob"]
    resources = ["${local.sagemaker_arn}:training-job/secml-retrain-*"]
  }
  statement {
    sid = "ServeScheduledModel"
    actions = [
      "sagemaker:AddTags",
      "sagemaker:CreateEndpoint",
      "sagemaker:CreateEndpointConfig",
      "sagemaker:CreateModel",
      "sagemaker:DeleteEndpoint",
      "sagemaker:DeleteEndpointConfig",
      "sagemaker:DeleteModel",
      "sagemaker:DescribeEndpoint",
    ]
    resources = local.scheduled_serving_arns
  }
  statement {
    sid       = "ScoreHeldOutPairs"
    actions   = ["sagemaker:InvokeEndpoint"]
    resources = [local.scheduled_endpoint_arn]
  }
  statement {
    sid       = "PassServingRole" # CreateModel runs the model with the training job's role
    actions   = ["iam:PassRole"]
    resources = [var.sagemaker_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }
  statement {
    sid     = "ReadTuplesRunsAndModels" # the parts the manifests list, the run's manifests and window, the registry
    actions = ["s3:GetObject"]
    resources = [
      "${local.bucket_arn}/train/*",
      "${local.bucket_arn}/model/scheduled/*",
      "${local.bucket_arn}/models/*",
    ]
  }
  statement {
    # ListBucket on models/ only: a registry not yet written answers NoSuchKey, not AccessDenied.
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
    sid       = "WriteModels" # the registry and a model's principals list (deleted again when refused)
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.bucket_arn}/models/*"]
  }
  statement {
    sid       = "UseStackKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }
  statement {
    sid       = "FailedPromotionsToDeadLetter" # the on-failure destination sends as the function's role
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.dead_letter.arn]
  }
  statement {
    sid       = "WriteOwnLogGroup"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.promoter[0].arn}:*"]
  }
  statement {
    sid       = "SendTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "promoter" {
  count  = var.retraining_enabled ? 1 : 0
  name   = local.promoter_name
  role   = aws_iam_role.promoter[0].id
  policy = data.aws_iam_policy_document.promoter[0].json
}

resource "aws_lambda_function" "promoter" {
  #checkov:skip=CKV_AWS_117:The function reaches S3 and SageMaker through their public endpoints; a VPC adds NAT cost and nothing to protect.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the workshop does not have; zips are built reproducibly and hashed instead.
  #checkov:skip=CKV_AWS_115:One invocation a completed scheduled training job.
  #checkov:skip=CKV_AWS_116:Failed invocations go to the on-failure destination (the event invoke config below), which carries the event and the error.
  count            = var.retraining_enabled ? 1 : 0
  function_name    = local.promoter_name
  description      = "Serves, calibrates and promotes (or refuses) the model of a completed scheduled training job"
  role             = aws_iam_role.promoter[0].arn
  runtime          = "python3.12"
  handler          = "model_promoter.handler"
  filename         = var.promoter_package.path
  source_code_hash = var.promoter_package.source_code_hash
  # Lambda's longest: the invocation waits for the serverless endpoint (ENDPOINT_WAIT_S at most).
  timeout     = 900
  memory_size = 512
  kms_key_arn = var.kms_key_arn

  environment {
    variables = {
      TUPLES_BUCKET       = var.tuples_bucket_name
      REGISTRY_KEY        = "models/current.json"
      AUC_TOLERANCE       = tostring(var.promotion_auc_tolerance)
      FALSE_POSITIVE_RATE = tostring(var.promotion_false_positive_rate)
      SAMPLE_PAIRS        = tostring(var.promotion_sample_pairs)
      ENDPOINT_WAIT_S     = "600"
    }
  }

  tracing_config {
    mode = "Active"
  }

  depends_on = [aws_cloudwatch_log_group.promoter, aws_iam_role_policy.promoter]
}

resource "aws_lambda_function_event_invoke_config" "promoter" {
  count                        = var.retraining_enabled ? 1 : 0
  function_name                = aws_lambda_function.promoter[0].function_name
  maximum_retry_attempts       = 1
  maximum_event_age_in_seconds = 21600

  destination_config {
    on_failure {
      destination = aws_sqs_queue.dead_letter.arn
    }
  }

  depends_on = [aws_iam_role_policy.promoter]
}

resource "aws_cloudwatch_event_rule" "training_completed" {
  count         = var.retraining_enabled ? 1 : 0
  name          = "${var.name_prefix}-retraining-completed"
  description   = "Completed scheduled IP Insights training jobs, to the secml promoter"
  event_pattern = jsonencode(local.training_completed_pattern)
}

resource "aws_cloudwatch_event_target" "promoter" {
  count = var.retraining_enabled ? 1 : 0
  rule  = aws_cloudwatch_event_rule.training_completed[0].name
  arn   = aws_lambda_function.promoter[0].arn

  retry_policy {
    maximum_event_age_in_seconds = 3600
    maximum_retry_attempts       = 10
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter.arn
  }
}

resource "aws_lambda_permission" "training_completed" {
  count         = var.retraining_enabled ? 1 : 0
  statement_id  = "AllowTrainingCompletedRule"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.promoter[0].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.training_completed[0].arn
}
