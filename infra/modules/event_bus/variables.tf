variable "prefix" {
  description = "Name of the custom event bus; also prefixes the rule name."
  type        = string
}

variable "source_prefix" {
  description = "Events whose source starts with this prefix are routed to the target queue."
  type        = string
  default     = "switchyard."
}

variable "target_sources" {
  description = "The event sources routed to the target queue: the order events only, so stock and price bursts do not pile up where nothing consumes them."
  type        = list(string)
  default     = ["switchyard.orders"]
}

variable "target_queue_arn" {
  description = "ARN of the queue that receives every matching event (the order-events queue). Its policy must allow the rule (see rule_arn)."
  type        = string
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "queue_rules" {
  description = "Extra rules: name => the detail-types it routes, optionally a filter on the detail (an EventBridge pattern, e.g. { payload = { channel_kind = [\"shopify\"] } }), and the queue it delivers them to. Each queue's policy must allow its rule (see queue_rule_arns)."
  type = map(object({
    detail_types = list(string)
    detail       = optional(map(map(list(string))))
    # A filter the `detail` type cannot hold (`$or`, `exists`), as JSON; wins over `detail`.
    detail_json = optional(string)
    queue_arn   = string
  }))
  default = {}
}

variable "archive_retention_days" {
  description = "Days the bus archive keeps each event for `switchyard replay` (0: forever); null creates no archive."
  type        = number
  default     = 30
}
