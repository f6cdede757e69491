variable "name" {
  description = "Names the key's alias (alias/<name>) and describes it."
  type        = string
}

variable "description" {
  description = "What the key encrypts."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days a scheduled deletion waits (7 to 30): time to notice a deletion that would make every encrypted item unreadable."
  type        = number
  default     = 30
}

variable "service_statements" {
  description = "Key policy statements for the AWS services (or other accounts) that use the key directly, beyond the account's own IAM principals. Actions must be explicit: no wildcards."
  type = list(object({
    sid        = string
    type       = string # "Service" or "AWS"
    principals = list(string)
    actions    = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition = alltrue([
      for s in var.service_statements : alltrue([for a in s.actions : !strcontains(a, "*")])
    ])
    error_message = "Wildcard actions are not allowed in service_statements: list every action explicitly."
  }
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
