variable "prefix" {
  description = "Name of the custom event bus; also prefixes the rule name."
  type        = string
}

variable "source_prefix" {
  description = "Events whose source starts with this prefix are routed to the target queue."
  type        = string
  default     = "switchyard."
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
