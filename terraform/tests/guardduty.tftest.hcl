# The GuardDuty modules: create the detector, or reuse the region's existing one; export its
# findings after the grants that allow it.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "creates_detector" {
  command = apply

  module {
    source = "./modules/guardduty"
  }

  variables {
    finding_publishing_frequency = "ONE_HOUR"
  }

  assert {
    condition     = length(aws_guardduty_detector.this) == 1 && length(data.aws_guardduty_detector.existing) == 0
    error_message = "create_detector = true creates a detector and looks none up"
  }

  assert {
    condition     = aws_guardduty_detector.this[0].enable && aws_guardduty_detector.this[0].finding_publishing_frequency == "ONE_HOUR"
    error_message = "the detector is enabled with the chosen frequency"
  }
}

run "reuses_existing_detector" {
  command = apply

  module {
    source = "./modules/guardduty"
  }

  variables {
    create_detector = false
  }

  assert {
    condition     = length(aws_guardduty_detector.this) == 0 && output.detector_id == "existing0detector0id" && !output.detector_created
    error_message = "create_detector = false reuses the existing detector"
  }
}

run "rejects_unknown_frequency" {
  command = plan

  module {
    source = "./modules/guardduty"
  }

  variables {
    finding_publishing_frequency = "DAILY"
  }

  expect_failures = [var.finding_publishing_frequency]
}

run "exports_findings_below_the_prefix" {
  command = apply

  module {
    source = "./modules/guardduty_export"
  }

  variables {
    detector_id = "existing0detector0id"
    bucket_arn  = "arn:aws:s3:::secml-tuples-mock"
    prefix      = "guardduty-export/"
    kms_key_arn = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
    grants      = ["secml-tuples-mock", "11111111-2222-3333-4444-555555555555"]
  }

  assert {
    condition     = aws_guardduty_publishing_destination.this.destination_arn == "arn:aws:s3:::secml-tuples-mock/guardduty-export" && aws_guardduty_publishing_destination.this.detector_id == "existing0detector0id"
    error_message = "findings of the detector export below the prefix"
  }
}

run "rejects_prefix_without_slash" {
  command = plan

  module {
    source = "./modules/guardduty_export"
  }

  variables {
    detector_id = "existing0detector0id"
    bucket_arn  = "arn:aws:s3:::secml-tuples-mock"
    prefix      = "guardduty-export"
    kms_key_arn = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
    grants      = []
  }

  expect_failures = [var.prefix]
}
