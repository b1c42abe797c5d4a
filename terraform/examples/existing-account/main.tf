# secml in an account that already runs GuardDuty and an organisation trail: the stack reuses the
# region's detector, learns from one account's folder of the organisation trail (in another
# bucket, encrypted with the trail's own KMS key) and keeps the notebook off the internet.

module "secml" {
  source = "../.."

  region             = var.region
  name_prefix        = var.name_prefix
  lambda_package_dir = var.lambda_package_dir
  driver_wheel_path  = var.driver_wheel_path

  create_guardduty_detector = false

  cloudtrail_input_bucket = var.trail_bucket
  cloudtrail_input_prefix = "${var.trail_key_prefix}AWSLogs/${var.organization_id}/${var.trail_account_id}/CloudTrail/"
  input_kms_key_arns      = [var.trail_kms_key_arn]

  notebook_direct_internet_access = "Disabled"
  notebook_subnet_id              = var.notebook_subnet_id
  notebook_security_group_ids     = var.notebook_security_group_ids
}
