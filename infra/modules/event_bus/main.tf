resource "aws_cloudwatch_event_bus" "this" {
  name = var.prefix
  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "all_events" {
  name           = "${var.prefix}-all-events"
  description    = "Every ${join(", ", var.target_sources)} event on the ${var.prefix} bus to the order-events queue."
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern = jsonencode({
    source = var.target_sources
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "queue" {
  rule           = aws_cloudwatch_event_rule.all_events.name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "order-events-queue"
  arn            = var.target_queue_arn
}

# Narrower routes: chosen event types to the queue of the function that acts on them.
locals {
  # Each rule's detail filter as JSON, from whichever form it was given in.
  rule_details = {
    for name, rule in var.queue_rules : name => (
      rule.detail_json != null ? rule.detail_json : (rule.detail == null ? null : jsonencode(rule.detail))
    )
  }
}

resource "aws_cloudwatch_event_rule" "queue" {
  for_each = var.queue_rules

  name           = "${var.prefix}-${each.key}"
  description    = "${join(", ", each.value.detail_types)} on the ${var.prefix} bus to the ${each.key} queue."
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern = jsonencode(merge({
    source        = [{ prefix = var.source_prefix }]
    "detail-type" = each.value.detail_types
  }, local.rule_details[each.key] == null ? {} : { detail = jsondecode(local.rule_details[each.key]) }))
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "queue_rule" {
  for_each = var.queue_rules

  rule           = aws_cloudwatch_event_rule.queue[each.key].name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "${each.key}-queue"
  arn            = each.value.queue_arn
}

# Every Switchyard event, kept for `switchyard replay` (issue 10). Replayed events are not
# archived again (EventBridge marks them with a replay name), so a replay cannot grow it.
resource "aws_cloudwatch_event_archive" "this" {
  count = var.archive_retention_days == null ? 0 : 1

  name             = "${var.prefix}-events"
  description      = "Every ${var.source_prefix}* event on the ${var.prefix} bus, for switchyard replay."
  event_source_arn = aws_cloudwatch_event_bus.this.arn
  retention_days   = var.archive_retention_days
  event_pattern = jsonencode({
    source = [{ prefix = var.source_prefix }]
  })
}
