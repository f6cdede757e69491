variable "name" {
  description = "Name of the main queue; the DLQ is \"<name>-dlq\"."
  type        = string
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the main queue. For a Lambda consumer use at least 6 x the function timeout."
  type        = number
  default     = 30
}

variable "message_retention_seconds" {
  description = "Retention of the main queue."
  type        = number
  default     = 345600 # 4 days
}

variable "dlq_retention_seconds" {
  description = "Retention of the DLQ (keep it longer than the main queue so redriven messages do not expire)."
  type        = number
  default     = 1209600 # 14 days, the SQS maximum
}

variable "max_receive_count" {
  description = "Receives before a message moves to the DLQ."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "create_redrive_allow_policy" {
  description = "Restrict the DLQ to this queue as its only source. Hangs against moto: true on AWS only."
  type        = bool
  default     = false
}

variable "allow_eventbridge_rule_arns" {
  description = "EventBridge rule ARNs allowed to SendMessage to the main queue (empty: no queue policy)."
  type        = list(string)
  default     = []
}

variable "create_alarms" {
  description = "Create CloudWatch alarms on DLQ depth and on the age of the oldest message."
  type        = bool
  default     = false
}

variable "alarm_actions" {
  description = "Actions (e.g. SNS topic ARNs) for the alarms' ALARM and OK states."
  type        = list(string)
  default     = []
}

variable "oldest_message_age_threshold_seconds" {
  description = "Alarm when the main queue's oldest message is older than this."
  type        = number
  default     = 900
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the queue and its DLQ (SSE-KMS). Every producer and consumer needs kms:GenerateDataKey / kms:Decrypt on it, AWS services through the key policy."
  type        = string
  nullable    = false
}

variable "kms_data_key_reuse_period_seconds" {
  description = "How long SQS reuses a data key before asking KMS again (60 to 86400): longer costs fewer KMS calls."
  type        = number
  default     = 300
}
