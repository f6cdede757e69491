data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  # One stock pusher per channel kind (reserved concurrency 1: a channel's rate limit is per
  # shop, and a single writer keeps the push state in order).
  stock_pushers = {
    "shopify"     = "stock-push-shopify"
    "woocommerce" = "stock-push-woocommerce"
    "amazon"      = "stock-push-amazon"
  }

  # One fulfilment pusher per channel kind: OrderShipped of that kind's channels (each rule
  # filters on the kind the event names) to one fulfilment per ERP shipment. Its reserved
  # concurrency only caps it (the pushed-shipment record and the channel's own check keep a
  # shipment to one fulfilment); it is the mapping's maximum_concurrency, so never throttled.
  fulfilment_pushers = {
    "shopify"     = { function = "fulfilment-push-shopify", channel_kind = "shopify" }
    "woocommerce" = { function = "fulfilment-push-woocommerce", channel_kind = "woocommerce" }
    "amazon"      = { function = "fulfilment-push-amazon", channel_kind = "amazon-sp-api" }
  }

  # Single source of truth for the functions (the local root mirrors these settings).
  functions = merge(local.base_functions, {
    for kind, name in local.stock_pushers : name => {
      timeout_seconds      = 60
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.stock_pushers
    }
    }, {
    for kind, p in local.fulfilment_pushers : p.function => {
      timeout_seconds      = 60
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.fulfilment_pushers
    }
  })

  base_functions = {
    "orders-api" = {
      timeout_seconds      = 10
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.orders_api
    }
    # Its reserved concurrency is the ERP's cap: the same number as the orders queue's event
    # source mapping's maximum_concurrency (erp_max_concurrency), so the mapping is never
    # throttled and nothing else (a console test, a stray invoke) adds ERP calls beyond it.
    "order-processor" = {
      timeout_seconds      = 30
      memory_mb            = 256
      reserved_concurrency = var.erp_max_concurrency
    }
    "webhooks" = {
      timeout_seconds      = 10
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.webhooks
    }
    "edi-api" = {
      timeout_seconds      = 20
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.edi_api
    }
    "edi-acknowledger" = {
      timeout_seconds      = 20
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.edi_acknowledger
    }
    "amazon-notifications" = {
      timeout_seconds      = 30
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.amazon_notifications
    }
    # One poller at a time: a second would read the same changes again.
    "erp-changes" = {
      timeout_seconds      = 60
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.erp_changes
    }
    # One run at a time: two would queue the same stuck order twice.
    "reconciler" = {
      timeout_seconds      = 120
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.reconciler
    }
    "catalog-projector" = {
      timeout_seconds      = 30
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.catalog_projector
    }
    # One at a time: overlapping runs write no second 846, but would spend control numbers.
    "edi-inventory-advice" = {
      timeout_seconds      = 30
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.edi_inventory_advice
    }
    "order-tracker" = {
      timeout_seconds      = 30
      memory_mb            = 256
      reserved_concurrency = var.reserved_concurrency.order_tracker
    }
  }

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
    SWITCHYARD_RETRY_BASE_SECONDS   = "10"
    SWITCHYARD_RETRY_MAX_SECONDS    = "900"
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
    "reconciler"           = merge(local.common_environment, local.erp_environment)
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
    SWITCHYARD_ERP_URL                = var.erp_url
    SWITCHYARD_ERP_DB                 = var.erp_db
    SWITCHYARD_ERP_USER               = var.erp_user
    SWITCHYARD_ERP_PASSWORD_PARAMETER = var.erp_password_parameter
  }

  # Channel secrets (webhook signing secrets, SP-API credentials) live under this SSM path;
  # `switchyard channels` writes them there.
  channel_secrets_arn = "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:parameter/${var.prefix}/channels/*"

  # What every function that captures orders needs: the intake path.
  intake_statements = [
    {
      sid       = "Idempotency"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"]
      resources = [module.tables.idempotency_table_arn]
    },
    {
      sid       = "Orders"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"]
      resources = [module.tables.orders_table_arn]
    },
    {
      sid       = "Channels"
      actions   = ["dynamodb:GetItem"]
      resources = [module.tables.channels_table_arn]
    },
    {
      # TransactWriteItems is authorised per item action (PutItem/UpdateItem/ConditionCheckItem above).
      sid       = "Transactions"
      actions   = ["dynamodb:TransactWriteItems"]
      resources = [module.tables.idempotency_table_arn, module.tables.orders_table_arn]
    },
    {
      sid       = "OrdersQueue"
      actions   = ["sqs:SendMessage"]
      resources = [module.orders_queue.queue_arn]
    },
  ]
  quarantine_statement = {
    sid       = "Quarantine"
    actions   = ["sqs:SendMessage"]
    resources = [module.quarantine_queue.queue_arn]
  }
  channel_secrets_statement = {
    sid       = "ChannelSecrets"
    actions   = ["ssm:GetParameter"]
    resources = [local.channel_secrets_arn]
  }
  edi_table_statement = {
    sid       = "EdiTable"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    resources = [module.tables.edi_table_arn]
  }

  erp_password_parameter_arn = "arn:${data.aws_partition.current.partition}:ssm:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:parameter/${trimprefix(var.erp_password_parameter, "/")}"

  catalog_read_statement = {
    sid       = "CatalogRead"
    actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem"]
    resources = [module.tables.catalog_table_arn]
  }
  catalog_write_statement = {
    sid       = "CatalogWrite"
    actions   = ["dynamodb:PutItem"]
    resources = [module.tables.catalog_table_arn]
  }
  erp_password_statement = {
    sid       = "ErpPassword"
    actions   = ["ssm:GetParameter"]
    resources = [local.erp_password_parameter_arn]
  }
  # Every queue consumer records its failures and resolves them (switchyard-failures): a
  # read-fold-write conditional on the record's version.
  ops_failures_statement = {
    sid       = "OpsFailures"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    resources = [module.tables.ops_table_arn]
  }
  publish_statement = {
    sid       = "Events"
    actions   = ["events:PutEvents"]
    resources = [module.event_bus.bus_arn]
  }

  pusher_statements = {
    for kind, name in local.stock_pushers : name => [
      local.catalog_read_statement,
      local.catalog_write_statement,
      local.channel_secrets_statement,
      local.ops_failures_statement,
      {
        sid       = "ChannelsList"
        actions   = ["dynamodb:Scan", "dynamodb:GetItem"]
        resources = [module.tables.channels_table_arn]
      },
      {
        sid       = "StockQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources = [module.stock_queue[kind].queue_arn]
      },
    ]
  }

  fulfilment_pusher_statements = {
    for kind, p in local.fulfilment_pushers : p.function => [
      local.catalog_read_statement,
      local.catalog_write_statement,
      local.channel_secrets_statement,
      local.ops_failures_statement,
      {
        sid       = "Channels"
        actions   = ["dynamodb:GetItem"]
        resources = [module.tables.channels_table_arn]
      },
      {
        sid       = "FulfilmentQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources = [module.fulfilment_queue[kind].queue_arn]
      },
    ]
  }

  all_policy_statements = merge(local.policy_statements, local.pusher_statements, local.fulfilment_pusher_statements)

  policy_statements = {
    "edi-inventory-advice" = [
      local.catalog_read_statement,
      local.catalog_write_statement,
      local.edi_table_statement,
      {
        sid       = "ChannelsList"
        actions   = ["dynamodb:Scan", "dynamodb:GetItem"]
        resources = [module.tables.channels_table_arn]
      },
    ]
    "orders-api" = concat(local.intake_statements, [local.catalog_read_statement])
    "order-tracker" = [
      {
        sid       = "Orders"
        actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
        resources = [module.tables.orders_table_arn]
      },
      {
        sid       = "Channels"
        actions   = ["dynamodb:GetItem"]
        resources = [module.tables.channels_table_arn]
      },
      {
        sid       = "FulfilmentEventsQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources = [module.fulfilment_events_queue.queue_arn]
      },
      local.publish_statement,
      local.ops_failures_statement,
    ]
    "erp-changes" = [
      local.catalog_read_statement,
      local.catalog_write_statement,
      local.publish_statement,
      local.erp_password_statement,
      local.ops_failures_statement,
    ]
    "reconciler" = [
      local.catalog_read_statement,
      local.publish_statement,
      local.erp_password_statement,
      local.ops_failures_statement,
      {
        sid       = "OrdersByStatus"
        actions   = ["dynamodb:Query", "dynamodb:GetItem"]
        resources = [module.tables.orders_table_arn, "${module.tables.orders_table_arn}/index/by-status"]
      },
      {
        sid       = "RequeueStuckOrders"
        actions   = ["sqs:SendMessage"]
        resources = [module.orders_queue.queue_arn]
      },
    ]
    "catalog-projector" = [
      local.catalog_read_statement,
      local.catalog_write_statement,
      local.ops_failures_statement,
      {
        sid       = "CatalogEventsQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources = [module.catalog_events_queue.queue_arn]
      },
    ]
    "webhooks" = concat(local.intake_statements, [local.quarantine_statement, local.channel_secrets_statement])
    "edi-api"  = concat(local.intake_statements, [local.quarantine_statement, local.edi_table_statement])
    "edi-acknowledger" = [
      local.edi_table_statement,
      local.ops_failures_statement,
      {
        sid       = "AcknowledgementsQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources = [module.edi_acknowledgements_queue.queue_arn]
      },
    ]
    "amazon-notifications" = concat(local.intake_statements, [
      local.channel_secrets_statement,
      local.ops_failures_statement,
      {
        sid       = "NotificationsQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources = [module.amazon_notifications_queue.queue_arn]
      },
    ])
    "order-processor" = [
      {
        # The posting lease lives on the order item (decision 0026): no idempotency table.
        sid       = "Tables"
        actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
        resources = [module.tables.orders_table_arn]
      },
      {
        sid       = "OrdersQueue"
        actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
        resources = [module.orders_queue.queue_arn]
      },
      local.publish_statement,
      local.erp_password_statement,
      local.ops_failures_statement,
    ]
  }

  kms_statements = var.ssm_kms_key_arn == null ? [] : [{
    sid       = "ErpPasswordKey"
    actions   = ["kms:Decrypt"]
    resources = [var.ssm_kms_key_arn]
  }]
}

