# The automation module: the finding rule's pattern, least privilege, encryption, the dead letter.
# The package is an input (path and hash), so these runs need no built zip.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name_prefix        = "secml"
  tuples_bucket_name = "secml-tuples-mock"
  kms_key_arn        = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
  scorer_package     = { path = "build/lambda/finding_scorer.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  retrainer_package  = { path = "build/lambda/model_retrainer.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  promoter_package   = { path = "build/lambda/model_promoter.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  sagemaker_role_arn = "arn:aws:iam::123456789012:role/secml-notebook"
}

run "defaults_score_every_guardduty_finding" {
  command = apply

  module {
    source = "./modules/automation"
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.findings.event_pattern) == { source = ["aws.guardduty"], "detail-type" = ["GuardDuty Finding"] }
    error_message = "by default every GuardDuty finding is scored"
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.scorer.statement : !anytrue([for a in s.actions : strcontains(a, "*")])])
    error_message = "no wildcard actions"
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.scorer.statement : !contains(tolist(s.resources), "*") if s.sid != "SendTraces"])
    error_message = "without Security Hub only X-Ray (no resource-level permissions) uses Resource \"*\""
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.scorer.statement : s.resources if s.sid == "WriteLiveScores"]) == toset(["arn:aws:s3:::secml-tuples-mock/scores/live/*"])
    error_message = "the scorer writes only scores/live/"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.scorer.statement : s.resources if s.sid == "InvokeModelEndpoints"]) == toset(["arn:aws:sagemaker:us-west-2:123456789012:endpoint/secml-ipinsights-*", "arn:aws:sagemaker:us-west-2:123456789012:endpoint/secml-retrain-*"])
    error_message = "the scorer invokes only secml's endpoints, in its own account and region"
  }

  assert {
    condition     = aws_sns_topic.unusual.kms_master_key_id == var.kms_key_arn && aws_sqs_queue.dead_letter.sqs_managed_sse_enabled
    error_message = "the topic is encrypted with the stack's key, the dead-letter queue by SQS"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.scorer.destination_config[0].on_failure[0].destination == aws_sqs_queue.dead_letter.arn
    error_message = "failed scorings go to the dead-letter queue"
  }

  assert {
    condition     = aws_cloudwatch_event_target.scorer.dead_letter_config[0].arn == aws_sqs_queue.dead_letter.arn
    error_message = "events EventBridge could not deliver go to the dead-letter queue"
  }

  assert {
    condition     = toset(one(data.aws_iam_policy_document.dead_letter.statement[0].condition).values) == toset([aws_cloudwatch_event_rule.findings.arn, aws_cloudwatch_event_rule.training_completed[0].arn])
    error_message = "only the findings rule and the completed-training rule may write to the dead-letter queue as EventBridge"
  }
}

run "retraining_is_weekly_and_names_each_run" {
  command = apply

  module {
    source = "./modules/automation"
  }

  assert {
    condition     = aws_scheduler_schedule.retraining[0].schedule_expression == "rate(7 days)"
    error_message = "retraining is weekly by default"
  }

  assert {
    condition     = strcontains(aws_scheduler_schedule.retraining[0].target[0].input, "\"<aws.scheduler.scheduled-time>\"")
    error_message = "the schedule's input carries Scheduler's context attribute unescaped, so each run gets its own time"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.retrainer[0].statement : s.resources if s.sid == "PassTrainingRole"]) == toset([var.sagemaker_role_arn])
    error_message = "the retrainer passes only the training role"
  }
}

run "completed_scheduled_trainings_are_promoted_with_least_privilege" {
  command = apply

  module {
    source = "./modules/automation"
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.training_completed[0].event_pattern) == {
      source        = ["aws.sagemaker"]
      "detail-type" = ["SageMaker Training Job State Change"]
      detail        = { TrainingJobStatus = ["Completed"], TrainingJobName = [{ prefix = "secml-retrain" }] }
    }
    error_message = "only completed scheduled training jobs reach the promoter"
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.promoter[0].statement : !anytrue([for a in s.actions : strcontains(a, "*")])])
    error_message = "no wildcard actions"
  }

  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.promoter[0].statement : !contains(tolist(s.resources), "*") if s.sid != "SendTraces"])
    error_message = "only X-Ray (no resource-level permissions) uses Resource \"*\""
  }

  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.promoter[0].statement : alltrue([for r in s.resources : strcontains(r, ":sagemaker:us-west-2:123456789012:") && strcontains(r, "/secml-retrain-*")])
      if startswith(one(distinct([for a in s.actions : split(":", a)[0]])), "sagemaker")
    ])
    error_message = "the promoter touches only the scheduled jobs' SageMaker resources, in its own account and region"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.promoter[0].statement : s.resources if s.sid == "WriteModels"]) == toset(["arn:aws:s3:::secml-tuples-mock/models/*"])
    error_message = "the promoter writes only models/"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.promoter[0].statement : s.resources if s.sid == "PassServingRole"]) == toset([var.sagemaker_role_arn])
    error_message = "the promoter passes only the training role"
  }

  assert {
    condition     = aws_lambda_function.promoter[0].timeout == 900 && aws_lambda_function.promoter[0].environment[0].variables.AUC_TOLERANCE == "0.01"
    error_message = "the promoter may wait for its endpoint and uses the default tolerance"
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.promoter[0].destination_config[0].on_failure[0].destination == aws_sqs_queue.dead_letter.arn && aws_cloudwatch_event_target.promoter[0].dead_letter_config[0].arn == aws_sqs_queue.dead_letter.arn
    error_message = "failed or undelivered promotions go to the dead-letter queue"
  }
}

run "promotion_tolerance_is_validated" {
  command = plan

  module {
    source = "./modules/automation"
  }

  variables {
    promotion_auc_tolerance = -0.1
  }

  expect_failures = [var.promotion_auc_tolerance]
}

run "retraining_can_be_turned_off" {
  command = plan

  module {
    source = "./modules/automation"
  }

  variables {
    retraining_enabled = false
  }

  assert {
    condition     = length(aws_scheduler_schedule.retraining) == 0 && length(aws_lambda_function.retrainer) == 0 && length(aws_lambda_function.promoter) == 0 && length(aws_cloudwatch_event_rule.training_completed) == 0
    error_message = "no schedule, no retrainer and no promoter when retraining is off"
  }
}

run "filters_and_security_hub" {
  command = apply

  module {
    source = "./modules/automation"
  }

  variables {
    severity_floor        = 4
    finding_type_prefixes = ["UnauthorizedAccess:IAMUser/"]
    security_hub_enabled  = true
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.findings.event_pattern).detail == {
      severity = [{ numeric = [">=", 4] }]
      type     = [{ prefix = "UnauthorizedAccess:IAMUser/" }]
    }
    error_message = "severity floor and type prefixes filter the findings"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.scorer.statement : s.actions if s.sid == "UpdateGuardDutyTwins"]) == toset(["securityhub:BatchUpdateFindings"])
    error_message = "Security Hub adds only BatchUpdateFindings"
  }

  assert {
    condition     = aws_lambda_function.scorer.environment[0].variables.SECURITY_HUB == "true"
    error_message = "the function is told to update Security Hub"
  }
}

run "severity_floor_is_validated" {
  command = plan

  module {
    source = "./modules/automation"
  }

  variables {
    severity_floor = 11
  }

  expect_failures = [var.severity_floor]
}
