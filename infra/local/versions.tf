terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }

  # The path is supplied at init (scripts/infra.sh: .switchyard/<stack>/terraform/local.tfstate,
  # one per stack), so no state is ever written into infra/.
  backend "local" {}
}

# moto server. Dummy credentials; every service the stack may touch points at the emulator.
provider "aws" {
  region                      = local.region
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true

  endpoints {
    apigatewayv2 = var.endpoint
    cloudwatch   = var.endpoint
    dynamodb     = var.endpoint
    events       = var.endpoint # EventBridge; "eventbridge" is an alias of this key (set only one)
    iam          = var.endpoint
    kms          = var.endpoint
    lambda       = var.endpoint
    sns          = var.endpoint
    sqs          = var.endpoint
    ssm          = var.endpoint
    sts          = var.endpoint
  }
}
