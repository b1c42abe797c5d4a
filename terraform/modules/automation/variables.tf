variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name."
}

variable "scorer_package" {
  type = object({
    path             = string
    source_code_hash = string
  })
  description = "The scorer's deployment package (finding_scorer.zip, built by `secml build`) and its base64 SHA-256."
}

variable "tuples_bucket_name" {
  type        = string
  description = "The tuples bucket: the scorer reads models/ and writes scores/live/ there."
}

variable "kms_key_arn" {
  type        = string
  description = "The stack's KMS key: encrypts the topic, the dead-letter queue, the log group and the function's environment."
}

variable "severity_floor" {
  type        = number
  default     = 0
  description = "Score only findings of at least this GuardDuty severity (0 scores every finding)."

  validation {
    condition     = var.severity_floor >= 0 && var.severity_floor <= 10
    error_message = "severity_floor must be between 0 and 10 (GuardDuty's severity scale)."
  }
}

variable "finding_type_prefixes" {
  type        = list(string)
  default     = []
  description = "Score only findings whose type starts with one of these (e.g. \"UnauthorizedAccess:IAMUser/\"); empty scores every type."
}

variable "security_hub_enabled" {
  type        = bool
  default     = false
  description = "Put each verdict on the finding's Security Hub twin (BatchUpdateFindings); needs Security Hub with the GuardDuty integration in the account."
}

variable "artefact_read" {
  type        = string
  default     = "ranged"
  description = "How the scorer reads the model's artefact: \"ranged\" (small sections at load, each prefix row by a ranged GET: fast cold starts) or \"whole\" (one download per container: faster when warm and busy)."

  validation {
    condition     = contains(["ranged", "whole"], var.artefact_read)
    error_message = "artefact_read must be \"ranged\" or \"whole\"."
  }
}

variable "memory_mb" {
  type        = number
  default     = 256
  description = "The scorer's memory (MB); \"whole\" artefact reads need about twice the artefact's size."

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 128 and 10240."
  }
}

variable "timeout_s" {
  type        = number
  default     = 30
  description = "The scorer's timeout in seconds."

  validation {
    condition     = var.timeout_s >= 1 && var.timeout_s <= 900
    error_message = "timeout_s must be between 1 and 900."
  }
}

variable "maximum_retry_attempts" {
  type        = number
  default     = 1
  description = "Retries of a failed scoring before its event goes to the dead-letter queue (Lambda allows 0-2)."

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 2
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "log_retention_days" {
  type        = number
  default     = 365
  description = "Days the scorer's log is kept."
}