module "tables" {
  source              = "../modules/tables"
  prefix              = var.prefix
  kms_key_arn         = module.data_key.key_arn
  deletion_protection = var.table_deletion_protection
}

module "orders_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-orders"
  visibility_timeout_seconds  = 6 * local.functions["order-processor"].timeout_seconds
  max_receive_count           = var.orders_max_receive_count
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

module "order_events_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-order-events"
  max_receive_count           = 5
  allow_eventbridge_rule_arns = [module.event_bus.rule_arn]
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

module "event_bus" {
  source           = "../modules/event_bus"
  prefix           = var.prefix
  target_queue_arn = module.order_events_queue.queue_arn
  queue_rules = {
    "edi-acknowledgements" = {
      # The partner's documents: 855 on the decision, 856 per shipment, 810 per invoice; only
      # for EDI orders (decision 0026), and for records from before channel_kind was kept.
      detail_types = ["OrderAccepted", "OrderRejected", "OrderShipped", "OrderInvoiced"]
      detail_json = jsonencode({ "$or" = [
        { payload = { channel_kind = ["x12", "edifact"] } },
        { payload = { channel_kind = [{ exists = false }] } },
      ] })
      queue_arn = module.edi_acknowledgements_queue.queue_arn
    }
    "fulfilment-events" = {
      detail_types = ["ShipmentDispatched", "InvoicePosted", "ReturnReceived"]
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
      detail_types = ["InventoryChanged", "PriceChanged", "CustomerPriceListChanged"]
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
  visibility_timeout_seconds  = 6 * 60
  max_receive_count           = 10
  allow_eventbridge_rule_arns = [module.event_bus.queue_rule_arns["stock-${each.key}"]]
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

resource "aws_lambda_event_source_mapping" "stock" {
  for_each                           = local.stock_pushers
  event_source_arn                   = module.stock_queue[each.key].queue_arn
  function_name                      = module.function[each.value].function_arn
  batch_size                         = 100
  maximum_batching_window_in_seconds = 5
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 2
  }
}

# The ERP's shipments, invoices and returns, on their way onto the order records.
module "fulfilment_events_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-fulfilment-events"
  visibility_timeout_seconds  = 6 * local.functions["order-tracker"].timeout_seconds
  max_receive_count           = var.orders_max_receive_count
  allow_eventbridge_rule_arns = [module.event_bus.queue_rule_arns["fulfilment-events"]]
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

resource "aws_lambda_event_source_mapping" "fulfilment_events" {
  event_source_arn                   = module.fulfilment_events_queue.queue_arn
  function_name                      = module.function["order-tracker"].function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 2
  }
}

# Each channel kind's shipped orders, on their way to its fulfilment pusher.
module "fulfilment_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  for_each                    = local.fulfilment_pushers
  name                        = "${var.prefix}-fulfilment-${each.key}"
  visibility_timeout_seconds  = 6 * 60
  max_receive_count           = 10
  allow_eventbridge_rule_arns = [module.event_bus.queue_rule_arns["fulfilment-${each.key}"]]
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

resource "aws_lambda_event_source_mapping" "fulfilment" {
  for_each                           = local.fulfilment_pushers
  event_source_arn                   = module.fulfilment_queue[each.key].queue_arn
  function_name                      = module.function[each.value.function].function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 2
  }
}

