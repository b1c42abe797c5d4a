# The root stack: modules wired together, the outputs other parts of secml read, input defaults.
# Run with -var lambda_package_dir=<zips> -var driver_wheel_path=<wheel>.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  notebook_path = "./tests/fixtures/workshop-ipinsights.ipynb"
}

run "workshop_defaults" {
  command = apply

  assert {
    condition = output.cloudtrail_input == { bucket = "secml-tuples-mock", prefix = "cloudtrail/" } && output.guardduty_input == {
      bucket = "secml-tuples-mock", prefix = "guardduty/"
    }
    error_message = "inputs default to the stack's own bucket, where secml uploads the generated corpus"
  }

  assert {
    condition     = !output.guardduty_reads_export && output.reserved_concurrency == -1 && output.guardduty_parts_function_name == null
    error_message = "no export to read (nor GuardDuty parts function), and unreserved concurrency, by default"
  }

  assert {
    condition     = output.region == "us-west-2" && output.guardduty_detector_created && output.tuples_kms_key_created
    error_message = "workshop region, created detector and key"
  }

  assert {
    condition     = output.cloudtrail_ingest_function_name == "secml-cloudtrail-ingest" && output.guardduty_ingest_function_name == "secml-guardduty-ingest" && output.notebook_instance_name == "secml-workshop"
    error_message = "resource names follow name_prefix"
  }

  assert {
    condition     = output.tuples_bucket_name == "secml-tuples-mock" && output.tuples_kms_key_arn == "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "the bucket and its key reach the outputs"
  }
}

run "backfill_state_machine" {
  command = plan

  variables {
    backfill_max_concurrency              = 8
    backfill_objects_per_batch            = 50
    backfill_tolerated_failure_percentage = 2
    cloudtrail_input_bucket               = "my-org-cloudtrail"
  }

  assert {
    condition = (
      jsondecode(module.parts.backfill_definition).States.IngestObjects.MaxConcurrency == 8
      && jsondecode(module.parts.backfill_definition).States.IngestObjects.ItemBatcher.MaxItemsPerBatch == 50
      && jsondecode(module.parts.backfill_definition).States.IngestObjects.ToleratedFailurePercentage == 2
      && jsondecode(module.parts.backfill_definition).States.IngestObjects.ItemReader.Parameters.Bucket == "my-org-cloudtrail"
    )
    error_message = "the Distributed Map takes its bounds from the variables and lists the CloudTrail input bucket"
  }

  assert {
    condition     = output.backfill_results_prefix == "backfill/runs/"
    error_message = "map-run results go under backfill/runs/ in the tuples bucket"
  }
}

run "own_inputs_and_export" {
  command = plan

  variables {
    name_prefix               = "team-sec"
    cloudtrail_input_bucket   = "org-cloudtrail-logs"
    cloudtrail_input_prefix   = "logs/"
    guardduty_export_findings = true
  }

  assert {
    condition     = output.cloudtrail_input == { bucket = "org-cloudtrail-logs", prefix = "logs/" }
    error_message = "the CloudTrail input can point at the team's own bucket"
  }

  assert {
    condition     = length(module.guardduty_export) == 1 && length(module.guardduty.detector_id) > 0 && output.cloudtrail_ingest_function_name == "team-sec-cloudtrail-ingest"
    error_message = "the export is wired to the detector and names follow name_prefix"
  }

  assert {
    condition     = output.guardduty_input == { bucket = "secml-tuples-mock", prefix = "guardduty-export/" } && output.guardduty_reads_export
    error_message = "with the export on and no GuardDuty input given, the GuardDuty ingest reads the export"
  }

  assert {
    condition     = output.guardduty_parts_function_name == "team-sec-guardduty-parts"
    error_message = "with the export on, each exported findings object also becomes its own scoring part"
  }
}

run "workshop_public_bucket_as_input" {
  command = plan

  variables {
    cloudtrail_input_bucket = "aws-workshop-security-ml-threat-detection"
    guardduty_input_bucket  = "aws-workshop-security-ml-threat-detection"
  }

  assert {
    condition     = output.guardduty_input == { bucket = "aws-workshop-security-ml-threat-detection", prefix = "guardduty/" } && !output.guardduty_reads_export
    error_message = "a GuardDuty input bucket given keeps the guardduty/ prefix"
  }
}

run "rejects_prefix_without_slash" {
  command = plan

  variables {
    guardduty_input_prefix = "guardduty"
  }

  expect_failures = [var.guardduty_input_prefix]
}

run "rejects_input_key_that_is_not_a_key_arn" {
  command = plan

  variables {
    input_kms_key_arns = ["alias/org-trail"]
  }

  expect_failures = [var.input_kms_key_arns]
}
