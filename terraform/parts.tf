# Training parts (modules/parts): per-object ingest of new CloudTrail deliveries and the backfill
# state machine. Its variables (parts_*, backfill_*) and outputs are in variables.tf/outputs.tf.

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
  input_kms_key_arns                    = var.input_kms_key_arns
  notify_new_objects                    = var.parts_notify_new_objects
  timeout_s                             = var.lambda_timeout_s
  memory_mb                             = var.lambda_memory_mb
  backfill_max_concurrency              = var.backfill_max_concurrency
  backfill_objects_per_batch            = var.backfill_objects_per_batch
  backfill_tolerated_failure_percentage = var.backfill_tolerated_failure_percentage
  log_retention_days                    = var.log_retention_days
}