# The ERP's stock and prices, on their way into the projections (catalog-projector).
module "catalog_events_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-catalog-events"
  visibility_timeout_seconds  = 6 * local.functions["catalog-projector"].timeout_seconds
  max_receive_count           = 5
  allow_eventbridge_rule_arns = [module.event_bus.queue_rule_arns["catalog-events"]]
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

# Scheduled functions (rules on the default bus): erp-changes polls the ERP change feed, since
# Tryton has no outbound webhooks; edi-inventory-advice writes the X12 846s that are due.
locals {
  schedules = {
    "erp-changes"          = { rate = "rate(1 minute)", description = "Polls the ERP change feed (stock moves, price lists) every minute." }
    "edi-inventory-advice" = { rate = "rate(1 minute)", description = "Writes due X12 846 inventory advices into the partners' outboxes." }
    "reconciler"           = { rate = "rate(5 minutes)", description = "Re-queues orders stuck RECEIVED, flags accepted orders without an ERP sale, repairs inventory drift." }
  }
}

resource "aws_cloudwatch_event_rule" "schedule" {
  for_each            = local.schedules
  name                = "${var.prefix}-${each.key}"
  description         = each.value.description
  schedule_expression = each.value.rate
}

resource "aws_cloudwatch_event_target" "schedule" {
  for_each  = local.schedules
  rule      = aws_cloudwatch_event_rule.schedule[each.key].name
  target_id = each.key
  arn       = module.function[each.key].function_arn
}

