variable "create_detector" {
  description = "Create the region's detector; false reuses the existing one (GuardDuty allows one detector per account and region, often managed by AWS Organizations)."
  type        = bool
  default     = true
}

variable "finding_publishing_frequency" {
  description = "How often a created detector publishes updated findings."
  type        = string
  default     = "FIFTEEN_MINUTES"

  validation {
    condition     = contains(["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"], var.finding_publishing_frequency)
    error_message = "finding_publishing_frequency must be FIFTEEN_MINUTES, ONE_HOUR or SIX_HOURS."
  }
}

variable "export_destination" {
  description = "Export findings to this S3 bucket ARN and key prefix, encrypted with this KMS key (whose policy must let GuardDuty use it); null exports nothing."
  type = object({
    bucket_arn  = string
    prefix      = string
    kms_key_arn = string
  })
  default = null

  validation {
    condition     = var.export_destination == null || can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9.-]+$", var.export_destination.bucket_arn))
    error_message = "export_destination.bucket_arn must be an S3 bucket ARN."
  }
}
