output "runner_config" {
  description = "What the local runner needs to play Lambda, API Gateway and the SQS event source mappings."
  # Sensitive: the ops API's environment holds the stack's operator token.
  sensitive = true
  value = {
    region = local.region
    functions = {
      for name, f in merge(local.all_functions, local.ops_api_functions, local.operator_functions) : name => {
        binary          = f.binary
        timeout_seconds = f.timeout_seconds
        memory_mb       = f.memory_mb
        concurrency     = f.concurrency
        environment     = merge(local.all_environment, local.ops_api_environment, local.operator_environment)[name]
      }
    }
    routes    = concat(local.routes, local.ops_api_routes)
    sqs       = concat(local.sqs_mappings, local.pusher_mappings)
    schedules = local.schedules
  }
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
  value = module.amazon_notifications_queue.queue_url
}

output "amazon_notifications_dlq_url" {
  value = module.amazon_notifications_queue.dlq_url
}

output "edi_acknowledgements_queue_url" {
  value = module.edi_acknowledgements_queue.queue_url
}

output "catalog_table_name" {
  value = module.tables.catalog_table_name
}

output "ops_table_name" {
  value = module.tables.ops_table_name
}

output "catalog_events_queue_url" {
  value = module.catalog_events_queue.queue_url
}

output "catalog_events_dlq_url" {
  value = module.catalog_events_queue.dlq_url
}

output "stock_queue_urls" {
  value = { for kind, q in module.stock_queue : kind => q.queue_url }
}

output "stock_dlq_urls" {
  value = { for kind, q in module.stock_queue : kind => q.dlq_url }
}

output "fulfilment_events_queue_url" {
  value = module.fulfilment_events_queue.queue_url
}

output "fulfilment_events_dlq_url" {
  value = module.fulfilment_events_queue.dlq_url
}

output "fulfilment_queue_urls" {
  value = { for kind, q in module.fulfilment_queue : kind => q.queue_url }
}

output "fulfilment_dlq_urls" {
  value = { for kind, q in module.fulfilment_queue : kind => q.dlq_url }
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