resource "aws_lambda_permission" "schedule" {
  for_each      = local.schedules
  statement_id  = "AllowSchedule"
  action        = "lambda:InvokeFunction"
  function_name = module.function[each.key].function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.schedule[each.key].arn
}

# Amazon delivers SP-API notifications here: name this queue as the SQS destination of the
# ORDER_CHANGE subscription, and allow Amazon's notification principal to send to it.
module "amazon_notifications_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-amazon-notifications"
  visibility_timeout_seconds  = 6 * local.functions["amazon-notifications"].timeout_seconds
  max_receive_count           = var.orders_max_receive_count
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

module "edi_acknowledgements_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-edi-acknowledgements"
  visibility_timeout_seconds  = 6 * local.functions["edi-acknowledger"].timeout_seconds
  max_receive_count           = 5
  allow_eventbridge_rule_arns = [module.event_bus.queue_rule_arns["edi-acknowledgements"]]
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

# Signed deliveries that could not be read, kept for an operator; its age alarm says one waits.
module "quarantine_queue" {
  source                      = "../modules/queue_with_dlq"
  kms_key_arn                 = module.data_key.key_arn
  name                        = "${var.prefix}-intake-quarantine"
  message_retention_seconds   = 1209600
  create_redrive_allow_policy = true
  create_alarms               = true
  alarm_actions               = local.queue_alarm_actions
}

