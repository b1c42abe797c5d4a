# Training parts (modules/parts): per-object ingest of new CloudTrail deliveries and the backfill
# state machine. Kept in its own file beside main.tf: the variables and outputs of this feature
# live here too.

variable "parts_notify_new_objects" {
  description = "Ingest each new CloudTrail object into its own training part as it is delivered (S3 bucket notification on cloudtrail_input_bucket). The bucket must be yours, in this account and region; the notification replaces the bucket's notification configuration."
  type        = bool
  default     = false
}

variable "backfill_max_concurrency" {
  description = "Most backfill batches (Lambda invocations) the Distributed Map runs at once."
  type        = number
  default     = 4

  validation {
    condition     = var.backfill_max_concurrency >= 1 && var.backfill_max_concurrency <= 10000
    error_message = "backfill_max_concurrency must be between 1 and 10000."
  }
}

variable "backfill_objects_per_batch" {
  description = "CloudTrail objects per backfill batch (one Lambda invocation)."
  type        = number
  default     = 20

  validation {
    condition     = var.backfill_objects_per_batch >= 1 && var.backfill_objects_per_batch <= 1000
    error_message = "backfill_objects_per_batch must be between 1 and 1000."
  }
}

module "parts" {
  source = "./modules/parts"

  name_prefix = var.name_prefix
  package = {
    path             = "${local.lambda_package_dir}/cloudtrail_parts.zip"
    source_code_hash = filebase64sha256("${local.lambda_package_dir}/cloudtrail_parts.zip")
  }
  tuples_bucket_name = module.tuples_bucket.bucket_name
  kms_key_arn        = module.tuples_bucket.kms_key_arn
  cloudtrail_input = {
    bucket = var.cloudtrail_input_bucket
    prefix = var.cloudtrail_input_prefix
  }
  input_kms_key_arns         = var.input_kms_key_arns
  notify_new_objects         = var.parts_notify_new_objects
  timeout_s                  = var.lambda_timeout_s
  memory_mb                  = var.lambda_memory_mb
  backfill_max_concurrency   = var.backfill_max_concurrency
  backfill_objects_per_batch = var.backfill_objects_per_batch
  log_retention_days         = var.log_retention_days
}

output "parts_function_name" {
  description = "The parts ingest function (per new object, and per backfill batch)."
  value       = module.parts.function_name
}

output "parts_dead_letter_queue_url" {
  description = "SQS queue holding the invocation record (object key, error) of each object the per-object ingest could not ingest."
  value       = module.parts.dead_letter_queue_url
}

output "backfill_state_machine_arn" {
  description = "Step Functions state machine of `make backfill`."
  value       = module.parts.backfill_state_machine_arn
}
