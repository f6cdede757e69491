output "bus_name" {
  value = aws_cloudwatch_event_bus.this.name
}

output "bus_arn" {
  value = aws_cloudwatch_event_bus.this.arn
}

output "rule_arn" {
  value = aws_cloudwatch_event_rule.all_events.arn
}

output "queue_rule_arns" {
  description = "ARN of each extra rule, by name."
  value       = { for name, rule in aws_cloudwatch_event_rule.queue : name => rule.arn }
}

output "archive_name" {
  description = "Name of the bus archive (`switchyard replay` finds it by its source, the bus); null without one."
  value       = one(aws_cloudwatch_event_archive.this[*].name)
}

output "archive_arn" {
  description = "ARN of the bus archive; null without one."
  value       = one(aws_cloudwatch_event_archive.this[*].arn)
}
