# The SageMaker notebook instance of the workshop, with the workshop notebook, the secml driver
# and its configuration installed on every start by a lifecycle configuration. The notebook and
# the wheel are uploaded from the paths given, with the hashes given.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  bucket_arn = "arn:${local.partition}:s3:::${var.tuples_bucket_name}"
  role_name  = "${var.name_prefix}-notebook"
  role_arn   = "arn:${local.partition}:iam::${local.account_id}:role/${local.role_name}"

  notebook_name = basename(var.workshop_notebook.path)
  wheel_name    = basename(var.driver_wheel.path)
  notebook_key  = "notebook/${local.notebook_name}"
  wheel_key     = "notebook/${local.wheel_name}"

  sagemaker_arn = "arn:${local.partition}:sagemaker:${local.region}:${local.account_id}"
}

data "aws_iam_policy_document" "assume_sagemaker" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    # Only SageMaker acting for this account may assume the role (confused-deputy protection).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "notebook" {
  name               = local.role_name
  description        = "The workshop notebook instance, and SageMaker training, transform and endpoints it starts"
  assume_role_policy = data.aws_iam_policy_document.assume_sagemaker.json
}

data "aws_iam_policy_document" "notebook" {
  statement {
    sid       = "ListTuplesBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }

  statement {
    sid       = "ReadWriteTuplesBucket"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.bucket_arn}/*"]
  }

  statement {
    sid       = "UseTuplesKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
    resources = [var.kms_key_arn]
  }

  statement {
    sid = "RunIpInsights"
    actions = [
      "sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob",
      "sagemaker:CreateTransformJob", "sagemaker:DescribeTransformJob", "sagemaker:StopTransformJob",
      "sagemaker:CreateModel", "sagemaker:DescribeModel", "sagemaker:DeleteModel",
      "sagemaker:CreateEndpointConfig", "sagemaker:DescribeEndpointConfig", "sagemaker:DeleteEndpointConfig",
      "sagemaker:CreateEndpoint", "sagemaker:DescribeEndpoint", "sagemaker:DeleteEndpoint",
      "sagemaker:UpdateEndpoint", "sagemaker:InvokeEndpoint", "sagemaker:AddTags", "sagemaker:ListTags",
    ]
    resources = [
      "${local.sagemaker_arn}:training-job/*",
      "${local.sagemaker_arn}:transform-job/*",
      "${local.sagemaker_arn}:model/*",
      "${local.sagemaker_arn}:endpoint-config/*",
      "${local.sagemaker_arn}:endpoint/*",
    ]
  }

  statement {
    sid = "ListSageMakerResources"
    actions = [
      "sagemaker:ListTrainingJobs", "sagemaker:ListTransformJobs", "sagemaker:ListModels",
      "sagemaker:ListEndpointConfigs", "sagemaker:ListEndpoints",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "PassOwnRoleToSageMaker"
    actions   = ["iam:PassRole"]
    resources = [local.role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }

  statement {
    sid       = "WriteSageMakerLogs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams", "logs:GetLogEvents"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/sagemaker/*"]
  }

  statement {
    sid       = "PublishSageMakerMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }
}

resource "aws_iam_role_policy" "notebook" {
  name   = local.role_name
  role   = aws_iam_role.notebook.id
  policy = data.aws_iam_policy_document.notebook.json
}

resource "aws_s3_object" "notebook" {
  bucket                 = var.tuples_bucket_name
  key                    = local.notebook_key
  source                 = var.workshop_notebook.path
  source_hash            = var.workshop_notebook.source_hash
  content_type           = "application/x-ipynb+json"
  server_side_encryption = "aws:kms"
  kms_key_id             = var.kms_key_arn
}

resource "aws_s3_object" "driver_wheel" {
  bucket                 = var.tuples_bucket_name
  key                    = local.wheel_key
  source                 = var.driver_wheel.path
  source_hash            = var.driver_wheel.source_hash
  content_type           = "application/zip"
  server_side_encryption = "aws:kms"
  kms_key_id             = var.kms_key_arn
}

resource "aws_sagemaker_notebook_instance_lifecycle_configuration" "workshop" {
  name = "${var.name_prefix}-workshop"
  on_start = base64encode(templatefile("${path.module}/templates/on_start.sh.tftpl", {
    region        = local.region
    bucket        = var.tuples_bucket_name
    notebook_key  = aws_s3_object.notebook.key
    notebook_name = local.notebook_name
    wheel_key     = aws_s3_object.driver_wheel.key
    wheel_name    = local.wheel_name
    wheel_hash    = var.driver_wheel.source_hash
    config_json = jsonencode({
      bucket      = var.tuples_bucket_name
      region      = local.region
      role_arn    = aws_iam_role.notebook.arn
      kms_key_arn = var.kms_key_arn
    })
  }))
}

resource "aws_sagemaker_notebook_instance" "workshop" {
  #checkov:skip=CKV_AWS_122:Direct internet access is a validated variable; the workshop default (Enabled) needs no VPC, and Disabled requires notebook_subnet_id.

  name                   = "${var.name_prefix}-workshop"
  role_arn               = aws_iam_role.notebook.arn
  instance_type          = var.instance_type
  platform_identifier    = var.platform_identifier
  volume_size            = var.volume_size_gb
  kms_key_id             = var.kms_key_arn
  root_access            = "Disabled"
  direct_internet_access = var.direct_internet_access
  subnet_id              = var.subnet_id
  security_groups        = var.subnet_id == null ? null : var.security_group_ids
  lifecycle_config_name  = aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.name

  instance_metadata_service_configuration {
    minimum_instance_metadata_service_version = "2"
  }

  lifecycle {
    precondition {
      condition     = var.direct_internet_access == "Enabled" || var.subnet_id != null
      error_message = "direct_internet_access = \"Disabled\" needs subnet_id: without direct access the notebook reaches AWS only through a VPC subnet."
    }
  }

  depends_on = [aws_iam_role_policy.notebook]
}
