# The root stack (terraform/, unchanged) as pytest-terraform applies it on the emulator. This
# folder exists only because pytest-terraform looks for its modules beside the tests; every
# input below reaches the stack through TF_VAR_* set by tests/infra/conftest.py.

variable "name_prefix" {
  description = "Prefix of the test stack's resource names, apart from anything else in the emulator."
  type        = string
}

variable "lambda_package_dir" {
  description = "Folder with the Lambda zips built for this test session."
  type        = string
}

variable "driver_wheel_path" {
  description = "Driver wheel built for this test session."
  type        = string
}

module "stack" {
  source = "../../../../terraform"

  name_prefix        = var.name_prefix
  lambda_package_dir = var.lambda_package_dir
  driver_wheel_path  = var.driver_wheel_path
}

output "stack" {
  description = "Every output of the root stack."
  value       = module.stack
}
