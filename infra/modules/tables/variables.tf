variable "prefix" {
  description = "Name prefix: tables are <prefix>-idempotency, -orders, -channels, -edi, -catalog and -ops."
  type        = string
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

variable "kms_key_arn" {
  description = "Customer-managed KMS key encrypting every table (and its indexes and backups)."
  type        = string
  nullable    = false
}