module "function" {
  source   = "../modules/function"
  for_each = local.functions

  name                 = "${var.prefix}-${each.key}"
  zip_path             = "${startswith(var.lambda_build_dir, "/") ? var.lambda_build_dir : "${path.module}/${var.lambda_build_dir}"}/${each.key}/bootstrap.zip"
  memory_mb            = each.value.memory_mb
  timeout_seconds      = each.value.timeout_seconds
  reserved_concurrency = each.value.reserved_concurrency
  environment          = local.all_environment[each.key]
  log_retention_days   = var.log_retention_days
  kms_key_arn          = module.data_key.key_arn
  log_kms_key_arn      = module.logs_key.key_arn
  policy_statements    = concat(local.all_policy_statements[each.key], contains(["order-processor", "erp-changes", "reconciler"], each.key) ? local.kms_statements : [])
}

module "http_api" {
  source = "../modules/http_api"
  name   = var.prefix

  # The ops API's routes (IAM-authorised) are in their own block below.
  routes = merge(local.ops_api_routes, {
    "GET /v1/openapi.json" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "POST /v1/orders" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "GET /v1/orders/{id}" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "GET /v1/orders/{id}/shipments" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "POST /v1/orders/{id}/returns" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "GET /v1/returns/{id}" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "GET /v1/orders" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "POST /v1/orders/validate" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "GET /v1/inventory" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "GET /v1/prices" = {
      function_name = module.function["orders-api"].function_name
      invoke_arn    = module.function["orders-api"].invoke_arn
    }
    "POST /v1/webhooks/{channel}" = {
      function_name = module.function["webhooks"].function_name
      invoke_arn    = module.function["webhooks"].invoke_arn
    }
    "POST /v1/edi/x12" = {
      function_name = module.function["edi-api"].function_name
      invoke_arn    = module.function["edi-api"].invoke_arn
    }
    "POST /v1/edi/edifact" = {
      function_name = module.function["edi-api"].function_name
      invoke_arn    = module.function["edi-api"].invoke_arn
    }
    "GET /v1/edi/outbox" = {
      function_name = module.function["edi-api"].function_name
      invoke_arn    = module.function["edi-api"].invoke_arn
    }
    "GET /v1/edi/outbox/{id}" = {
      function_name = module.function["edi-api"].function_name
      invoke_arn    = module.function["edi-api"].invoke_arn
    }
    "DELETE /v1/edi/outbox/{id}" = {
      function_name = module.function["edi-api"].function_name
      invoke_arn    = module.function["edi-api"].invoke_arn
    }
  })

  throttling_burst_limit = var.api_throttling_burst_limit
  throttling_rate_limit  = var.api_throttling_rate_limit
  log_kms_key_arn        = module.logs_key.key_arn
  log_retention_days     = var.log_retention_days
}

resource "aws_lambda_event_source_mapping" "orders" {
  event_source_arn                   = module.orders_queue.queue_arn
  function_name                      = module.function["order-processor"].function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.erp_max_concurrency
  }
}

