# The ingest module: least-privilege roles, the Lambda environment contract, function settings.
# The packages are inputs (path and hash), so these runs need no built zips.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name_prefix        = "secml"
  tuples_bucket_name = "secml-tuples-mock"
  kms_key_arn        = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
  cloudtrail_input   = { bucket = "team-cloudtrail", prefix = "cloudtrail/" }
  guardduty_input    = { bucket = "team-findings", prefix = "guardduty/" }
  cloudtrail_package = { path = "build/lambda/cloudtrail_ingest.zip", source_code_hash = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=" }
  guardduty_package  = { path = "build/lambda/guardduty_ingest.zip", source_code_hash = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=" }
}

run "least_privilege_roles" {
  command = apply

  module {
    source = "./modules/ingest"
  }

  assert {
    condition = alltrue(flatten([for name, document in data.aws_iam_policy_document.ingest : [
      for s in document.statement : !contains(tolist(s.resources), "*") if s.sid != "SendTraces"
    ]]))
    error_message = "only X-Ray (no resource-level permissions) may use Resource \"*\""
  }

  assert {
    condition = alltrue(flatten([for name, document in data.aws_iam_policy_document.ingest : [
      for s in document.statement : !anytrue([for a in s.actions : strcontains(a, "*")])
    ]]))
    error_message = "no wildcard actions"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.ingest["cloudtrail"].statement : s.resources if s.sid == "ReadInputPrefix"]) == toset(["arn:aws:s3:::team-cloudtrail/cloudtrail/*"])
    error_message = "the CloudTrail ingest reads only its input prefix"
  }

  assert {
    condition = one([for s in data.aws_iam_policy_document.ingest["guardduty"].statement : s.resources if s.sid == "WriteOwnOutputKeys"]) == toset([
      "arn:aws:s3:::secml-tuples-mock/infer/guardduty_tuples.csv",
      "arn:aws:s3:::secml-tuples-mock/infer/guardduty_findings.csv",
    ])
    error_message = "the GuardDuty ingest writes only its tuples and finding index"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.ingest["cloudtrail"].statement : s.resources if s.sid == "UseTuplesKey"]) == toset([var.kms_key_arn])
    error_message = "the functions use only the tuples key"
  }

  assert {
    condition     = aws_iam_role.ingest["cloudtrail"].name != aws_iam_role.ingest["guardduty"].name
    error_message = "one role per function"
  }

  assert {
    condition = alltrue([for name, document in data.aws_iam_policy_document.ingest :
      !anytrue([for s in document.statement : s.sid == "DecryptInputObjects"])
    ])
    error_message = "no input key grant unless input_kms_key_arns names keys"
  }
}

run "input_keys_decrypt_only_through_s3" {
  command = apply

  module {
    source = "./modules/ingest"
  }

  variables {
    input_kms_key_arns = [
      "arn:aws:kms:us-east-1:210987654321:key/org-trail-key",
      "arn:aws:kms:us-west-2:123456789012:key/findings-export-key",
    ]
  }

  assert {
    condition = alltrue([for name, document in data.aws_iam_policy_document.ingest : anytrue([for s in document.statement :
      s.sid == "DecryptInputObjects" && s.actions == toset(["kms:Decrypt"]) && s.resources == toset(var.input_kms_key_arns)
    ])])
    error_message = "both roles may decrypt with the input keys, and only decrypt"
  }

  assert {
    condition = anytrue([for s in data.aws_iam_policy_document.ingest["cloudtrail"].statement : anytrue([for c in s.condition :
      c.test == "StringEquals" && c.variable == "kms:ViaService" && tolist(c.values) == tolist(["s3.us-east-1.amazonaws.com", "s3.us-west-2.amazonaws.com"])
    ]) if s.sid == "DecryptInputObjects"])
    error_message = "input keys are usable only through S3, in each key's region"
  }

  assert {
    condition     = aws_lambda_function.ingest["cloudtrail"].filename == "build/lambda/cloudtrail_ingest.zip" && aws_lambda_function.ingest["cloudtrail"].source_code_hash == var.cloudtrail_package.source_code_hash
    error_message = "each function deploys the package and hash it is given"
  }
}

run "rejects_input_key_alias" {
  command = plan

  module {
    source = "./modules/ingest"
  }

  variables {
    input_kms_key_arns = ["arn:aws:kms:us-west-2:123456789012:alias/org-trail"]
  }

  expect_failures = [var.input_kms_key_arns]
}

run "lambda_environment_contract" {
  command = apply

  module {
    source = "./modules/ingest"
  }

  assert {
    condition = aws_lambda_function.ingest["cloudtrail"].environment[0].variables == tomap({
      INPUT_BUCKET    = "team-cloudtrail"
      INPUT_PREFIX    = "cloudtrail/"
      OUTPUT_BUCKET   = "secml-tuples-mock"
      OUTPUT_KEY      = "train/cloudtrail_tuples.csv"
      IPV6_OUTPUT_KEY = "train/cloudtrail_tuples_ipv6.csv"
    })
    error_message = "CloudTrail ingest environment differs from the contract"
  }

  assert {
    condition = aws_lambda_function.ingest["guardduty"].environment[0].variables == tomap({
      INPUT_BUCKET  = "team-findings"
      INPUT_PREFIX  = "guardduty/"
      OUTPUT_BUCKET = "secml-tuples-mock"
      OUTPUT_KEY    = "infer/guardduty_tuples.csv"
      INDEX_KEY     = "infer/guardduty_findings.csv"
    })
    error_message = "GuardDuty ingest environment differs from the contract"
  }

  assert {
    condition = alltrue([for f in aws_lambda_function.ingest :
      f.runtime == "python3.12" && f.tracing_config[0].mode == "Active" && f.reserved_concurrent_executions == -1 && f.kms_key_arn == var.kms_key_arn
    ])
    error_message = "python3.12, active tracing, unreserved concurrency by default and an encrypted environment"
  }

  assert {
    condition     = aws_lambda_function.ingest["guardduty"].handler == "guardduty_ingest.handler" && aws_lambda_function.ingest["cloudtrail"].handler == "cloudtrail_ingest.handler"
    error_message = "handlers are lambda_src/<kind>_ingest.py:handler"
  }

  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.ingest : g.retention_in_days == 365 && g.kms_key_id == var.kms_key_arn])
    error_message = "log groups keep a year and are encrypted with the tuples key"
  }
}

run "rejects_timeout_over_lambda_limit" {
  command = plan

  module {
    source = "./modules/ingest"
  }

  variables {
    timeout_s = 901
  }

  expect_failures = [var.timeout_s]
}
