variable "name" {
  description = "Name of the HTTP API."
  type        = string
}

variable "routes" {
  description = "Route key (\"POST /v1/orders\") to the Lambda function that serves it, and the route's authorization (`NONE`, or `AWS_IAM`: callers sign with SigV4 and need execute-api:Invoke)."
  type = map(object({
    function_name      = string
    invoke_arn         = string
    authorization_type = optional(string, "NONE")
  }))

  validation {
    condition     = alltrue([for r in values(var.routes) : contains(["NONE", "AWS_IAM"], r.authorization_type)])
    error_message = "authorization_type is NONE or AWS_IAM."
  }
}

variable "throttling_burst_limit" {
  description = "Default route burst limit of the $default stage."
  type        = number
  default     = 100
}

variable "throttling_rate_limit" {
  description = "Default route steady-state rate limit (requests/s) of the $default stage."
  type        = number
  default     = 50
}

variable "integration_timeout_milliseconds" {
  description = "Integration timeout (max 30000)."
  type        = number
  default     = 29000
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "log_kms_key_arn" {
  description = "The stack's logs key, encrypting the access log group."
  type        = string
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the access log group."
  type        = number
  default     = 30
}
