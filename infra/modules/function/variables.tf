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
  description = "Reserved concurrent executions; null leaves the function unreserved."
  type        = number
  default     = null
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
