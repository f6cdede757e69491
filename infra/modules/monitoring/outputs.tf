output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies."
  value       = aws_sns_topic.alarms.arn
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "alarm_names" {
  description = "Every alarm this module creates."
  value = concat(
    [for a in aws_cloudwatch_metric_alarm.dlq_not_empty : a.alarm_name],
    [for a in aws_cloudwatch_metric_alarm.oldest_message_age : a.alarm_name],
    [
      aws_cloudwatch_metric_alarm.erp_error_rate.alarm_name,
      aws_cloudwatch_metric_alarm.erp_latency_p99.alarm_name,
      aws_cloudwatch_metric_alarm.inventory_lag.alarm_name,
    ],
  )
}
