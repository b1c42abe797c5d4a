terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 6.0"
    }
  }
  # No provider block here: the secml stack configures the AWS provider itself from its inputs
  # (region, default tags), so the same stack runs on its own or called from this example.
}