resource "aws_lambda_event_source_mapping" "amazon_notifications" {
  event_source_arn                   = module.amazon_notifications_queue.queue_arn
  function_name                      = module.function["amazon-notifications"].function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    # SP-API's getOrder allows 0.5 requests per second per seller: more pollers only wait.
    maximum_concurrency = 2
  }
}

resource "aws_lambda_event_source_mapping" "catalog_events" {
  event_source_arn                   = module.catalog_events_queue.queue_arn
  function_name                      = module.function["catalog-projector"].function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 2
  }
}

resource "aws_lambda_event_source_mapping" "edi_acknowledgements" {
  event_source_arn                   = module.edi_acknowledgements_queue.queue_arn
  function_name                      = module.function["edi-acknowledger"].function_arn
  batch_size                         = 10
  maximum_batching_window_in_seconds = 1
  function_response_types            = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = 2
  }
}

# SP-API delivers notifications from Amazon's own account: its notification principal must be
# allowed to send to the queue (Amazon documents this account id for every region).
data "aws_iam_policy_document" "amazon_notifications" {
  statement {
    sid       = "AmazonSellingPartnerNotifications"
    actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes"]
    resources = [module.amazon_notifications_queue.queue_arn]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::437568002678:root"]
    }
  }
}

resource "aws_sqs_queue_policy" "amazon_notifications" {
  queue_url = module.amazon_notifications_queue.queue_url
  policy    = data.aws_iam_policy_document.amazon_notifications.json
}

# --- Operators (issue 10): the dlq-redrive function and flow monitoring ----------------------
# Kept apart from the flows' functions above.

locals {
  # Every source queue with its DLQ: the redrive function's reach, the dashboard, the alarms.
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

  # The queues' own alarms (queue_with_dlq: DLQ not empty, oldest message age) notify the
  # monitoring topic as well as any actions given.
  queue_alarm_actions = concat(var.alarm_actions, [module.monitoring.alarm_topic_arn])

  # Least privilege: read, release and delete on the DLQs; send (and read attributes) on their
  # sources; the ops table's failure records and audit entries. The CLI resolves queue names
  # to URLs with the operator's own credentials; sqs:ListQueues (only to find a DLQ's source
  # when the request gives none) has no resource-level permission, hence "*".
  dlq_redrive_statements = [
    {
      sid       = "DlqRead"
      actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
      resources = [for q in values(local.monitored_queues) : q.dlq_arn]
    },
    {
      sid       = "SourceSend"
      actions   = ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
      resources = [for q in values(local.monitored_queues) : q.queue_arn]
    },
    {
      sid       = "FindSource"
      actions   = ["sqs:ListQueues"]
      resources = ["*"]
    },
    {
      sid       = "OpsTable"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]
      resources = [module.tables.ops_table_arn]
    },
  ]
}

# `switchyard dlq redrive … --in-aws` invokes it synchronously (lambda:InvokeFunction on this
# function is the operator's permission, granted outside this root). Reserved concurrency 1:
# two redrives of one DLQ at once would only race each other.
module "dlq_redrive" {
  source = "../modules/function"

  name                 = "${var.prefix}-dlq-redrive"
  zip_path             = "${startswith(var.lambda_build_dir, "/") ? var.lambda_build_dir : "${path.module}/${var.lambda_build_dir}"}/dlq-redrive/bootstrap.zip"
  memory_mb            = 256
  timeout_seconds      = 900
  reserved_concurrency = var.reserved_concurrency.dlq_redrive
  kms_key_arn          = module.data_key.key_arn
  log_kms_key_arn      = module.logs_key.key_arn
  environment = {
    SWITCHYARD_OPS_TABLE = module.tables.ops_table_name
    SWITCHYARD_PREFIX    = var.prefix
  }
  log_retention_days = var.log_retention_days
  policy_statements  = local.dlq_redrive_statements
}

module "monitoring" {
  source = "../modules/monitoring"

