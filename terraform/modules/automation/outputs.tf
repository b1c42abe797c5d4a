output "scorer_function_name" {
  description = "The finding scorer Lambda."
  value       = aws_lambda_function.scorer.function_name
}

output "unusual_findings_topic_arn" {
  description = "SNS topic of unusual findings (subscribe analysts' queues, chat or mail here)."
  value       = aws_sns_topic.unusual.arn
}

output "dead_letter_queue_url" {
  description = "Failed scorings, with their events."
  value       = aws_sqs_queue.dead_letter.url
}

output "findings_rule_name" {
  description = "The EventBridge rule on GuardDuty findings."
  value       = aws_cloudwatch_event_rule.findings.name
}

output "retraining_schedule_name" {
  description = "The EventBridge Scheduler schedule of retraining (null when retraining_enabled is false)."
  value       = one(aws_scheduler_schedule.retraining[*].name)
}

output "retrainer_function_name" {
  description = "The schedule's target: starts a training job on the last days of tuples (null when retraining_enabled is false)."
  value       = one(aws_lambda_function.retrainer[*].function_name)
}

output "promoter_function_name" {
  description = "Judges and promotes the model of each completed scheduled training job (null when retraining_enabled is false)."
  value       = one(aws_lambda_function.promoter[*].function_name)
}

output "training_completed_rule_name" {
  description = "The EventBridge rule on completed scheduled training jobs (null when retraining_enabled is false)."
  value       = one(aws_cloudwatch_event_rule.training_completed[*].name)
}
