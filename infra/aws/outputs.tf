output "api_url" {
  description = "Base URL of the HTTP API."
  value       = module.http_api.api_endpoint
}

output "orders_queue_url" {
  value = module.orders_queue.queue_url
}

output "orders_dlq_url" {
  value = module.orders_queue.dlq_url
}

output "order_events_queue_url" {
  value = module.order_events_queue.queue_url
}

output "order_events_dlq_url" {
  value = module.order_events_queue.dlq_url
}

output "idempotency_table_name" {
  value = module.tables.idempotency_table_name
}

output "orders_table_name" {
  value = module.tables.orders_table_name
}

output "channels_table_name" {
  value = module.tables.channels_table_name
}

output "event_bus_name" {
  value = module.event_bus.bus_name
}

output "edi_table_name" {
  value = module.tables.edi_table_name
}

output "quarantine_queue_url" {
  value = module.quarantine_queue.queue_url
}

output "amazon_notifications_queue_url" {
  description = "The SQS destination to give Amazon's ORDER_CHANGE subscription."
  value       = module.amazon_notifications_queue.queue_url
}

output "amazon_notifications_dlq_url" {
  value = module.amazon_notifications_queue.dlq_url
}

output "catalog_table_name" {
  value = module.tables.catalog_table_name
}

output "catalog_events_dlq_url" {
  value = module.catalog_events_queue.dlq_url
}

output "dlq_redrive_function_name" {
  description = "The function `switchyard dlq redrive --in-aws` invokes."
  value       = module.dlq_redrive.function_name
}

output "event_archive_name" {
  description = "The bus archive switchyard replay reads."
  value       = module.event_bus.archive_name
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = module.monitoring.alarm_topic_arn
}

output "dashboard_name" {
  description = "The flows' CloudWatch dashboard."
  value       = module.monitoring.dashboard_name
}
