output "region" {
  description = "Region of the stack."
  value       = var.region
}

output "tuples_bucket_name" {
  description = "Bucket of the training/scoring tuples, models, scores, and the notebook's files."
  value       = module.tuples_bucket.bucket_name
}

output "tuples_kms_key_arn" {
  description = "KMS key encrypting the tuples bucket, the ingest logs and environment, and the notebook volume."
  value       = module.tuples_bucket.kms_key_arn
}

output "cloudtrail_ingest_function_name" {
  description = "Lambda function that turns CloudTrail logs into training tuples."
  value       = module.ingest.cloudtrail.function_name
}

output "cloudtrail_ingest_function_arn" {
  description = "ARN of the CloudTrail ingest function."
  value       = module.ingest.cloudtrail.function_arn
}

output "cloudtrail_ingest_role_arn" {
  description = "Execution role of the CloudTrail ingest function."
  value       = module.ingest.cloudtrail.role_arn
}

output "guardduty_ingest_function_name" {
  description = "Lambda function that turns GuardDuty findings into scoring tuples and the finding index."
  value       = module.ingest.guardduty.function_name
}

output "guardduty_ingest_function_arn" {
  description = "ARN of the GuardDuty ingest function."
  value       = module.ingest.guardduty.function_arn
}

output "guardduty_ingest_role_arn" {
  description = "Execution role of the GuardDuty ingest function."
  value       = module.ingest.guardduty.role_arn
}

output "cloudtrail_input" {
  description = "Where the CloudTrail ingest reads: {bucket, prefix}."
  value       = local.cloudtrail_input
}

output "guardduty_input" {
  description = "Where the GuardDuty ingest reads: {bucket, prefix}."
  value       = local.guardduty_input
}

output "guardduty_reads_export" {
  description = "True when the GuardDuty ingest reads the detector's own export (findings arrive about 5 minutes after they are generated)."
  value       = local.reads_own_export
}

output "reserved_concurrency" {
  description = "Reserved concurrency of each ingest function (-1: unreserved)."
  value       = var.lambda_reserved_concurrency
}

output "guardduty_detector_id" {
  description = "The region's GuardDuty detector, created or reused."
  value       = module.guardduty.detector_id
}

output "notebook_instance_name" {
  description = "SageMaker notebook instance with the workshop notebook installed."
  value       = module.notebook.instance_name
}

output "notebook_url" {
  description = "URL of the notebook instance's Jupyter."
  value       = module.notebook.url
}

output "notebook_role_arn" {
  description = "Execution role of the notebook instance, also used for SageMaker training, transform and endpoints."
  value       = module.notebook.role_arn
}

output "guardduty_detector_created" {
  description = "True when this stack created the detector (destroy removes it); false when it reuses one."
  value       = module.guardduty.detector_created
}

output "tuples_kms_key_created" {
  description = "True when this stack created the tuples KMS key; false when kms_key_arn brought one."
  value       = var.kms_key_arn == null
}

output "notebook_lifecycle_config_name" {
  description = "Lifecycle configuration that installs the workshop on the notebook instance at start."
  value       = module.notebook.lifecycle_config_name
}

output "parts_function_name" {
  description = "The parts ingest function (per new object, and per backfill batch)."
  value       = module.parts.function_name
}

output "guardduty_parts_function_name" {
  description = "The GuardDuty parts function (each exported findings object to infer/parts/ and infer/parts-index/), or null without guardduty_export_findings."
  value       = module.parts.guardduty_function_name
}

output "parts_dead_letter_queue_url" {
  description = "SQS queue holding the invocation record (object key, error) of each object the per-object ingest could not ingest."
  value       = module.parts.dead_letter_queue_url
}

output "finding_scorer_function_name" {
  description = "The scorer Lambda of new GuardDuty findings (null when automation_enabled is false)."
  value       = one(module.automation[*].scorer_function_name)
}

output "unusual_findings_topic_arn" {
  description = "SNS topic of unusual findings (null when automation_enabled is false)."
  value       = one(module.automation[*].unusual_findings_topic_arn)
}

output "finding_scorer_dead_letter_queue_url" {
  description = "Failed scorings with their events (null when automation_enabled is false)."
  value       = one(module.automation[*].dead_letter_queue_url)
}

output "automation_security_hub_enabled" {
  description = "Whether the scorer puts its verdicts on the findings' Security Hub twins."
  value       = var.automation_enabled && var.automation_security_hub_enabled
}

output "retraining_schedule_name" {
  description = "The retraining schedule (null when the automation or retraining is off)."
  value       = one(module.automation[*].retraining_schedule_name)
}

output "retrainer_function_name" {
  description = "The retraining schedule's target Lambda (null when the automation or retraining is off)."
  value       = one(module.automation[*].retrainer_function_name)
}

output "backfill_state_machine_arn" {
  description = "Step Functions state machine of `make backfill`."
  value       = module.parts.backfill_state_machine_arn
}

output "backfill_results_prefix" {
  description = "Where in the tuples bucket each backfill writes its map run's results (<prefix><map run id>/manifest.json)."
  value       = module.parts.backfill_results_prefix
}

output "promoter_function_name" {
  description = "The promoter of completed scheduled training jobs (null when the automation or retraining is off)."
  value       = one(module.automation[*].promoter_function_name)
}
