# The tuples bucket: encrypted with a customer-managed key, versioned, private, TLS only.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition
  region      = data.aws_region.current.name
  kms_key_arn = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.tuples[0].arn

  # GuardDuty signs as a regional service principal in opt-in regions (AWS's list of regions that
  # are disabled by default), as the global one elsewhere.
  opt_in_regions = [
    "af-south-1", "ap-east-1", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
    "me-central-1", "me-south-1", "mx-central-1",
  ]
  guardduty_principal = contains(local.opt_in_regions, local.region) ? "guardduty.${local.region}.amazonaws.com" : "guardduty.amazonaws.com"

  key_admin_statement = [{
    Sid       = "AccountAdministersKeyThroughIam"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }]
  key_logs_statement = var.log_group_name_prefix == null ? [] : [{
    Sid       = "CloudWatchLogsEncryptsItsLogGroups"
    Effect    = "Allow"
    Principal = { Service = "logs.${local.region}.amazonaws.com" }
    Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    Resource  = "*"
    Condition = {
      ArnLike = {
        "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${var.log_group_name_prefix}*"
      }
    }
  }]
  key_guardduty_statement = var.guardduty_export_prefix == null ? [] : [{
    Sid       = "GuardDutyEncryptsExportedFindings"
    Effect    = "Allow"
    Principal = { Service = local.guardduty_principal }
    Action    = "kms:GenerateDataKey"
    Resource  = "*"
    Condition = {
      StringEquals = { "aws:SourceAccount" = local.account_id }
      ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:guardduty:${local.region}:${local.account_id}:detector/*" }
    }
  }]
}

resource "aws_kms_key" "tuples" {
  count = var.kms_key_arn == null ? 1 : 0

  description             = "${var.name_prefix}: tuples bucket, ingest logs and environment, notebook volume"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.key_admin_statement, local.key_logs_statement, local.key_guardduty_statement)
  })
}

resource "aws_kms_alias" "tuples" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${var.name_prefix}-tuples"
  target_key_id = aws_kms_key.tuples[0].key_id
}

resource "aws_s3_bucket" "tuples" {
  #checkov:skip=CKV_AWS_144:Cross-region replication doubles cost for derived, re-creatable tuples.
  #checkov:skip=CKV2_AWS_62:Event notifications belong to the parts module (exported findings, CloudTrail objects when this bucket is their input), not to every use of the bucket.

  bucket_prefix = "${var.name_prefix}-tuples-"
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_ownership_controls" "tuples" {
  bucket = aws_s3_bucket.tuples.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "tuples" {
  bucket = aws_s3_bucket.tuples.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "tuples" {
  bucket = aws_s3_bucket.tuples.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "tuples" {
  bucket = aws_s3_bucket.tuples.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = local.kms_key_arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "tuples" {
  bucket = aws_s3_bucket.tuples.id

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.tuples]
}

resource "aws_s3_bucket_logging" "tuples" {
  count = var.access_log_bucket == null ? 0 : 1

  bucket        = aws_s3_bucket.tuples.id
  target_bucket = var.access_log_bucket
  target_prefix = "s3-access/${aws_s3_bucket.tuples.id}/"
}

data "aws_iam_policy_document" "tuples" {
  statement {
    sid       = "DenyRequestsWithoutTls"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.tuples.arn, "${aws_s3_bucket.tuples.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  dynamic "statement" {
    for_each = var.guardduty_export_prefix == null ? [] : [var.guardduty_export_prefix]

    content {
      sid       = "GuardDutyExportsFindings"
      actions   = ["s3:PutObject"]
      resources = ["${aws_s3_bucket.tuples.arn}/${statement.value}*"]

      principals {
        type        = "Service"
        identifiers = [local.guardduty_principal]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }

  dynamic "statement" {
    for_each = var.guardduty_export_prefix == null ? [] : [var.guardduty_export_prefix]

    content {
      sid       = "GuardDutyChecksBucketLocation"
      actions   = ["s3:GetBucketLocation"]
      resources = [aws_s3_bucket.tuples.arn]

      principals {
        type        = "Service"
        identifiers = [local.guardduty_principal]
      }

      condition {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [local.account_id]
      }
    }
  }
}

resource "aws_s3_bucket_policy" "tuples" {
  bucket = aws_s3_bucket.tuples.id
  policy = data.aws_iam_policy_document.tuples.json

  depends_on = [aws_s3_bucket_public_access_block.tuples]
}
