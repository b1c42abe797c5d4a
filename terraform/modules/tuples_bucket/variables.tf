variable "name_prefix" {
  description = "Prefix of the bucket name (a unique suffix is added) and of the KMS alias."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy delete the bucket together with its objects and versions."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Existing KMS key to encrypt with; null creates a customer-managed key with rotation."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN or null."
  }
}

variable "access_log_bucket" {
  description = "Bucket receiving S3 server access logs of the tuples bucket; null turns access logging off."
  type        = string
  default     = null
}

variable "noncurrent_version_retention_days" {
  description = "Days a replaced or deleted object version is kept before it expires."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "log_group_name_prefix" {
  description = "CloudWatch Logs log groups whose names start with this may encrypt with the created key; null grants none."
  type        = string
  default     = null
}

variable "guardduty_export_prefix" {
  description = "Key prefix GuardDuty may export findings to (bucket and key policy grants); null grants nothing."
  type        = string
  default     = null

  validation {
    condition     = var.guardduty_export_prefix == null || can(regex("^[^/].*/$", var.guardduty_export_prefix))
    error_message = "guardduty_export_prefix must end in '/' and not start with '/'."
  }
}
