variable "region" {
  description = "AWS region."
  type        = string
  default     = "us-east-1"
}

variable "prefix" {
  description = "Name prefix of every resource (also the event bus name)."
  type        = string
  default     = "switchyard"
}

variable "tags" {
  description = "Extra default tags."
  type        = map(string)
  default     = {}
}

variable "lambda_build_dir" {
  description = "Directory holding <function>/bootstrap.zip, absolute or relative to this root (cargo lambda build --release --arm64 --output-format zip)."
  type        = string
  default     = "../../target/lambda"
}

variable "table_deletion_protection" {
  description = "Enable deletion protection on the DynamoDB tables."
  type        = bool
  default     = true
}

variable "orders_max_receive_count" {
  description = "Receives of an orders message before it moves to the DLQ."
  type        = number
  default     = 10
}

variable "erp_max_concurrency" {
  description = "Maximum concurrent order-processor invocations from the orders queue (protects the ERP). AWS minimum is 2."
  type        = number
  default     = 2

  validation {
    condition     = var.erp_max_concurrency >= 2 && var.erp_max_concurrency <= 1000
    error_message = "erp_max_concurrency must be between 2 and 1000 (SQS event source mapping limits)."
  }
}

variable "erp_url" {
  description = "Base URL of the ERP."
  type        = string
}

variable "erp_db" {
  description = "ERP database name."
  type        = string
}

variable "erp_user" {
  description = "ERP user name."
  type        = string
}

variable "erp_password_parameter" {
  description = "Name of the SSM SecureString parameter (created out of band) holding the ERP password. The password itself never passes through Terraform."
  type        = string
}

variable "ssm_kms_key_arn" {
  description = "Customer-managed KMS key encrypting the ERP password parameter; null when it uses the AWS-managed aws/ssm key (no kms:Decrypt grant needed)."
  type        = string
  default     = null
}

variable "alarm_actions" {
  description = "Actions (e.g. SNS topic ARNs) for the queue alarms."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups."
  type        = number
  default     = 30
}

variable "api_throttling_burst_limit" {
  description = "HTTP API default burst limit."
  type        = number
  default     = 100
}

variable "api_throttling_rate_limit" {
  description = "HTTP API default rate limit (requests/s)."
  type        = number
  default     = 50
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (it must confirm); null subscribes nobody."
  type        = string
  default     = null
}

variable "reserved_concurrency" {
  description = <<-EOT
    Reserved concurrency of each function: its guaranteed share of the account's concurrency and its cap.
    Queue consumers get their event source mapping's maximum_concurrency (2), so the mapping is not
    throttled (the stock pushers excepted: one writer each, see decision 0022). The order processor
    is not here: its reservation is erp_max_concurrency, the ERP's cap. The defaults reserve 75 of an
    account's concurrency (1000 by default; AWS keeps 100 of it unreserved).
  EOT
  type = object({
    orders_api           = optional(number, 20) # 50 req/s API limit x ~100 ms per request, with headroom
    webhooks             = optional(number, 20)
    edi_api              = optional(number, 10)
    edi_acknowledger     = optional(number, 2)
    amazon_notifications = optional(number, 2)
    erp_changes          = optional(number, 1) # one poller: a second would read the same changes again
    reconciler           = optional(number, 1) # one run: two would queue the same stuck order twice
    catalog_projector    = optional(number, 2)
    edi_inventory_advice = optional(number, 1) # one run: overlapping runs would spend control numbers
    order_tracker        = optional(number, 2)
    stock_pushers        = optional(number, 1) # each: one writer per channel kind
    fulfilment_pushers   = optional(number, 2) # each
    dlq_redrive          = optional(number, 1) # two redrives of one DLQ would race
    ops_api              = optional(number, 2)
  })
  default = {}

  validation {
    # Below its event source mapping's maximum_concurrency (2) a consumer is throttled, and each
    # throttled batch comes back as a receive, nearer its DLQ.
    condition     = alltrue([for f in ["edi_acknowledger", "amazon_notifications", "catalog_projector", "order_tracker", "fulfilment_pushers"] : var.reserved_concurrency[f] >= 2])
    error_message = "The queue consumers (edi_acknowledger, amazon_notifications, catalog_projector, order_tracker, fulfilment_pushers) need a reserved concurrency of at least 2, their mappings' maximum_concurrency."
  }

  validation {
    condition     = alltrue([for f, n in var.reserved_concurrency : n >= 1])
    error_message = "Every reserved concurrency must be at least 1 (0 disables the function)."
  }
}
