# The tuples bucket module: encryption, privacy, TLS-only policy, key choice, validation.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "encrypted_versioned_private_bucket" {
  command = apply

  module {
    source = "./modules/tuples_bucket"
  }

  variables {
    name_prefix           = "secml"
    log_group_name_prefix = "/aws/lambda/secml-"
  }

  assert {
    condition     = aws_kms_key.tuples[0].enable_key_rotation
    error_message = "the created key must rotate"
  }

  assert {
    condition = alltrue([for rule in aws_s3_bucket_server_side_encryption_configuration.tuples.rule :
      alltrue([for d in rule.apply_server_side_encryption_by_default : d.sse_algorithm == "aws:kms" && d.kms_master_key_id == aws_kms_key.tuples[0].arn])
    ])
    error_message = "the bucket must default to SSE-KMS with the created key"
  }

  assert {
    condition     = one(aws_s3_bucket_versioning.tuples.versioning_configuration).status == "Enabled"
    error_message = "versioning must be enabled"
  }

  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.tuples.block_public_acls,
      aws_s3_bucket_public_access_block.tuples.block_public_policy,
      aws_s3_bucket_public_access_block.tuples.ignore_public_acls,
      aws_s3_bucket_public_access_block.tuples.restrict_public_buckets,
    ])
    error_message = "every public access block setting must be on"
  }

  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.tuples.statement :
      s.effect == "Deny" && contains(s.actions, "s3:*") && anytrue([for c in s.condition : c.variable == "aws:SecureTransport" && contains(c.values, "false")])
    ])
    error_message = "the bucket policy must deny requests without TLS"
  }

  assert {
    condition     = length(data.aws_iam_policy_document.tuples.statement) == 1
    error_message = "without a GuardDuty export the policy grants nothing"
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.tuples.rule).noncurrent_version_expiration[0].noncurrent_days == 30
    error_message = "noncurrent versions must expire"
  }

  assert {
    condition     = length(aws_s3_bucket_logging.tuples) == 0 && !aws_s3_bucket.tuples.force_destroy
    error_message = "access logging is off and force_destroy false unless asked for"
  }
}

run "brought_key_and_guardduty_export" {
  command = apply

  module {
    source = "./modules/tuples_bucket"
  }

  variables {
    name_prefix             = "secml"
    kms_key_arn             = "arn:aws:kms:us-west-2:123456789012:key/bring-your-own"
    access_log_bucket       = "team-access-logs"
    guardduty_export_prefix = "guardduty-export/"
    force_destroy           = true
  }

  assert {
    condition     = length(aws_kms_key.tuples) == 0 && output.kms_key_arn == "arn:aws:kms:us-west-2:123456789012:key/bring-your-own"
    error_message = "a brought key replaces the created one"
  }

  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.tuples.statement :
      s.sid == "GuardDutyExportsFindings" && s.resources == toset(["arn:aws:s3:::secml-tuples-mock/guardduty-export/*"])
    ])
    error_message = "GuardDuty may write only below its export prefix"
  }

  assert {
    condition     = aws_s3_bucket_logging.tuples[0].target_bucket == "team-access-logs"
    error_message = "access logs go to the given bucket"
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.tuples.statement :
      one(s.principals).identifiers == toset(["guardduty.amazonaws.com"]) if startswith(s.sid, "GuardDuty")
    ])
    error_message = "GuardDuty signs as its global service principal outside opt-in regions"
  }
}

run "guardduty_export_in_an_opt_in_region" {
  command = apply

  module {
    source = "./modules/tuples_bucket"
  }

  override_data {
    target = data.aws_region.current
    values = { name = "af-south-1" }
  }

  variables {
    name_prefix             = "secml"
    guardduty_export_prefix = "guardduty-export/"
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.tuples.statement :
      one(s.principals).identifiers == toset(["guardduty.af-south-1.amazonaws.com"]) if startswith(s.sid, "GuardDuty")
    ])
    error_message = "in an opt-in region the bucket policy names GuardDuty's regional principal"
  }

  assert {
    condition     = strcontains(aws_kms_key.tuples[0].policy, "\"guardduty.af-south-1.amazonaws.com\"")
    error_message = "in an opt-in region the key policy names GuardDuty's regional principal"
  }
}

run "rejects_bad_name_prefix" {
  command = plan

  module {
    source = "./modules/tuples_bucket"
  }

  variables {
    name_prefix = "Not_A_Bucket_Prefix"
  }

  expect_failures = [var.name_prefix]
}
