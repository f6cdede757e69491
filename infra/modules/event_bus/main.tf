resource "aws_cloudwatch_event_bus" "this" {
  name = var.prefix
  tags = var.tags
}

resource "aws_cloudwatch_event_rule" "all_events" {
  name           = "${var.prefix}-all-events"
  description    = "Every ${var.source_prefix}* event on the ${var.prefix} bus to the order-events queue."
  event_bus_name = aws_cloudwatch_event_bus.this.name
  event_pattern = jsonencode({
    source = [{ prefix = var.source_prefix }]
  })
  tags = var.tags
}

resource "aws_cloudwatch_event_target" "queue" {
  rule           = aws_cloudwatch_event_rule.all_events.name
  event_bus_name = aws_cloudwatch_event_bus.this.name
  target_id      = "order-events-queue"
  arn            = var.target_queue_arn
}
