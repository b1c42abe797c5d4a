variable "name_prefix" {
  description = "Prefix of the function, queue, state machine, role and log group names."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "package" {
  description = "The parts ingest's deployment package (cloudtrail_parts.zip, built by `secml build`): its path and its base64 SHA-256 (filebase64sha256)."
  type        = object({ path = string, source_code_hash = string })

  validation {
    condition     = endswith(var.package.path, ".zip") && can(regex("^[A-Za-z0-9+/]{43}=$", var.package.source_code_hash))
    error_message = "package needs the path of a .zip and its base64 SHA-256 (filebase64sha256)."
  }
}

variable "tuples_bucket_name" {
  description = "Bucket the parts (train/parts/...) and the backfill's map-run results (backfill/) are written to."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key of the tuples bucket; also encrypts the log groups, the dead-letter queue and the function's environment."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "cloudtrail_input" {
  description = "Bucket and key prefix of the CloudTrail logs."
  type        = object({ bucket = string, prefix = string })
}

variable "input_kms_key_arns" {
  description = "KMS keys that encrypt the input objects: the function may decrypt with them, only through S3 in the key's region."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.input_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "input_kms_key_arns must be KMS key ARNs, not aliases."
  }
}

variable "notify_new_objects" {
  description = "Ingest each new log object as it is delivered, through an S3 bucket notification on the input bucket. The input bucket must be in this account and region, and this replaces the bucket's notification configuration (S3 holds one per bucket): leave false for a bucket you do not own, such as the workshop's public one."
  type        = bool
  default     = false
}

variable "guardduty_parts" {
  description = "Per-object GuardDuty parts: a second function of the same code turns each new findings object (`.jsonl.gz`, GuardDuty's S3 export) under input.prefix into infer/parts/<yyyy>/<mm>/<dd>/<part>.csv with its finding index under infer/parts-index/ (same name), invoked by an S3 notification on input.bucket; failures reach the same dead-letter queue. S3 keeps one notification configuration per bucket, so shares_cloudtrail_bucket must say whether input.bucket is cloudtrail_input.bucket (then, with notify_new_objects, one notification carries both). null (the default): no GuardDuty parts function."
  type = object({
    package                  = object({ path = string, source_code_hash = string })
    input                    = object({ bucket = string, prefix = string })
    shares_cloudtrail_bucket = bool
  })
  default = null

  validation {
    condition = var.guardduty_parts == null || try(
      endswith(var.guardduty_parts.package.path, ".zip") && can(regex("^[A-Za-z0-9+/]{43}=$", var.guardduty_parts.package.source_code_hash)) && endswith(var.guardduty_parts.input.prefix, "/"),
      false
    )
    error_message = "guardduty_parts needs the path of a .zip and its base64 SHA-256 (filebase64sha256), and an input prefix ending in /."
  }
}

variable "timeout_s" {
  description = "Timeout of the parts function, in seconds (one object, or one backfill batch)."
  type        = number
  default     = 300

  validation {
    condition     = var.timeout_s >= 1 && var.timeout_s <= 900
    error_message = "timeout_s must be between 1 and 900."
  }
}

variable "memory_mb" {
  description = "Memory of the parts function, in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_mb >= 128 && var.memory_mb <= 10240
    error_message = "memory_mb must be between 128 and 10240."
  }
}

variable "backfill_max_concurrency" {
  description = "Most child executions the backfill's Distributed Map runs at once (each one Lambda invocation over a batch)."
  type        = number
  default     = 4

  validation {
    condition     = var.backfill_max_concurrency >= 1 && var.backfill_max_concurrency <= 10000
    error_message = "backfill_max_concurrency must be between 1 and 10000."
  }
}

variable "backfill_objects_per_batch" {
  description = "Log objects each backfill child ingests (ItemBatcher MaxItemsPerBatch)."
  type        = number
  default     = 20

  validation {
    condition     = var.backfill_objects_per_batch >= 1 && var.backfill_objects_per_batch <= 1000
    error_message = "backfill_objects_per_batch must be between 1 and 1000."
  }
}

variable "backfill_tolerated_failure_percentage" {
  description = "Share of failed batches (after retries) the backfill tolerates before it fails as a whole."
  type        = number
  default     = 5

  validation {
    condition     = var.backfill_tolerated_failure_percentage >= 0 && var.backfill_tolerated_failure_percentage <= 100
    error_message = "backfill_tolerated_failure_percentage must be between 0 and 100."
  }
}

variable "log_retention_days" {
  description = "Retention of the log groups, in days."
  type        = number
  default     = 365
}
