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
