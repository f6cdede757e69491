variable "prefix" {
  description = "Name prefix of the stack: names the topic, dashboard and alarms."
  type        = string
}

variable "namespace" {
  description = "CloudWatch namespace of the functions' Embedded Metric Format metrics."
  type        = string
  default     = "Switchyard"
}

variable "region" {
  description = "Region the dashboard's widgets read."
  type        = string
}

variable "alarm_email" {
  description = "Address subscribed to the alarm topic (it must confirm the subscription); null subscribes nobody."
  type        = string
  default     = null
}

variable "queues" {
  description = "Every source queue with its DLQ (by a short name): their depth and oldest age are on the dashboard."
  type = map(object({
    queue_name = string
    dlq_name   = string
  }))
}

variable "queue_alarms" {
  description = "Create the DLQ-depth and oldest-age alarms here. False where queue_with_dlq already creates them (create_alarms) with this topic among their actions."
  type        = bool
  default     = true
}

variable "oldest_message_age_threshold_seconds" {
  description = "A source queue's oldest message older than this (5 minutes running) alarms."
  type        = number
  default     = 900
}

variable "erp_error_rate_threshold_percent" {
  description = "(OrdersRejected + Retries) / OrdersReceived above this percentage over 15 minutes alarms."
  type        = number
  default     = 10
}

variable "erp_latency_p99_threshold_ms" {
  description = "p99 ErpPostingLatency above this (ms) over 15 minutes alarms."
  type        = number
  default     = 5000
}

variable "inventory_lag_threshold_ms" {
  description = "InventoryLag (ERP change to channel, ms; the worst channel) above this over 15 minutes alarms."
  type        = number
  default     = 600000
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting the alarm topic; its key policy must let cloudwatch.amazonaws.com use it."
  type        = string
  nullable    = false
}
