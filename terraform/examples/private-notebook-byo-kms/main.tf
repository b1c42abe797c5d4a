# secml with your own KMS key and a private notebook: the tuples bucket, the ingest logs and
# environment and the notebook volume are encrypted with the key you manage (no key is created),
# and the notebook instance runs in your private subnet without direct internet access.

module "secml" {
  source = "../.."

  region             = var.region
  name_prefix        = var.name_prefix
  lambda_package_dir = var.lambda_package_dir
  driver_wheel_path  = var.driver_wheel_path

  kms_key_arn = var.kms_key_arn

  notebook_direct_internet_access = "Disabled"
  notebook_subnet_id              = var.notebook_subnet_id
  notebook_security_group_ids     = var.notebook_security_group_ids
}
