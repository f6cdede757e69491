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
    # One poller: two would only read the same changes twice.
    "erp-changes" = {
      binary          = "erp-changes"
      timeout_seconds = 60
      memory_mb       = 256
      concurrency     = 1
    }
    # One run at a time: two would queue the same stuck order twice.
    "reconciler" = {
      binary          = "reconciler"
      timeout_seconds = 60
      memory_mb       = 256
      concurrency     = 1
    }
    "catalog-projector" = {
      binary          = "catalog-projector"
      timeout_seconds = 30
      memory_mb       = 256
      concurrency     = 2
    }
    # One at a time: overlapping runs write no second 846, but would spend control numbers.
    "edi-inventory-advice" = {
      binary          = "edi-inventory-advice"
      timeout_seconds = 30
      memory_mb       = 256
      concurrency     = 1
    }
    "order-tracker" = {
      binary          = "order-tracker"
      timeout_seconds = 30
      memory_mb       = 256
      concurrency     = 2
    }
  }

  # One fulfilment pusher per channel kind: OrderShipped of that kind's channels (the event
  # names the kind, so each rule filters on it) to one fulfilment per ERP shipment.
  fulfilment_pushers = {
    "shopify"     = { function = "fulfilment-push-shopify", channel_kind = "shopify" }
    "woocommerce" = { function = "fulfilment-push-woocommerce", channel_kind = "woocommerce" }
    "amazon"      = { function = "fulfilment-push-amazon", channel_kind = "amazon-sp-api" }
  }

  # One stock pusher per channel kind, one instance each: a channel's rate limit is per shop,
  # and a single writer keeps the push state in order.
  stock_pushers = {
    "shopify"     = "stock-push-shopify"
    "woocommerce" = "stock-push-woocommerce"
    "amazon"      = "stock-push-amazon"
  }
  pusher_functions = {
    for kind, name in local.stock_pushers : name => {
      binary          = name
      timeout_seconds = 60
      memory_mb       = 256
      concurrency     = 1
    }
  }
  all_functions = merge(local.functions, local.pusher_functions, {
    for kind, p in local.fulfilment_pushers : p.function => {
      binary          = p.function
      timeout_seconds = 60
      memory_mb       = 256
      concurrency     = 1
    }
  })

  common_environment = {
    SWITCHYARD_IDEMPOTENCY_TABLE    = module.tables.idempotency_table_name
    SWITCHYARD_ORDERS_TABLE         = module.tables.orders_table_name
    SWITCHYARD_CHANNELS_TABLE       = module.tables.channels_table_name
    SWITCHYARD_ORDERS_QUEUE_URL     = module.orders_queue.queue_url
    SWITCHYARD_QUARANTINE_QUEUE_URL = module.quarantine_queue.queue_url
    SWITCHYARD_EDI_TABLE            = module.tables.edi_table_name
    SWITCHYARD_CATALOG_TABLE        = module.tables.catalog_table_name
    SWITCHYARD_OPS_TABLE            = module.tables.ops_table_name
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
    "order-processor"      = merge(local.common_environment, local.erp_environment)
    "erp-changes"          = merge(local.common_environment, local.erp_environment)
    "reconciler"           = merge(local.common_environment, local.erp_environment, local.reconcile_environment)
    "catalog-projector"    = local.common_environment
    "edi-inventory-advice" = local.common_environment
    "order-tracker"        = local.common_environment
  }
  all_environment = merge(local.environment, {
    for kind, name in local.stock_pushers : name => merge(local.common_environment, {
      SWITCHYARD_STOCK_QUEUE_URL = module.stock_queue[kind].queue_url
    })
    }, {
    for kind, p in local.fulfilment_pushers : p.function => local.common_environment
  })

  erp_environment = {
    SWITCHYARD_ERP_URL  = var.erp_url
    SWITCHYARD_ERP_DB   = var.erp_db
    SWITCHYARD_ERP_USER = var.erp_user
  }

  # Locally an order counts as stuck after a minute, not fifteen, so a lost message is found
  # while someone is watching; the retry window stays above the local backoff.
  reconcile_environment = {
    SWITCHYARD_RECONCILE_STUCK_AFTER_SECONDS     = tostring(var.reconcile_stuck_after_seconds)
    SWITCHYARD_RECONCILE_RETRYING_WITHIN_SECONDS = "120"
    SWITCHYARD_RECONCILE_DRIFT_GRACE_SECONDS     = "60"
  }

  routes = [
    { route_key = "GET /v1/openapi.json", function = "orders-api" },
    { route_key = "POST /v1/orders", function = "orders-api" },
    { route_key = "GET /v1/orders/{id}", function = "orders-api" },
    { route_key = "GET /v1/orders/{id}/shipments", function = "orders-api" },
    { route_key = "POST /v1/orders/{id}/returns", function = "orders-api" },
    { route_key = "GET /v1/returns/{id}", function = "orders-api" },
    { route_key = "GET /v1/orders", function = "orders-api" },
    { route_key = "POST /v1/orders/validate", function = "orders-api" },
    { route_key = "GET /v1/inventory", function = "orders-api" },
    { route_key = "GET /v1/prices", function = "orders-api" },
    { route_key = "POST /v1/webhooks/{channel}", function = "webhooks" },
    { route_key = "POST /v1/edi/x12", function = "edi-api" },
    { route_key = "POST /v1/edi/edifact", function = "edi-api" },
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
    {
      queue_url                       = module.catalog_events_queue.queue_url
      queue_arn                       = module.catalog_events_queue.queue_arn
      function                        = "catalog-projector"
      batch_size                      = 10
      maximum_batching_window_seconds = 1
      maximum_concurrency             = 2
      report_batch_item_failures      = true
    },
    {
      queue_url                       = module.fulfilment_events_queue.queue_url
      queue_arn                       = module.fulfilment_events_queue.queue_arn
      function                        = "order-tracker"
      batch_size                      = 10
      maximum_batching_window_seconds = 1
      maximum_concurrency             = 2
      report_batch_item_failures      = true
    },
  ]
  pusher_mappings = concat([
    for kind, p in local.fulfilment_pushers : {
      queue_url                       = module.fulfilment_queue[kind].queue_url
      queue_arn                       = module.fulfilment_queue[kind].queue_arn
      function                        = p.function
      batch_size                      = 10
      maximum_batching_window_seconds = 1
      maximum_concurrency             = 2
      report_batch_item_failures      = true
    }
    ], [
    for kind, name in local.stock_pushers : {
      queue_url = module.stock_queue[kind].queue_url
      queue_arn = module.stock_queue[kind].queue_arn
      function  = name
      # Big batches are what coalesces a burst: only the newest level per SKU is sent.
      batch_size                      = 100
      maximum_batching_window_seconds = 2
      maximum_concurrency             = 2
      report_batch_item_failures      = true
    }
  ])

  # EventBridge schedules, played by the runner (AWS: every minute; here every few seconds).
  schedules = [
    { name = "${var.prefix}-erp-changes", function = "erp-changes", every_seconds = var.erp_changes_every_seconds },
    { name = "${var.prefix}-reconciler", function = "reconciler", every_seconds = var.reconcile_every_seconds },
    # Partners' periods are whole minutes; a tick every few seconds only makes the advice prompt.
    { name = "${var.prefix}-edi-inventory-advice", function = "edi-inventory-advice", every_seconds = 5 },
  ]
}

