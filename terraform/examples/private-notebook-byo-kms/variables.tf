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

variable "kms_key_arn" {
  description = "Your KMS key for the tuples bucket, the ingest logs and environment and the notebook volume; its policy must let this account use it through IAM and CloudWatch Logs encrypt the /aws/lambda/<name_prefix>-* log groups."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "notebook_subnet_id" {
  description = "Private VPC subnet of the notebook instance, with routes or VPC endpoints to S3, SageMaker and STS."
  type        = string

  validation {
    condition     = can(regex("^subnet-[0-9a-f]+$", var.notebook_subnet_id))
    error_message = "notebook_subnet_id must be a subnet ID (subnet-...)."
  }
}

variable "notebook_security_group_ids" {
  description = "Security groups of the notebook instance in notebook_subnet_id (at least one)."
  type        = list(string)

  validation {
    condition     = length(var.notebook_security_group_ids) > 0 && alltrue([for id in var.notebook_security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "notebook_security_group_ids must list at least one security group ID (sg-...)."
  }
}
