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

variable "retrainer_package" {
  type = object({
    path             = string
    source_code_hash = string
  })
  description = "The retrainer's deployment package (model_retrainer.zip, built by `secml build`) and its base64 SHA-256."
}

variable "sagemaker_role_arn" {
  type        = string
  description = "Execution role of the scheduled SageMaker training jobs (the notebook's role, which exercise 2 trains with)."
}

variable "retraining_enabled" {
  type        = bool
  default     = true
  description = "Retrain IP Insights on a schedule (EventBridge Scheduler -> retrainer Lambda -> SageMaker training job)."
}

variable "retraining_schedule" {
  type        = string
  default     = "rate(7 days)"
  description = "When to retrain: an EventBridge Scheduler expression, rate(...) or cron(...)."

  validation {
    condition     = can(regex("^(rate|cron)\\(.+\\)$", var.retraining_schedule))
    error_message = "retraining_schedule must be rate(...) or cron(...)."
  }
}

variable "retraining_window_days" {
  type        = number
  default     = 30
  description = "Days of training tuples (train/parts/<yyyy>/<mm>/<dd>/) each retraining uses."

  validation {
    condition     = var.retraining_window_days >= 1 && var.retraining_window_days <= 365
    error_message = "retraining_window_days must be between 1 and 365."
  }
}

variable "training_instance_type" {
  type        = string
  default     = "ml.m5.xlarge"
  description = "SageMaker instance type of the scheduled training job (the same as exercise 2's)."
}

variable "training_hyperparameters" {
  type = map(string)
  default = {
    num_entity_vectors              = "20000"
    vector_dim                      = "128"
    epochs                          = "2"
    learning_rate                   = "0.001"
    mini_batch_size                 = "10000"
    num_ip_encoder_layers           = "0"
    random_negative_sampling_rate   = "5"
    shuffled_negative_sampling_rate = "1"
    weight_decay                    = "1e-05"
  }
  description = "IP Insights hyperparameters of the scheduled training (the workshop's, as exercise 2 trains with)."
}

variable "promoter_package" {
  type = object({
    path             = string
    source_code_hash = string
  })
  description = "The promoter's deployment package (model_promoter.zip, built by `secml build`) and its base64 SHA-256."
}

variable "promotion_auc_tolerance" {
  type        = number
  default     = 0.01
  description = "A retrained model is promoted unless its validation AUC is worse than the current model's by more than this."

  validation {
    condition     = var.promotion_auc_tolerance >= 0 && var.promotion_auc_tolerance <= 1
    error_message = "promotion_auc_tolerance must be between 0 and 1."
  }
}

variable "promotion_false_positive_rate" {
  type        = number
  default     = 0.01
  description = "The threshold of a promoted model flags this share of its held-out (known-normal) pairs."

  validation {
    condition     = var.promotion_false_positive_rate > 0 && var.promotion_false_positive_rate < 1
    error_message = "promotion_false_positive_rate must be between 0 and 1 (exclusive)."
  }
}

variable "promotion_sample_pairs" {
  type        = number
  default     = 20000
  description = "At most this many distinct held-out pairs are scored through the endpoint to calibrate the threshold."

  validation {
    condition     = var.promotion_sample_pairs >= 100 && var.promotion_sample_pairs <= 100000 && floor(var.promotion_sample_pairs) == var.promotion_sample_pairs
    error_message = "promotion_sample_pairs must be a whole number between 100 and 100000."
  }
}
