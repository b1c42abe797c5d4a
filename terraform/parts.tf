# Training parts (modules/parts): per-object ingest of new CloudTrail deliveries. Kept in its own file beside main.tf: the variables and outputs of this feature
# live here too.

variable "parts_notify_new_objects" {
  description = "Ingest each new CloudTrail object into its own training part as it is delivered (S3 bucket notification on cloudtrail_input_bucket). The bucket must be yours, in this account and region; the notification replaces the bucket's notification configuration."
  type        = bool
  default     = false
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
  input_kms_key_arns = var.input_kms_key_arns
  notify_new_objects = var.parts_notify_new_objects
  timeout_s          = var.lambda_timeout_s
  memory_mb          = var.lambda_memory_mb
  log_retention_days = var.log_retention_days
}

output "parts_function_name" {
  description = "The parts ingest function (per new object, and per backfill batch)."
  value       = module.parts.function_name
}

output "parts_dead_letter_queue_url" {
  description = "SQS queue holding the invocation record (object key, error) of each object the per-object ingest could not ingest."
  value       = module.parts.dead_letter_queue_url
}
