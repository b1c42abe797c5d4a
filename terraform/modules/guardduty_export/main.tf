# Export a GuardDuty detector's findings to an S3 prefix, encrypted with a KMS key.

resource "aws_guardduty_publishing_destination" "this" {
  detector_id      = var.detector_id
  destination_type = "S3"
  destination_arn  = "${var.bucket_arn}/${trimsuffix(var.prefix, "/")}"
  kms_key_arn      = var.kms_key_arn

  lifecycle {
    # GuardDuty checks at creation that it may write to the bucket and use the key (the provider
    # docs say creation fails otherwise); the ARNs alone do not reference the policies that grant
    # it, and referencing var.grants here makes the destination wait for them.
    precondition {
      condition     = length(var.grants) > 0
      error_message = "grants must name the bucket policy (and key) that let GuardDuty write, so the destination is created after them."
    }
  }
}
