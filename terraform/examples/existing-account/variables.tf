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

variable "trail_bucket" {
  description = "Bucket of the organisation trail (often in a log archive account)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.trail_bucket))
    error_message = "trail_bucket must be an S3 bucket name."
  }
}

variable "trail_key_prefix" {
  description = "S3 key prefix the organisation trail was given, ending in '/'; empty when its logs start at AWSLogs/."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([^/].*/)?$", var.trail_key_prefix))
    error_message = "trail_key_prefix must be empty or end in '/' without a leading '/'."
  }
}

variable "organization_id" {
  description = "AWS Organizations ID in the trail's key names (AWSLogs/o-.../ACCOUNT/CloudTrail/)."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must be an organization ID such as o-a1b2c3d4e5."
  }
}

variable "trail_account_id" {
  description = "Account whose CloudTrail logs train the model (its folder under the organisation's AWSLogs/)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.trail_account_id))
    error_message = "trail_account_id must be a 12-digit AWS account ID."
  }
}

variable "trail_kms_key_arn" {
  description = "KMS key the organisation trail encrypts its log files with; its key policy must let this account decrypt."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.trail_kms_key_arn))
    error_message = "trail_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
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
