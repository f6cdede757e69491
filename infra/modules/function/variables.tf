variable "name" {
  description = "Function name (also names its role, policy and log group)."
  type        = string
}

variable "zip_path" {
  description = "Path of the deployment zip (cargo lambda build --release --arm64 --output-format zip)."
  type        = string
}

variable "memory_mb" {
  description = "Memory size in MB."
  type        = number
  default     = 256
}

variable "timeout_seconds" {
  description = "Function timeout in seconds."
  type        = number
  default     = 10
}

variable "environment" {
  description = "Environment variables."
  type        = map(string)
  default     = {}
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions: both the function's guaranteed share of the account's concurrency and its cap. Set for every function (decision 0022)."
  type        = number

  validation {
    condition     = var.reserved_concurrency >= 1
    error_message = "reserved_concurrency must be at least 1 (0 would disable the function)."
  }
}

variable "kms_key_arn" {
  description = "The stack's data key: encrypts the function's environment; the role may use it (kms:Decrypt, kms:GenerateDataKey) for the encrypted queues and tables."
  type        = string
  nullable    = false
}

variable "log_kms_key_arn" {
  description = "The stack's logs key, encrypting the function's log group (its key policy admits CloudWatch Logs)."
  type        = string
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the function's log group."
  type        = number
  default     = 30
}

variable "policy_statements" {
  description = "Allow statements of the function's inline policy. Actions must be explicit: no wildcards."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
  }))
  default = []

  validation {
    condition = alltrue([
      for s in var.policy_statements : alltrue([for a in s.actions : !strcontains(a, "*")])
    ])
    error_message = "Wildcard actions are not allowed in policy_statements: list every action explicitly."
  }

  validation {
    condition     = length(distinct([for s in var.policy_statements : s.sid])) == length(var.policy_statements)
    error_message = "Statement sids must be unique."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
