variable "region" {
  description = "AWS region of the stack."
  type        = string
  default     = "us-west-2"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-west-2."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name, so several stacks can share an account."
  type        = string
  default     = "secml"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "lambda_package_dir" {
  description = "Folder holding cloudtrail_ingest.zip and guardduty_ingest.zip (built by `secml build`); null means build/lambda in this checkout."
  type        = string
  default     = null

  validation {
    condition     = var.lambda_package_dir == null || can(regex("\\S", var.lambda_package_dir))
    error_message = "lambda_package_dir must be a folder path, or null."
  }
}

variable "driver_wheel_path" {
  description = "The secml driver wheel pip-installed on the notebook instance (built by `secml build`); null means the one in build/dist of this checkout."
  type        = string
  default     = null

  validation {
    condition     = var.driver_wheel_path == null || can(regex("\\.whl$", var.driver_wheel_path))
    error_message = "driver_wheel_path must name a .whl file, or be null."
  }
}
