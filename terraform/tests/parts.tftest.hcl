# The parts module: the GuardDuty parts function beside the CloudTrail one, its least-privilege
# role, and one S3 notification configuration per bucket whichever functions share it.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name_prefix        = "secml"
  tuples_bucket_name = "secml-tuples-mock"
  kms_key_arn        = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
  cloudtrail_input   = { bucket = "secml-tuples-mock", prefix = "cloudtrail/" }
  package            = { path = "build/lambda/cloudtrail_parts.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  guardduty_parts = {
    package                  = { path = "build/lambda/guardduty_parts.zip", source_code_hash = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=" }
    input                    = { bucket = "secml-tuples-mock", prefix = "guardduty-export/" }
    shares_cloudtrail_bucket = true
  }
}

run "guardduty_parts_function" {
  command = apply

  module {
    source = "./modules/parts"
  }

  assert {
    condition     = output.guardduty_function_name == "secml-guardduty-parts" && aws_lambda_function.parts["guardduty"].handler == "guardduty_parts.handler"
    error_message = "the GuardDuty parts function runs the guardduty_parts handler"
  }

  assert {
    condition = aws_lambda_function.parts["guardduty"].environment[0].variables == tomap({
      INPUT_BUCKET = "secml-tuples-mock", OUTPUT_BUCKET = "secml-tuples-mock", PARTS_PREFIX = "infer/parts/", INDEX_PARTS_PREFIX = "infer/parts-index/"
    })
    error_message = "scoring parts under infer/parts/, their finding index under infer/parts-index/"
  }

  assert {
    condition = (
      one([for s in data.aws_iam_policy_document.parts["guardduty"].statement : s.resources if s.sid == "ReadInputPrefix"]) == toset(["arn:aws:s3:::secml-tuples-mock/guardduty-export/*"])
      && one([for s in data.aws_iam_policy_document.parts["guardduty"].statement : s.resources if s.sid == "WriteParts"]) == toset(["arn:aws:s3:::secml-tuples-mock/infer/parts/*", "arn:aws:s3:::secml-tuples-mock/infer/parts-index/*"])
    )
    error_message = "the GuardDuty parts function reads only the export prefix and writes only its two parts prefixes"
  }

  assert {
    condition     = aws_lambda_function.parts["cloudtrail"].environment[0].variables.IPV6_PARTS_PREFIX == "train/parts-ipv6/" && aws_iam_role.parts["cloudtrail"].name != aws_iam_role.parts["guardduty"].name
    error_message = "the CloudTrail function keeps its IPv6 parts; one role per function"
  }

  assert {
    condition     = length(aws_s3_bucket_notification.new_objects) == 0 && one(one(aws_s3_bucket_notification.new_findings).lambda_function).filter_suffix == ".jsonl.gz"
    error_message = "without CloudTrail notifications, the export prefix gets its own notification for .jsonl.gz objects"
  }
}

run "one_notification_on_a_shared_bucket" {
  command = apply

  module {
    source = "./modules/parts"
  }

  variables {
    notify_new_objects = true
  }

  assert {
    condition = length(aws_s3_bucket_notification.new_findings) == 0 && toset([
      for f in one(aws_s3_bucket_notification.new_objects).lambda_function : "${f.filter_prefix}*${f.filter_suffix}"
    ]) == toset(["cloudtrail/*.json.gz", "guardduty-export/*.jsonl.gz"])
    error_message = "S3 keeps one notification configuration per bucket: one resource carries both functions"
  }
}

run "a_wrong_shares_flag_is_refused" {
  command = plan

  module {
    source = "./modules/parts"
  }

  variables {
    notify_new_objects = true
    cloudtrail_input   = { bucket = "org-cloudtrail", prefix = "cloudtrail/" }
  }

  expect_failures = [aws_s3_bucket_notification.new_objects]
}

run "no_guardduty_parts_by_default" {
  command = plan

  module {
    source = "./modules/parts"
  }

  variables {
    guardduty_parts = null
  }

  assert {
    condition     = output.guardduty_function_name == null && length(aws_s3_bucket_notification.new_findings) == 0 && keys(aws_lambda_function.parts) == ["cloudtrail"]
    error_message = "no GuardDuty parts function without guardduty_parts"
  }
}
