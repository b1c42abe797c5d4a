variable "detector_id" {
  description = "ID of the detector whose findings are exported."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the bucket receiving the findings (its policy must let GuardDuty write)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN."
  }
}

variable "prefix" {
  description = "Key prefix of the exported findings in the bucket, ending in /."
  type        = string

  validation {
    condition     = endswith(var.prefix, "/")
    error_message = "prefix must end in /."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the exported findings (its policy must let GuardDuty generate data keys)."
  type        = string
}

variable "grants" {
  description = "IDs of the bucket policy and key policy that let GuardDuty write; the destination is created after them."
  type        = list(string)
}
