terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({
      Project   = "switchyard"
      Prefix    = var.prefix
      ManagedBy = "terraform"
    }, var.tags)
  }
}