  prefix      = var.prefix
  region      = data.aws_region.current.name
  alarm_email = var.alarm_email
  kms_key_arn = module.data_key.key_arn
  queues      = { for name, q in local.monitored_queues : name => { queue_name = q.queue_name, dlq_name = q.dlq_name } }
  # queue_with_dlq creates the DLQ and oldest-age alarms (create_alarms) with this topic.
  queue_alarms = false
}

# ---------------------------------------------------------------------------------------------
# Ops API (issue 10, item 6): the operators' read-only view of every flow, `GET /ops/*`.
# Kept in this one block. Its routes are IAM-authorised (SigV4, execute-api:Invoke), so only
# principals an administrator grants `execute-api:Invoke` on `<api>/*/GET/ops*` can read it.
# Read-only by construction: SQS peeks (ReceiveMessage with visibility 0, released by
# ChangeMessageVisibility 0) and DynamoDB reads; no Delete, Send or Put anywhere.
# ---------------------------------------------------------------------------------------------
locals {
  ops_api_paths = ["/ops", "/ops/health", "/ops/orders", "/ops/queues", "/ops/dlqs", "/ops/failures", "/ops/inventory"]
  ops_api_routes = {
    for path in local.ops_api_paths : "GET ${path}" => {
      function_name      = module.ops_api.function_name
      invoke_arn         = module.ops_api.invoke_arn
      authorization_type = "AWS_IAM"
    }
  }
  ops_api_queue_arn_prefix = "arn:${data.aws_partition.current.partition}:sqs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:${var.prefix}-"
}

module "ops_api" {
  source = "../modules/function"

  name                 = "${var.prefix}-ops-api"
  zip_path             = "${startswith(var.lambda_build_dir, "/") ? var.lambda_build_dir : "${path.module}/${var.lambda_build_dir}"}/ops-api/bootstrap.zip"
  memory_mb            = 256
  timeout_seconds      = 15
  reserved_concurrency = var.reserved_concurrency.ops_api
  kms_key_arn          = module.data_key.key_arn
  log_kms_key_arn      = module.logs_key.key_arn
  environment = {
    SWITCHYARD_ORDERS_TABLE   = module.tables.orders_table_name
    SWITCHYARD_CHANNELS_TABLE = module.tables.channels_table_name
    SWITCHYARD_CATALOG_TABLE  = module.tables.catalog_table_name
    SWITCHYARD_OPS_TABLE      = module.tables.ops_table_name
    SWITCHYARD_PREFIX         = var.prefix
  }
  log_retention_days = var.log_retention_days
  policy_statements = [
    {
      # ListQueues cannot be scoped to queues: it is account-wide by AWS's design.
      sid       = "ListQueues"
      actions   = ["sqs:ListQueues"]
      resources = ["*"]
    },
    {
      sid       = "QueuesRead"
      actions   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:ChangeMessageVisibility"]
      resources = ["${local.ops_api_queue_arn_prefix}*"]
    },
    {
      sid       = "OrdersRead"
      actions   = ["dynamodb:Scan", "dynamodb:GetItem"]
      resources = [module.tables.orders_table_arn]
    },
    {
      sid       = "OpsRead"
      actions   = ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"]
      resources = [module.tables.ops_table_arn, "${module.tables.ops_table_arn}/index/*"]
    },
    {
      sid       = "CatalogRead"
      actions   = ["dynamodb:GetItem", "dynamodb:BatchGetItem"]
      resources = [module.tables.catalog_table_arn]
    },
    {
      sid       = "ChannelsRead"
      actions   = ["dynamodb:Scan", "dynamodb:GetItem"]
      resources = [module.tables.channels_table_arn]
    },
  ]
}

output "ops_api_url" {
  description = "The ops API and page (IAM-authorised: sign requests with SigV4, e.g. `awscurl --service execute-api`)."
  value       = "${module.http_api.api_endpoint}/ops"
}
# ---------------------------- end of the ops API block ----------------------------------------