# The same data key as on AWS (decision 0022): moto stores the key, its rotation and policy,
# and the queues, tables and topic name it, so a module that forgets encryption fails here too.
# There are no log groups in this root (no functions), so no logs key.
module "data_key" {
  source                  = "../modules/kms_key"
  name                    = "${var.prefix}-data"
  description             = "Switchyard ${var.prefix} (local): queues, tables and the alarm topic."
  deletion_window_in_days = 7

  service_statements = [
    {
      sid        = "EventBridgeToQueues"
      type       = "Service"
      principals = ["events.amazonaws.com"]
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
    },
    {
      sid        = "CloudWatchAlarmsToTopic"
      type       = "Service"
      principals = ["cloudwatch.amazonaws.com"]
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
    },
  ]
}

module "tables" {
  source      = "../modules/tables"
  prefix      = var.prefix
  kms_key_arn = module.data_key.key_arn
}

module "orders_queue" {
  source                     = "../modules/queue_with_dlq"
  kms_key_arn                = module.data_key.key_arn
  name                       = "${var.prefix}-orders"
  visibility_timeout_seconds = var.orders_visibility_timeout_seconds
  max_receive_count          = var.orders_max_receive_count
}

module "order_events_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
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
      detail_types = local.edi_document_event_types
      # Only EDI orders' events (decision 0026); records from before channel_kind was kept
      # carry none, and still come.
      detail_json = local.edi_orders_only
      queue_arn   = module.edi_acknowledgements_queue.queue_arn
    }
    "fulfilment-events" = {
      detail_types = local.fulfilment_event_types
      queue_arn    = module.fulfilment_events_queue.queue_arn
    }
    "fulfilment-shopify" = {
      detail_types = ["OrderShipped"]
      detail       = { payload = { channel_kind = [local.fulfilment_pushers["shopify"].channel_kind] } }
      queue_arn    = module.fulfilment_queue["shopify"].queue_arn
    }
    "fulfilment-woocommerce" = {
      detail_types = ["OrderShipped"]
      detail       = { payload = { channel_kind = [local.fulfilment_pushers["woocommerce"].channel_kind] } }
      queue_arn    = module.fulfilment_queue["woocommerce"].queue_arn
    }
    "fulfilment-amazon" = {
      detail_types = ["OrderShipped"]
      detail       = { payload = { channel_kind = [local.fulfilment_pushers["amazon"].channel_kind] } }
      queue_arn    = module.fulfilment_queue["amazon"].queue_arn
    }
    "catalog-events" = {
      detail_types = local.catalog_event_types
      queue_arn    = module.catalog_events_queue.queue_arn
    }
    "stock-shopify" = {
      detail_types = ["InventoryChanged"]
      queue_arn    = module.stock_queue["shopify"].queue_arn
    }
    "stock-woocommerce" = {
      detail_types = ["InventoryChanged"]
      queue_arn    = module.stock_queue["woocommerce"].queue_arn
    }
    "stock-amazon" = {
      detail_types = ["InventoryChanged"]
      queue_arn    = module.stock_queue["amazon"].queue_arn
    }
  }
}

