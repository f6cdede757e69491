variable "endpoint" {
  description = "URL of the AWS emulator (moto server)."
  type        = string
  default     = "http://127.0.0.1:4566"
}

variable "prefix" {
  description = "Name prefix of every resource (also the event bus name)."
  type        = string
  default     = "switchyard"
}

variable "orders_max_receive_count" {
  description = "Receives of an orders message before it moves to the DLQ."
  type        = number
  default     = 5
}

variable "orders_visibility_timeout_seconds" {
  description = "Visibility timeout of the orders queue (short locally so retries are quick)."
  type        = number
  default     = 10
}

variable "erp_max_concurrency" {
  description = "Maximum concurrent order-processor invocations the local runner starts from the orders queue."
  type        = number
  default     = 2
}

variable "erp_url" {
  description = "Base URL of the local ERP (Tryton)."
  type        = string
  default     = "http://127.0.0.1:8000"
}

variable "erp_db" {
  description = "ERP database name."
  type        = string
  default     = "switchyard"
}

variable "erp_user" {
  description = "ERP user name. The password is not managed here: the local runner passes SWITCHYARD_ERP_PASSWORD from its own environment."
  type        = string
  default     = "admin"
}

variable "eventbridge_queue_policy" {
  description = "Give the order-events queue its EventBridge SendMessage policy, as on AWS. moto delivers rule targets without checking it; false skips one ~25 s SQS propagation wait per apply."
  type        = bool
  default     = true
}

variable "erp_changes_every_seconds" {
  description = "How often the local runner plays the erp-changes schedule (AWS: every minute)."
  type        = number
  default     = 2
}

variable "reconcile_every_seconds" {
  description = "How often the local runner plays the reconciler's schedule (AWS: every five minutes)."
  type        = number
  default     = 10
}

variable "reconcile_stuck_after_seconds" {
  description = "How long an order may stay RECEIVED with nothing in flight before the reconciler queues it again (AWS: 15 minutes)."
  type        = number
  default     = 60
}
