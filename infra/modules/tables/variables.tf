variable "prefix" {
  description = "Name prefix: tables are <prefix>-idempotency, -orders, -channels, -edi, -catalog and -ops."
  type        = string
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery (true on AWS, false against the emulator)."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Enable deletion protection on the tables."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