# Each channel kind's stock levels, on their way to its pusher.
module "stock_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  for_each                    = local.stock_pushers
  name                        = "${var.prefix}-stock-${each.key}"
  visibility_timeout_seconds  = 90
  max_receive_count           = var.orders_max_receive_count
  allow_eventbridge_rule_arns = var.eventbridge_queue_policy ? [module.event_bus.queue_rule_arns["stock-${each.key}"]] : []
}

locals {
  catalog_event_types    = ["InventoryChanged", "PriceChanged", "CustomerPriceListChanged"]
  fulfilment_event_types = ["ShipmentDispatched", "InvoicePosted", "ReturnReceived"]
  # The partner's documents: 855 on the decision, 856 per shipment, 810 per invoice.
  edi_document_event_types = ["OrderAccepted", "OrderRejected", "OrderShipped", "OrderInvoiced"]
  edi_orders_only = jsonencode({ "$or" = [
    { payload = { channel_kind = ["x12", "edifact"] } },
    { payload = { channel_kind = [{ exists = false }] } },
  ] })
}

# The ERP's shipments, invoices and returns, on their way onto the order records (order-tracker).
module "fulfilment_events_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-fulfilment-events"
  visibility_timeout_seconds  = 30
  max_receive_count           = var.orders_max_receive_count
  allow_eventbridge_rule_arns = var.eventbridge_queue_policy ? [module.event_bus.queue_rule_arns["fulfilment-events"]] : []
}

# Each channel kind's shipped orders, on their way to its fulfilment pusher.
module "fulfilment_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  for_each                    = local.fulfilment_pushers
  name                        = "${var.prefix}-fulfilment-${each.key}"
  visibility_timeout_seconds  = 90
  max_receive_count           = var.orders_max_receive_count
  allow_eventbridge_rule_arns = var.eventbridge_queue_policy ? [module.event_bus.queue_rule_arns["fulfilment-${each.key}"]] : []
}

# The ERP's stock and prices, on their way into the projections (catalog-projector).
module "catalog_events_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-catalog-events"
  visibility_timeout_seconds  = 30
  max_receive_count           = 5
  allow_eventbridge_rule_arns = var.eventbridge_queue_policy ? [module.event_bus.queue_rule_arns["catalog-events"]] : []
}

