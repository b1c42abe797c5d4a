# The region's GuardDuty detector: created here, or the existing one reused. The root stack
# creates it before anything else (see ../../main.tf), so that an apply in a region that already
# has a detector fails before it creates anything.

# Terraform quotes the block's first line under a failed CreateDetector, so that line says what to do.
resource "aws_guardduty_detector" "this" { # "detector already exists"? set create_guardduty_detector = false (module: create_detector) to reuse it
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
