# The notebook module: hardened instance, scoped role, install-on-start lifecycle configuration.
# The notebook and the wheel are inputs (path and hash), so these runs need no built wheel.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  name_prefix        = "secml"
  kms_key_arn        = "arn:aws:kms:us-west-2:123456789012:key/11111111-2222-3333-4444-555555555555"
  tuples_bucket_name = "secml-tuples-mock"
  workshop_notebook  = { path = "./tests/fixtures/workshop-ipinsights.ipynb", source_hash = "0123456789abcdef0123456789abcdef" }
  driver_wheel       = { path = "build/dist/secml-0.1.0-py3-none-any.whl", source_hash = "fedcba9876543210fedcba9876543210" }
}

run "hardened_instance" {
  command = apply

  module {
    source = "./modules/notebook"
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.assume_sagemaker.statement :
      anytrue([for c in s.condition : c.variable == "aws:SourceAccount" && toset(c.values) == toset(["123456789012"])])
    ])
    error_message = "only SageMaker acting for this account may assume the notebook role"
  }

  assert {
    condition = alltrue([
      aws_sagemaker_notebook_instance.workshop.instance_type == "ml.t3.medium",
      aws_sagemaker_notebook_instance.workshop.platform_identifier == "notebook-al2-v3",
      aws_sagemaker_notebook_instance.workshop.root_access == "Disabled",
      aws_sagemaker_notebook_instance.workshop.kms_key_id == var.kms_key_arn,
      aws_sagemaker_notebook_instance.workshop.instance_metadata_service_configuration[0].minimum_instance_metadata_service_version == "2",
    ])
    error_message = "ml.t3.medium on notebook-al2-v3, no root, KMS volume, IMDSv2 only"
  }

  assert {
    condition     = aws_sagemaker_notebook_instance.workshop.lifecycle_config_name == aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.name
    error_message = "the instance runs the install-on-start lifecycle configuration"
  }

  assert {
    condition = alltrue([
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "s3://secml-tuples-mock/notebook/workshop-ipinsights.ipynb"),
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "home=/home/ec2-user/SageMaker"),
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "> \"$home/secml-config.json\""),
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), jsonencode({ bucket = "secml-tuples-mock", kms_key_arn = var.kms_key_arn, region = "us-west-2", role_arn = aws_iam_role.notebook.arn })),
    ])
    error_message = "on start: copy the notebook once, write secml-config.json"
  }

  assert {
    condition = alltrue([
      # One persistent environment on the instance's volume, over the conda_python3 interpreter.
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "state=\"$home/.secml\""),
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "base=/home/ec2-user/anaconda3/envs/python3/bin/python"),
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "-m venv --system-site-packages \"$env\""),
      # Installed once: a start with the same wheel hash installs nothing.
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "\"$(cat \"$stamp\" 2>/dev/null)\" = \"fedcba9876543210fedcba9876543210\""),
      # Its own kernel, registered at every start.
      length(regexall("ipykernel install --user --name secml", base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start))) == 2,
      # Ready and failed markers beside the log; dependencies in the background.
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "> \"$3/install.ready\""),
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "> \"$3/install.failed\""),
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "> \"$state/install.failed\""),
      strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "nohup sudo -u ec2-user -H bash -c"),
      # The conda environment itself is never pip-installed into.
      !strcontains(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start), "anaconda3/bin/activate"),
      length(base64decode(aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.on_start)) <= 16384,
    ])
    error_message = "on start: the driver installed once into $home/.secml/env with its own kernel, ready/failed markers, within the 16 KiB a lifecycle script may hold"
  }

  assert {
    condition     = aws_s3_object.notebook.server_side_encryption == "aws:kms" && aws_s3_object.driver_wheel.kms_key_id == var.kms_key_arn
    error_message = "the uploaded notebook and wheel are encrypted with the tuples key"
  }

  assert {
    condition     = aws_s3_object.notebook.source_hash == var.workshop_notebook.source_hash && aws_s3_object.driver_wheel.key == "notebook/secml-0.1.0-py3-none-any.whl"
    error_message = "the notebook and wheel are uploaded with the hashes given, under notebook/"
  }

  assert {
    condition = one([for s in data.aws_iam_policy_document.notebook.statement : s.resources if s.sid == "PassOwnRoleToSageMaker"]) == toset([
      "arn:aws:iam::123456789012:role/secml-notebook"
    ])
    error_message = "iam:PassRole only on the notebook's own role"
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.notebook.statement :
      !contains(tolist(s.resources), "*") if !contains(["ListSageMakerResources", "PublishSageMakerMetrics"], s.sid)
    ])
    error_message = "Resource \"*\" only for List* actions and namespaced metrics"
  }
}

run "private_notebook_needs_subnet" {
  command = plan

  module {
    source = "./modules/notebook"
  }

  variables {
    direct_internet_access = "Disabled"
  }

  expect_failures = [aws_sagemaker_notebook_instance.workshop]
}

run "private_notebook_in_subnet" {
  command = plan

  module {
    source = "./modules/notebook"
  }

  variables {
    direct_internet_access = "Disabled"
    subnet_id              = "subnet-0123456789abcdef0"
    security_group_ids     = ["sg-0123456789abcdef0"]
  }

  assert {
    condition     = aws_sagemaker_notebook_instance.workshop.subnet_id == "subnet-0123456789abcdef0" && aws_sagemaker_notebook_instance.workshop.direct_internet_access == "Disabled"
    error_message = "a private notebook runs in the given subnet"
  }
}

run "rejects_unknown_internet_access" {
  command = plan

  module {
    source = "./modules/notebook"
  }

  variables {
    direct_internet_access = "Sometimes"
  }

  expect_failures = [var.direct_internet_access]
}
