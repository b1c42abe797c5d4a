variable "region" {
  description = "AWS region of the whole stack (the workshop's data lives in us-west-2)."
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

variable "tags" {
  description = "Tags added to every resource (through the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "tuples_bucket_force_destroy" {
  description = "Let terraform destroy delete the tuples bucket with its objects (convenient for the workshop; set false to keep data)."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Bring your own KMS key for the bucket, logs, Lambda environment and notebook volume; null creates one with rotation."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID) or null."
  }
}

variable "access_log_bucket" {
  description = "Bucket that receives the tuples bucket's S3 server access logs; null turns access logging off."
  type        = string
  default     = null
}

variable "cloudtrail_input_bucket" {
  description = "Bucket holding the CloudTrail logs that become training tuples; null (the default) means the stack's own tuples bucket, where `secml stack up` uploads a generated corpus. The workshop's 2019 public bucket (aws-workshop-security-ml-threat-detection) may be set, if it still exists; `secml doctor` checks any bucket given."
  type        = string
  default     = null

  validation {
    condition     = var.cloudtrail_input_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.cloudtrail_input_bucket))
    error_message = "cloudtrail_input_bucket must be an S3 bucket name."
  }
}

variable "cloudtrail_input_prefix" {
  description = "Key prefix of the CloudTrail logs in cloudtrail_input_bucket, ending in '/'."
  type        = string
  default     = "cloudtrail/"

  validation {
    condition     = can(regex("^([^/].*/)?$", var.cloudtrail_input_prefix))
    error_message = "cloudtrail_input_prefix must be empty or end in '/' without a leading '/'."
  }
}

variable "guardduty_input_bucket" {
  description = "Bucket holding the GuardDuty findings that become scoring tuples; null (the default) means the stack's own tuples bucket: its guardduty-export/ prefix when guardduty_export_findings is on, else the generated corpus `secml stack up` uploads."
  type        = string
  default     = null

  validation {
    condition     = var.guardduty_input_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.guardduty_input_bucket))
    error_message = "guardduty_input_bucket must be an S3 bucket name."
  }
}

variable "guardduty_input_prefix" {
  description = "Key prefix of the GuardDuty findings in guardduty_input_bucket, ending in '/'; null (the default) means guardduty-export/ when the stack's own export is read, else guardduty/."
  type        = string
  default     = null

  validation {
    condition     = var.guardduty_input_prefix == null || can(regex("^([^/].*/)?$", var.guardduty_input_prefix))
    error_message = "guardduty_input_prefix must be empty or end in '/' without a leading '/'."
  }
}

variable "input_kms_key_arns" {
  description = "KMS keys encrypting the CloudTrail or GuardDuty input objects with their own key (e.g. an organisation trail's key): the ingest functions may decrypt with them, only through S3 in the key's region. Each key's policy must also allow this account."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.input_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", arn))])
    error_message = "input_kms_key_arns must be KMS key ARNs (arn:aws:kms:REGION:ACCOUNT:key/ID), not aliases."
  }
}

variable "lambda_package_dir" {
  description = "Folder holding cloudtrail_ingest.zip and guardduty_ingest.zip (built by `secml build`); null means build/lambda in this checkout."
  type        = string
  default     = null
}

variable "lambda_timeout_s" {
  description = "Timeout of each ingest function, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = var.lambda_timeout_s >= 1 && var.lambda_timeout_s <= 900
    error_message = "lambda_timeout_s must be between 1 and 900."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of each ingest function, in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency of each ingest function; -1 (the default) leaves them unreserved. AWS refuses a reservation that leaves the account below its minimum unreserved concurrency (100, or the whole quota in new accounts with a quota of 10); `secml doctor` shows the headroom."
  type        = number
  default     = -1

  validation {
    condition     = var.lambda_reserved_concurrency == -1 || var.lambda_reserved_concurrency >= 1
    error_message = "lambda_reserved_concurrency must be -1 (unreserved) or at least 1."
  }
}

variable "log_retention_days" {
  description = "Retention of the ingest functions' log groups, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ... 365, ... 3653)."
  }
}

variable "create_guardduty_detector" {
  description = "Create this region's GuardDuty detector; false reuses the one that exists (GuardDuty allows one per account and region)."
  type        = bool
  default     = true
}

variable "guardduty_finding_publishing_frequency" {
  description = "How often GuardDuty publishes updated findings (a created detector only)."
  type        = string
  default     = "FIFTEEN_MINUTES"

  validation {
    condition     = contains(["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"], var.guardduty_finding_publishing_frequency)
    error_message = "guardduty_finding_publishing_frequency must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  }
}

variable "guardduty_export_findings" {
  description = "Export the detector's findings to the tuples bucket (prefix guardduty-export/); with guardduty_input_bucket null the GuardDuty ingest then reads them there, and each exported object also becomes its own scoring part (infer/parts/, finding index in infer/parts-index/) through an S3 notification on the tuples bucket. GuardDuty exports a finding about 5 minutes after it is generated."
  type        = bool
  default     = false
}

variable "notebook_instance_type" {
  description = "Instance type of the SageMaker notebook instance."
  type        = string
  default     = "ml.t3.medium"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.notebook_instance_type))
    error_message = "notebook_instance_type must be a SageMaker instance type such as ml.t3.medium."
  }
}

