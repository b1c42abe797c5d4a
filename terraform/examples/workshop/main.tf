# The workshop as AWS ran it: the secml stack with its defaults. It reads the workshop's public
# CloudTrail logs and GuardDuty findings, creates the region's GuardDuty detector and its own KMS
# key, and gives the notebook instance SageMaker's internet access.

module "secml" {
  source = "../.."

  region             = var.region
  name_prefix        = var.name_prefix
  lambda_package_dir = var.lambda_package_dir
  driver_wheel_path  = var.driver_wheel_path
}
