output "function_name" {
  description = "The parts ingest function (one object per notification, one batch per backfill child)."
  value       = aws_lambda_function.parts["cloudtrail"].function_name
}

output "guardduty_function_name" {
  description = "The GuardDuty parts function (one findings object per notification), or null without guardduty_parts."
  value       = try(aws_lambda_function.parts["guardduty"].function_name, null)
}

output "dead_letter_queue_url" {
  description = "SQS queue receiving Lambda's invocation record (object key and error) for every object the per-object ingest could not turn into a part."
  value       = aws_sqs_queue.dead_letter.url
}

output "backfill_state_machine_arn" {
  description = "The backfill's Step Functions state machine (Distributed Map over the input prefix)."
  value       = aws_sfn_state_machine.backfill.arn
}

output "parts_prefix" {
  description = "Where the parts are written in the tuples bucket."
  value       = local.parts_prefix
}

output "backfill_results_prefix" {
  description = "Where in the tuples bucket each backfill writes its map run's results (<prefix><map run id>/manifest.json)."
  value       = "${local.results_path}/"
}

output "backfill_definition" {
  description = "The backfill state machine's definition (Amazon States Language), as deployed."
  value       = aws_sfn_state_machine.backfill.definition
}
