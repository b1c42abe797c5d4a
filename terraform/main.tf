# secml: the tuples bucket, the two ingest Lambdas, the GuardDuty detector and the SageMaker
# notebook instance of the workshop. The same configuration applies to AWS and to the embedded
# emulator; local runs differ only by environment (AWS_ENDPOINT_URL, credentials, region).

locals {
  lambda_package_dir = var.lambda_package_dir != null ? var.lambda_package_dir : "${path.module}/../build/lambda"
  notebook_path      = var.notebook_path != null ? var.notebook_path : "${path.module}/../notebooks/workshop-ipinsights.ipynb"
  # `secml build` leaves exactly one driver wheel in build/dist (its name carries the version).
  driver_wheel_path = var.driver_wheel_path != null ? var.driver_wheel_path : "${path.module}/../build/dist/${one(fileset("${path.module}/../build/dist", "secml-*.whl"))}"

  # Artefacts are found and hashed here, in the root only; the modules take paths and hashes as
  # inputs, so they never reach into this checkout's folders.
  lambda_packages = {
    for kind in ["cloudtrail", "guardduty"] : kind => {
      path             = "${local.lambda_package_dir}/${kind}_ingest.zip"
      source_code_hash = filebase64sha256("${local.lambda_package_dir}/${kind}_ingest.zip")
    }
  }
  automation_packages = {
    for name in ["finding_scorer", "model_retrainer", "model_promoter"] : name => {
      path             = "${local.lambda_package_dir}/${name}.zip"
      source_code_hash = filebase64sha256("${local.lambda_package_dir}/${name}.zip")
    }
  }

  guardduty_export_prefix = "guardduty-export/"

  # Inputs default to the stack's own bucket (a generated corpus, or the detector's own export),
  # so a first run needs no other bucket to exist.
  reads_own_export = var.guardduty_input_bucket == null && var.guardduty_export_findings
  cloudtrail_input = {
    bucket = coalesce(var.cloudtrail_input_bucket, module.tuples_bucket.bucket_name)
    prefix = var.cloudtrail_input_prefix
  }
  guardduty_input = {
    bucket = coalesce(var.guardduty_input_bucket, module.tuples_bucket.bucket_name)
    prefix = coalesce(var.guardduty_input_prefix, local.reads_own_export ? local.guardduty_export_prefix : "guardduty/")
  }
}

# The detector comes first, and every other module waits for it: GuardDuty allows one detector
# per account and region, and Terraform cannot look for one without failing when there is none,
# so with create_guardduty_detector = true in a region that already has one, CreateDetector
# fails before the stack has created anything else (set the variable to false to reuse it).
module "guardduty" {
  source = "./modules/guardduty"

  create_detector              = var.create_guardduty_detector
  finding_publishing_frequency = var.guardduty_finding_publishing_frequency
}

module "tuples_bucket" {
  source = "./modules/tuples_bucket"

  name_prefix             = var.name_prefix
  force_destroy           = var.tuples_bucket_force_destroy
  kms_key_arn             = var.kms_key_arn
  access_log_bucket       = var.access_log_bucket
  log_group_name_prefix   = "/aws/lambda/${var.name_prefix}-"
  guardduty_export_prefix = var.guardduty_export_findings ? local.guardduty_export_prefix : null

  depends_on = [module.guardduty]
}

module "ingest" {
  source = "./modules/ingest"

  name_prefix          = var.name_prefix
  cloudtrail_package   = local.lambda_packages.cloudtrail
  guardduty_package    = local.lambda_packages.guardduty
  tuples_bucket_name   = module.tuples_bucket.bucket_name
  kms_key_arn          = module.tuples_bucket.kms_key_arn
  timeout_s            = var.lambda_timeout_s
  memory_mb            = var.lambda_memory_mb
  reserved_concurrency = var.lambda_reserved_concurrency
  log_retention_days   = var.log_retention_days

  cloudtrail_input   = local.cloudtrail_input
  guardduty_input    = local.guardduty_input
  input_kms_key_arns = var.input_kms_key_arns

  depends_on = [module.guardduty]
}

module "guardduty_export" {
  source = "./modules/guardduty_export"
  count  = var.guardduty_export_findings ? 1 : 0

