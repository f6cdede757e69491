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
