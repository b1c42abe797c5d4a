terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
  # No backend block: state is local by default. A team keeps it in S3 by adding
  # `terraform { backend "s3" {} }` in backend.tf and `terraform init -backend-config=...`.
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Project = "secml", ManagedBy = "terraform" }, var.tags)
  }
}
