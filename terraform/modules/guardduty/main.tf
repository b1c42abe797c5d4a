# The region's GuardDuty detector: created here, or the existing one reused, and optionally
# exporting its findings to S3 for the GuardDuty ingest.

resource "aws_guardduty_detector" "this" {
  #checkov:skip=CKV2_AWS_3:Organization-wide enablement belongs to the delegated administrator account, not to this workload stack.

  count = var.create_detector ? 1 : 0

  enable                       = true
  finding_publishing_frequency = var.finding_publishing_frequency
}

data "aws_guardduty_detector" "existing" {
  count = var.create_detector ? 0 : 1
}

locals {
  detector_id = var.create_detector ? aws_guardduty_detector.this[0].id : data.aws_guardduty_detector.existing[0].id
}

resource "aws_guardduty_publishing_destination" "s3" {
  count = var.export_destination == null ? 0 : 1

  detector_id      = local.detector_id
  destination_type = "S3"
  destination_arn  = "${var.export_destination.bucket_arn}/${trimsuffix(var.export_destination.prefix, "/")}"
  kms_key_arn      = var.export_destination.kms_key_arn
}
