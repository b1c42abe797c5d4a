variable "name_prefix" {
  description = "Prefix of the function, role and log group names."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "cloudtrail_package" {
  description = "The CloudTrail ingest's deployment package (cloudtrail_ingest.zip, built by `secml build`): its path and its base64 SHA-256 (filebase64sha256), which redeploys the function when the code changes."
  type        = object({ path = string, source_code_hash = string })

  validation {
    condition     = endswith(var.cloudtrail_package.path, ".zip") && can(regex("^[A-Za-z0-9+/]{43}=$", var.cloudtrail_package.source_code_hash))
    error_message = "cloudtrail_package needs the path of a .zip and its base64 SHA-256 (filebase64sha256)."
  }
}

variable "guardduty_package" {
  description = "The GuardDuty ingest's deployment package (guardduty_ingest.zip, built by `secml build`): its path and its base64 SHA-256 (filebase64sha256), which redeploys the function when the code changes."
  type        = object({ path = string, source_code_hash = string })

  validation {
    condition     = endswith(var.guardduty_package.path, ".zip") && can(regex("^[A-Za-z0-9+/]{43}=$", var.guardduty_package.source_code_hash))
    error_message = "guardduty_package needs the path of a .zip and its base64 SHA-256 (filebase64sha256)."
  }
}

variable "tuples_bucket_name" {
  description = "Bucket the functions write their tuples (and the finding index) to."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the tuples bucket; also encrypts the log groups and the functions' environment."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "cloudtrail_input" {
  description = "Bucket and key prefix of the CloudTrail logs the CloudTrail ingest reads."
  type        = object({ bucket = string, prefix = string })
}

variable "guardduty_input" {
  description = "Bucket and key prefix of the GuardDuty findings the GuardDuty ingest reads."
  type        = object({ bucket = string, prefix = string })
}

variable "input_kms_key_arns" {
  description = "KMS keys that encrypt the input objects (an organisation trail's key, a findings export key): the functions may decrypt with them, only through S3 in the key's region. Each key's policy must also let this account use it."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.input_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "input_kms_key_arns must be KMS key ARNs (arn:aws:kms:REGION:ACCOUNT:key/ID), not aliases."
  }
}

variable "timeout_s" {
  description = "Timeout of each function, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.timeout_s >= 1 && var.timeout_s <= 900
    error_message = "timeout_s must be between 1 and 900."
  }
}

variable "memory_mb" {
  description = "Memory of each function, in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 128 and 10240."
  }
}

variable "reserved_concurrency" {
  description = "Reserved concurrency of each function; -1 (the default) leaves them unreserved, since AWS refuses a reservation that leaves the account below its minimum unreserved concurrency."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrency == -1 || var.reserved_concurrency >= 1
    error_message = "reserved_concurrency must be -1 (unreserved) or at least 1."
  }
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups, in days."
  type        = number
  default     = 365
}