variable "notebook_platform_identifier" {
  description = "Platform of the notebook instance: notebook-al2-v3 (Amazon Linux 2, JupyterLab 4; past AL2's end of support) or an Amazon Linux 2023 platform such as notebook-al2023-v1."
  type        = string
  default     = "notebook-al2-v3"

  validation {
    condition     = can(regex("^notebook-al2(023)?-v[0-9]+$", var.notebook_platform_identifier))
    error_message = "notebook_platform_identifier must be a notebook platform such as notebook-al2-v3 or notebook-al2023-v1."
  }
}

variable "notebook_volume_size_gb" {
  description = "EBS volume size of the notebook instance, in GB."
  type        = number
  default     = 5

  validation {
    condition     = var.notebook_volume_size_gb >= 5 && var.notebook_volume_size_gb <= 16384
    error_message = "notebook_volume_size_gb must be between 5 and 16384."
  }
}

variable "notebook_direct_internet_access" {
  description = "Enabled gives the notebook SageMaker's internet access; Disabled routes it through notebook_subnet_id (which must then be set)."
  type        = string
  default     = "Enabled"

  validation {
    condition     = contains(["Enabled", "Disabled"], var.notebook_direct_internet_access)
    error_message = "notebook_direct_internet_access must be Enabled or Disabled."
  }
}

variable "notebook_subnet_id" {
  description = "VPC subnet of the notebook instance; required when notebook_direct_internet_access is Disabled."
  type        = string
  default     = null
}

variable "notebook_security_group_ids" {
  description = "Security groups of the notebook instance when it runs in notebook_subnet_id."
  type        = list(string)
  default     = []
}

variable "notebook_path" {
  description = "Workshop notebook installed on the notebook instance; null means notebooks/workshop-ipinsights.ipynb in this checkout."
  type        = string
  default     = null
}

variable "driver_wheel_path" {
  description = "The secml driver wheel pip-installed on the notebook instance; null means the one `secml build` left in build/dist."
  type        = string
  default     = null
}

variable "parts_notify_new_objects" {
  description = "Ingest each new CloudTrail object into its own training part as it is delivered (S3 bucket notification on cloudtrail_input_bucket). The bucket must be yours, in this account and region; the notification replaces the bucket's notification configuration."
  type        = bool
  default     = false
}

variable "automation_enabled" {
  type        = bool
  default     = true
  description = "Score every new GuardDuty finding as it arrives (modules/automation): EventBridge rule, scorer Lambda, SNS topic, dead-letter queue."
}

variable "automation_severity_floor" {
  type        = number
  default     = 0
  description = "Score only findings of at least this GuardDuty severity (0 scores every finding)."

  validation {
    condition     = var.automation_severity_floor >= 0 && var.automation_severity_floor <= 10
    error_message = "automation_severity_floor must be between 0 and 10."
  }
}

variable "automation_finding_type_prefixes" {
  type        = list(string)
  default     = []
  description = "Score only findings whose type starts with one of these; empty scores every type."
}

variable "automation_security_hub_enabled" {
  type        = bool
  default     = false
  description = "Put each verdict on the finding's Security Hub twin (needs Security Hub with the GuardDuty integration)."
}

variable "automation_retraining_enabled" {
  type        = bool
  default     = true
  description = "Retrain IP Insights on a schedule (EventBridge Scheduler -> retrainer Lambda -> SageMaker training job)."
}

variable "automation_retraining_schedule" {
  type        = string
  default     = "rate(7 days)"
  description = "When to retrain: an EventBridge Scheduler expression (default weekly)."

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.automation_retraining_schedule))
    error_message = "automation_retraining_schedule must be rate(...) or cron(...)."
  }
}

variable "automation_promotion_auc_tolerance" {
  type        = number
  default     = 0.01
  description = "A retrained model is promoted unless its validation AUC is worse than the current model's by more than this."

  validation {
    condition     = var.automation_promotion_auc_tolerance >= 0 && var.automation_promotion_auc_tolerance <= 1
    error_message = "automation_promotion_auc_tolerance must be between 0 and 1."
  }
}

variable "backfill_max_concurrency" {
  description = "Most backfill batches (Lambda invocations) the Distributed Map runs at once."
  type        = number
  default     = 4

  validation {
    condition     = var.backfill_max_concurrency >= 1 && var.backfill_max_concurrency <= 10000
    error_message = "backfill_max_concurrency must be between 1 and 10000."
  }
}

variable "backfill_objects_per_batch" {
  description = "CloudTrail objects per backfill batch (one Lambda invocation)."
  type        = number
  default     = 20

  validation {
    condition     = var.backfill_objects_per_batch >= 1 && var.backfill_objects_per_batch <= 1000
    error_message = "backfill_objects_per_batch must be between 1 and 1000."
  }
}

variable "backfill_tolerated_failure_percentage" {
  description = "Share of backfill objects (after retries) that may fail before the backfill fails as a whole."
  type        = number
  default     = 0

  validation {
    condition     = var.backfill_tolerated_failure_percentage >= 0 && var.backfill_tolerated_failure_percentage <= 100
    error_message = "backfill_tolerated_failure_percentage must be between 0 and 100."
  }
}