# Amazon delivers SP-API notifications here (a subscription's SQS destination).
module "amazon_notifications_queue" {
  source                     = "../modules/queue_with_dlq"
  kms_key_arn                = module.data_key.key_arn
  name                       = "${var.prefix}-amazon-notifications"
  visibility_timeout_seconds = 30
  max_receive_count          = var.orders_max_receive_count
}

module "edi_acknowledgements_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-edi-acknowledgements"
  visibility_timeout_seconds  = 30
  max_receive_count           = 5
  allow_eventbridge_rule_arns = var.eventbridge_queue_policy ? [module.event_bus.queue_rule_arns["edi-acknowledgements"]] : []
}

# Signed deliveries that could not be read, kept for an operator (nothing consumes it).
module "quarantine_queue" {
  source                    = "../modules/queue_with_dlq"
  kms_key_arn               = module.data_key.key_arn
  name                      = "${var.prefix}-intake-quarantine"
  message_retention_seconds = 1209600
}

# --- Operators (issue 10): the dlq-redrive function and flow monitoring ----------------------
# Kept apart from the other functions: the runner config merges these in (outputs.tf).

locals {
  # Played by the runner, invoked through its Lambda Invoke API (`switchyard dlq redrive
  # --in-aws`); the same settings as infra/aws.
  operator_functions = {
    "dlq-redrive" = {
      binary          = "dlq-redrive"
      timeout_seconds = 300
      memory_mb       = 256
      concurrency     = 1
    }
  }
  operator_environment = {
    "dlq-redrive" = {
      SWITCHYARD_OPS_TABLE = module.tables.ops_table_name
      SWITCHYARD_PREFIX    = var.prefix
    }
  }

  # Every source queue with its DLQ, for the dashboard and the alarms.
  monitored_queues = merge(
    {
      "orders"               = module.orders_queue
      "order-events"         = module.order_events_queue
      "fulfilment-events"    = module.fulfilment_events_queue
      "catalog-events"       = module.catalog_events_queue
      "amazon-notifications" = module.amazon_notifications_queue
      "edi-acknowledgements" = module.edi_acknowledgements_queue
      "intake-quarantine"    = module.quarantine_queue
    },
    { for kind, q in module.stock_queue : "stock-${kind}" => q },
    { for kind, q in module.fulfilment_queue : "fulfilment-${kind}" => q },
  )
}

# moto holds SNS, CloudWatch alarms and dashboards, so the monitoring is applied (and checked)
# locally too; nothing evaluates the alarms here.
module "monitoring" {
  source = "../modules/monitoring"
  prefix = var.prefix
  region = local.region
  queues = { for name, q in local.monitored_queues : name => { queue_name = q.queue_name, dlq_name = q.dlq_name } }

  kms_key_arn = module.data_key.key_arn
}

# ---------------------------------------------------------------------------------------------
# Ops API (issue 10, item 6): the operators' read-only view, `GET /ops` (the page) and
# `GET /ops/*` (JSON). Kept in this one block (and its two merges in runner_config). The runner
# has no IAM authorizer, so here the function itself requires `Authorization: Bearer
# <ops_token>` (scripts/stack.sh makes one per stack); on AWS the routes are IAM-authorised.
# ---------------------------------------------------------------------------------------------
variable "ops_token" {
  description = "The operator token the ops API requires locally (empty: none required)."
  type        = string
  default     = ""
  sensitive   = true
}

locals {
  ops_api_functions = {
    "ops-api" = {
      binary          = "ops-api"
      timeout_seconds = 15
      memory_mb       = 256
      concurrency     = 2
    }
  }
  ops_api_environment = {
    "ops-api" = {
      SWITCHYARD_ORDERS_TABLE   = module.tables.orders_table_name
      SWITCHYARD_CHANNELS_TABLE = module.tables.channels_table_name
      SWITCHYARD_CATALOG_TABLE  = module.tables.catalog_table_name
      SWITCHYARD_OPS_TABLE      = module.tables.ops_table_name
      SWITCHYARD_PREFIX         = var.prefix
      SWITCHYARD_OPS_TOKEN      = var.ops_token
    }
  }
  ops_api_routes = [
    for path in ["/ops", "/ops/health", "/ops/orders", "/ops/queues", "/ops/dlqs", "/ops/failures", "/ops/inventory"] :
    { route_key = "GET ${path}", function = "ops-api" }
  ]
}
# ---------------------------- end of the ops API block ----------------------------------------
