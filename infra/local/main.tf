# Only what moto holds usefully: tables, queues, the bus and its rule. No Lambda functions,
# no event source mappings (moto without Docker deletes the messages without running code),
# no redrive allow policies (the provider waits forever on moto). The local runner plays
# Lambda, API Gateway and the event source mapping from runner_config.

locals {
  region = "us-east-1"

  # Single source of truth for the functions' settings.
  functions = {
    "orders-api" = {
      binary          = "orders-api"
      timeout_seconds = 10
      memory_mb       = 256
      concurrency     = 4
    }
    "order-processor" = {
      binary          = "order-processor"
      timeout_seconds = 30
      memory_mb       = 256
      concurrency     = var.erp_max_concurrency
    }
    "webhooks" = {
      binary          = "webhooks"
      timeout_seconds = 10
      memory_mb       = 256
      concurrency     = 4
    }
    "edi-api" = {
      binary          = "edi-api"
      timeout_seconds = 20
      memory_mb       = 256
      concurrency     = 2
    }
    "edi-acknowledger" = {
      binary          = "edi-acknowledger"
      timeout_seconds = 20
      memory_mb       = 256
      concurrency     = 2
    }
    "amazon-notifications" = {
      binary          = "amazon-notifications"
      timeout_seconds = 30
      memory_mb       = 256
      concurrency     = 2
    }
  }

  common_environment = {
    SWITCHYARD_IDEMPOTENCY_TABLE    = module.tables.idempotency_table_name
    SWITCHYARD_ORDERS_TABLE         = module.tables.orders_table_name
    SWITCHYARD_CHANNELS_TABLE       = module.tables.channels_table_name
    SWITCHYARD_ORDERS_QUEUE_URL     = module.orders_queue.queue_url
    SWITCHYARD_QUARANTINE_QUEUE_URL = module.quarantine_queue.queue_url
    SWITCHYARD_EDI_TABLE            = module.tables.edi_table_name
    SWITCHYARD_EVENT_BUS            = module.event_bus.bus_name
    SWITCHYARD_MAX_RECEIVE_COUNT    = tostring(var.orders_max_receive_count)
    SWITCHYARD_RETRY_BASE_SECONDS   = "1"
    SWITCHYARD_RETRY_MAX_SECONDS    = "30"
  }

  environment = {
    "orders-api"       = local.common_environment
    "webhooks"         = local.common_environment
    "edi-api"          = local.common_environment
    "edi-acknowledger" = local.common_environment
    # It reschedules its own failed notifications (ChangeMessageVisibility), as the processor does.
    "amazon-notifications" = merge(local.common_environment, {
      SWITCHYARD_AMAZON_NOTIFICATIONS_QUEUE_URL = module.amazon_notifications_queue.queue_url
    })
    "order-processor" = merge(local.common_environment, {
      SWITCHYARD_ERP_URL  = var.erp_url
      SWITCHYARD_ERP_DB   = var.erp_db
      SWITCHYARD_ERP_USER = var.erp_user
    })
  }

  routes = [
    { route_key = "POST /v1/orders", function = "orders-api" },
    { route_key = "GET /v1/orders/{id}", function = "orders-api" },
    { route_key = "GET /v1/orders", function = "orders-api" },
    { route_key = "POST /v1/webhooks/{channel}", function = "webhooks" },
    { route_key = "POST /v1/edi/x12", function = "edi-api" },
    { route_key = "GET /v1/edi/outbox", function = "edi-api" },
    { route_key = "GET /v1/edi/outbox/{id}", function = "edi-api" },
    { route_key = "DELETE /v1/edi/outbox/{id}", function = "edi-api" },
  ]

  sqs_mappings = [
    {
      queue_url                       = module.orders_queue.queue_url
      queue_arn                       = module.orders_queue.queue_arn
      function                        = "order-processor"
      batch_size                      = 10
      maximum_batching_window_seconds = 1
      maximum_concurrency             = var.erp_max_concurrency
      report_batch_item_failures      = true
    },
    {
      queue_url                       = module.amazon_notifications_queue.queue_url
      queue_arn                       = module.amazon_notifications_queue.queue_arn
      function                        = "amazon-notifications"
      batch_size                      = 10
      maximum_batching_window_seconds = 1
      maximum_concurrency             = 2
      report_batch_item_failures      = true
    },
    {
      queue_url                       = module.edi_acknowledgements_queue.queue_url
      queue_arn                       = module.edi_acknowledgements_queue.queue_arn
      function                        = "edi-acknowledger"
      batch_size                      = 10
      maximum_batching_window_seconds = 1
      maximum_concurrency             = 2
      report_batch_item_failures      = true
    },
  ]
}

module "tables" {
  source                 = "../modules/tables"
  prefix                 = var.prefix
  point_in_time_recovery = false
}

module "orders_queue" {
  source                     = "../modules/queue_with_dlq"
  name                       = "${var.prefix}-orders"
  visibility_timeout_seconds = var.orders_visibility_timeout_seconds
  max_receive_count          = var.orders_max_receive_count
}

module "order_events_queue" {
  source                      = "../modules/queue_with_dlq"
  name                        = "${var.prefix}-order-events"
  max_receive_count           = 5
  allow_eventbridge_rule_arns = var.eventbridge_queue_policy ? [module.event_bus.rule_arn] : []
}

module "event_bus" {
  source           = "../modules/event_bus"
  prefix           = var.prefix
  target_queue_arn = module.order_events_queue.queue_arn
  queue_rules = {
    "edi-acknowledgements" = {
      detail_types = ["OrderAccepted", "OrderRejected"]
      queue_arn    = module.edi_acknowledgements_queue.queue_arn
    }
  }
}

# Amazon delivers SP-API notifications here (a subscription's SQS destination).
module "amazon_notifications_queue" {
  source                     = "../modules/queue_with_dlq"
  name                       = "${var.prefix}-amazon-notifications"
  visibility_timeout_seconds = 30
  max_receive_count          = var.orders_max_receive_count
}

module "edi_acknowledgements_queue" {
  source                      = "../modules/queue_with_dlq"
  name                        = "${var.prefix}-edi-acknowledgements"
  visibility_timeout_seconds  = 30
  max_receive_count           = 5
  allow_eventbridge_rule_arns = var.eventbridge_queue_policy ? [module.event_bus.queue_rule_arns["edi-acknowledgements"]] : []
}

# Signed deliveries that could not be read, kept for an operator (nothing consumes it).
module "quarantine_queue" {
  source                    = "../modules/queue_with_dlq"
  name                      = "${var.prefix}-intake-quarantine"
  message_retention_seconds = 1209600
}
