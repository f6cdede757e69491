locals {
  tables = {
    idempotency = { ttl_attribute = "expires_at", range_key = null }
    orders      = { ttl_attribute = null, range_key = null }
    channels    = { ttl_attribute = null, range_key = null }
    # EDI outbox, pending acknowledgements and control numbers (see switchyard_platform::edi).
    edi = { ttl_attribute = null, range_key = "sk" }
    # Stock and price projections and the ERP change feed's cursor (switchyard-projections).
    catalog = { ttl_attribute = null, range_key = "sk" }
    # Operators' records: failure records (failure#<flow>) and the audit log (audit#<day>),
    # see switchyard-failures.
    ops = { ttl_attribute = null, range_key = "sk" }
  }
}

resource "aws_dynamodb_table" "this" {
  for_each = local.tables

  name                        = "${var.prefix}-${each.key}"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "pk"
  range_key                   = each.value.range_key
  deletion_protection_enabled = var.deletion_protection
  tags                        = var.tags

  attribute {
    name = "pk"
    type = "S"
  }

  dynamic "attribute" {
    for_each = each.value.range_key == null ? [] : [each.value.range_key]
    content {
      name = attribute.value
      type = "S"
    }
  }

  # Orders by status and when they entered it (switchyard_orders::dynamodb::STATUS_INDEX):
  # reconciliation finds orders stuck RECEIVED and recently ACCEPTED without a scan.
  dynamic "attribute" {
    for_each = each.key == "orders" ? ["status_shard", "status_at"] : []
    content {
      name = attribute.value
      type = "S"
    }
  }

  dynamic "global_secondary_index" {
    for_each = each.key == "orders" ? ["by-status"] : []
    content {
      name               = global_secondary_index.value
      hash_key           = "status_shard"
      range_key          = "status_at"
      projection_type    = "INCLUDE"
      non_key_attributes = ["channel"]
    }
  }

  dynamic "ttl" {
    for_each = each.value.ttl_attribute == null ? [] : [each.value.ttl_attribute]
    content {
      attribute_name = ttl.value
      enabled        = true
    }
  }

  # Every table, on AWS and on the emulator alike: an operator's mistaken write or delete is
  # undone by a restore to the second before it.
  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }
}