  detector_id = module.guardduty.detector_id
  bucket_arn  = module.tuples_bucket.bucket_arn
  prefix      = local.guardduty_export_prefix
  kms_key_arn = module.tuples_bucket.kms_key_arn
  # GuardDuty checks at creation that it may write there: the destination waits for the bucket
  # policy and the key policy that allow it.
  grants = module.tuples_bucket.guardduty_export_grants
}

# The export used to live in the guardduty module.
moved {
  from = module.guardduty.aws_guardduty_publishing_destination.s3[0]
  to   = module.guardduty_export[0].aws_guardduty_publishing_destination.this
}

module "notebook" {
  source = "./modules/notebook"

  name_prefix            = var.name_prefix
  instance_type          = var.notebook_instance_type
  platform_identifier    = var.notebook_platform_identifier
  volume_size_gb         = var.notebook_volume_size_gb
  direct_internet_access = var.notebook_direct_internet_access
  subnet_id              = var.notebook_subnet_id
  security_group_ids     = var.notebook_security_group_ids
  kms_key_arn            = module.tuples_bucket.kms_key_arn
  tuples_bucket_name     = module.tuples_bucket.bucket_name
  workshop_notebook      = { path = local.notebook_path, source_hash = filemd5(local.notebook_path) }
  driver_wheel           = { path = local.driver_wheel_path, source_hash = filemd5(local.driver_wheel_path) }

  depends_on = [module.guardduty]
}

# Parts: per-object ingest of new CloudTrail deliveries (and backfill batches) into training
# parts; with the export on, of each exported GuardDuty findings object into scoring parts.
module "parts" {
  source = "./modules/parts"

  name_prefix = var.name_prefix
  package = {
    path             = "${local.lambda_package_dir}/cloudtrail_parts.zip"
    source_code_hash = filebase64sha256("${local.lambda_package_dir}/cloudtrail_parts.zip")
  }
  tuples_bucket_name = module.tuples_bucket.bucket_name
  kms_key_arn        = module.tuples_bucket.kms_key_arn
  cloudtrail_input   = local.cloudtrail_input
  input_kms_key_arns = var.input_kms_key_arns
  notify_new_objects = var.parts_notify_new_objects
  guardduty_parts = var.guardduty_export_findings ? {
    package = {
      path             = "${local.lambda_package_dir}/guardduty_parts.zip"
      source_code_hash = filebase64sha256("${local.lambda_package_dir}/guardduty_parts.zip")
    }
    input = { bucket = module.tuples_bucket.bucket_name, prefix = local.guardduty_export_prefix }
    # The export goes to the tuples bucket, which is also the CloudTrail input when none is given.
    shares_cloudtrail_bucket = var.cloudtrail_input_bucket == null
  } : null
  timeout_s          = var.lambda_timeout_s
  memory_mb          = var.lambda_memory_mb
  log_retention_days = var.log_retention_days

  backfill_max_concurrency              = var.backfill_max_concurrency
  backfill_objects_per_batch            = var.backfill_objects_per_batch
  backfill_tolerated_failure_percentage = var.backfill_tolerated_failure_percentage

  depends_on = [module.guardduty]
}

module "automation" {
  source = "./modules/automation"
  count  = var.automation_enabled ? 1 : 0

  name_prefix             = var.name_prefix
  scorer_package          = local.automation_packages.finding_scorer
  retrainer_package       = local.automation_packages.model_retrainer
  promoter_package        = local.automation_packages.model_promoter
  promotion_auc_tolerance = var.automation_promotion_auc_tolerance
  sagemaker_role_arn      = module.notebook.role_arn
  retraining_enabled      = var.automation_retraining_enabled
  retraining_schedule     = var.automation_retraining_schedule
  tuples_bucket_name      = module.tuples_bucket.bucket_name
  kms_key_arn             = module.tuples_bucket.kms_key_arn
  severity_floor          = var.automation_severity_floor
  finding_type_prefixes   = var.automation_finding_type_prefixes
  security_hub_enabled    = var.automation_security_hub_enabled
  log_retention_days      = var.log_retention_days

  depends_on = [module.guardduty]
}
