variable "name_prefix" {
  description = "Prefix of the notebook instance, lifecycle configuration and role names."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "instance_type" {
  description = "Instance type of the notebook instance."
  type        = string
  default     = "ml.t3.medium"

  validation {
    condition     = can(regex("^ml\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must be a SageMaker instance type such as ml.t3.medium."
  }
}

variable "platform_identifier" {
  description = "Notebook instance platform: notebook-al2-v3 (Amazon Linux 2, JupyterLab 4) or an Amazon Linux 2023 platform such as notebook-al2023-v1."
  type        = string
  default     = "notebook-al2-v3"

  validation {
    condition     = can(regex("^notebook-al2(023)?-v[0-9]+$", var.platform_identifier))
    error_message = "platform_identifier must be a notebook platform such as notebook-al2-v3 or notebook-al2023-v1."
  }
}

variable "volume_size_gb" {
  description = "EBS volume size of the notebook instance, in GB."
  type        = number
  default     = 5

  validation {
    condition     = var.volume_size_gb >= 5 && var.volume_size_gb <= 16384
    error_message = "volume_size_gb must be between 5 and 16384."
  }
}

variable "direct_internet_access" {
  description = "Enabled gives the notebook SageMaker's internet access; Disabled routes all traffic through subnet_id, which must then be set."
  type        = string
  default     = "Enabled"

  validation {
    condition     = contains(["Enabled", "Disabled"], var.direct_internet_access)
    error_message = "direct_internet_access must be Enabled or Disabled."
  }
}

variable "subnet_id" {
  description = "VPC subnet of the notebook instance; required when direct_internet_access is Disabled."
  type        = string
  default     = null

  validation {
    condition     = var.subnet_id == null || can(regex("^subnet-[0-9a-f]+$", var.subnet_id))
    error_message = "subnet_id must be a subnet ID (subnet-...) or null."
  }
}

variable "security_group_ids" {
  description = "Security groups of the notebook instance in subnet_id."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for id in var.security_group_ids : can(regex("^sg-[0-9a-f]+$", id))])
    error_message = "security_group_ids must be security group IDs (sg-...)."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the notebook volume and the notebook's files in the tuples bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "tuples_bucket_name" {
  description = "The tuples bucket: the notebook's working bucket, and where its install files are uploaded."
  type        = string
}

variable "workshop_notebook" {
  description = "The workshop notebook installed on the instance: its local path and its MD5 (filemd5), which re-uploads it when it changes."
  type        = object({ path = string, source_hash = string })

  validation {
    condition     = endswith(var.workshop_notebook.path, ".ipynb") && can(regex("^[0-9a-f]{32}$", var.workshop_notebook.source_hash))
    error_message = "workshop_notebook needs the path of a .ipynb file and its MD5 in hex (filemd5)."
  }
}

variable "driver_wheel" {
  description = "The secml driver wheel pip-installed on the instance (built by `secml build`): its local path and its MD5 (filemd5), which re-uploads it when it changes."
  type        = object({ path = string, source_hash = string })

  validation {
    condition     = endswith(var.driver_wheel.path, ".whl") && can(regex("^[0-9a-f]{32}$", var.driver_wheel.source_hash))
    error_message = "driver_wheel needs the path of a .whl file and its MD5 in hex (filemd5)."
  }
}
