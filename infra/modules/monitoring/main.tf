# Flow health (issue 10): one topic for every alarm, a dashboard of the functions' EMF metrics
# and every queue, and the alarms an operator must hear about.
#
# The per-channel metrics (OrdersReceived/Accepted/Rejected, InventoryLag, PushFailures) carry a
# `channel` dimension whose values are the channels added at run time, so the dashboard finds
# them with SEARCH. Alarms cannot use SEARCH: the error-rate and latency alarms read the
# dimensionless aggregate (EMF dimension set []), and the inventory-lag alarm, a single series,
# is a Metrics Insights query over every channel.

locals {
  per_channel = ["OrdersReceived", "OrdersAccepted", "OrdersRejected", "PushFailures"]
  totals      = ["Retries", "DlqArrivals", "IdempotentReplays", "SignatureFailures"]

  search = { for m in concat(local.per_channel, ["InventoryLag"]) : m =>
    "SEARCH('{${var.namespace},channel} MetricName=\"${m}\"', '${m == "InventoryLag" ? "Maximum" : "Sum"}', 300)"
  }

  metric_widgets = concat(
    [for i, m in local.per_channel : {
      type   = "metric"
      x      = (i % 2) * 12
      y      = floor(i / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = "${m} per channel"
        region  = var.region
        view    = "timeSeries"
        stacked = false
        metrics = [[{ expression = local.search[m], id = "e${i}", label = "" }]]
      }
    }],
    [{
      type   = "metric"
      x      = 0
      y      = 12
      width  = 12
      height = 6
      properties = {
        title   = "InventoryLag per channel (ms, max)"
        region  = var.region
        view    = "timeSeries"
        stacked = false
        metrics = [[{ expression = local.search["InventoryLag"], id = "lag", label = "" }]]
      }
      }, {
      type   = "metric"
      x      = 12
      y      = 12
      width  = 12
      height = 6
      properties = {
        title  = "ErpPostingLatency (ms)"
        region = var.region
        view   = "timeSeries"
        metrics = [
          [var.namespace, "ErpPostingLatency", { stat = "p50", label = "p50" }],
          ["...", { stat = "p99", label = "p99" }],
        ]
      }
      }, {
      type   = "metric"
      x      = 0
      y      = 18
      width  = 24
      height = 6
      properties = {
        title   = "Retries, DLQ arrivals, idempotent replays, signature failures"
        region  = var.region
        view    = "timeSeries"
        stacked = false
        metrics = [for m in local.totals : [var.namespace, m, { stat = "Sum" }]]
      }
    }],
  )

  queue_widgets = [
    for i, w in [
      { title = "Queue depth (visible)", metric = "ApproximateNumberOfMessagesVisible" },
      { title = "Oldest message age (s)", metric = "ApproximateAgeOfOldestMessage" },
      ] : {
      type   = "metric"
      x      = i * 12
      y      = 24
      width  = 12
      height = 8
      properties = {
        title   = w.title
        region  = var.region
        view    = "timeSeries"
        stacked = false
        metrics = flatten([
          for q in values(var.queues) : [
            ["AWS/SQS", w.metric, "QueueName", q.queue_name, { stat = "Maximum" }],
            ["AWS/SQS", w.metric, "QueueName", q.dlq_name, { stat = "Maximum" }],
          ]
        ])
      }
    }
  ]
}

# Encrypted with the data key, whose policy lets CloudWatch alarms publish (Decrypt, GenerateDataKey).
resource "aws_sns_topic" "alarms" {
  name              = "${var.prefix}-alarms"
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = "${var.prefix}-flows"
  dashboard_body = jsonencode({ widgets = concat(local.metric_widgets, local.queue_widgets) })
}

resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  for_each            = var.queue_alarms ? var.queues : {}
  alarm_name          = "${each.value.dlq_name}-not-empty"
  alarm_description   = "Messages in ${each.value.dlq_name}: investigate (switchyard dlq show), fix, then redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value.dlq_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  for_each            = var.queue_alarms ? var.queues : {}
  alarm_name          = "${each.value.queue_name}-oldest-message-age"
  alarm_description   = "Oldest message in ${each.value.queue_name} is older than ${var.oldest_message_age_threshold_seconds}s: its consumer is stuck or too slow."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value.queue_name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = var.oldest_message_age_threshold_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# Rejections and retries against what came in: the ERP refusing or failing work.
resource "aws_cloudwatch_metric_alarm" "erp_error_rate" {
  alarm_name          = "${var.prefix}-erp-error-rate"
  alarm_description   = "(OrdersRejected + Retries) / OrdersReceived above ${var.erp_error_rate_threshold_percent}% for 15 minutes: the ERP is refusing or failing orders."
  evaluation_periods  = 3
  threshold           = var.erp_error_rate_threshold_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags

  metric_query {
    id          = "rate"
    expression  = "IF(received > 0, 100 * (FILL(rejected, 0) + FILL(retries, 0)) / received, 0)"
    label       = "ERP error rate (%)"
    return_data = true
  }
  dynamic "metric_query" {
    for_each = { received = "OrdersReceived", rejected = "OrdersRejected", retries = "Retries" }
    content {
      id = metric_query.key
      metric {
        namespace   = var.namespace
        metric_name = metric_query.value
        period      = 300
        stat        = "Sum"
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "erp_latency_p99" {
  alarm_name          = "${var.prefix}-erp-latency-p99"
  alarm_description   = "p99 ERP posting latency above ${var.erp_latency_p99_threshold_ms} ms for 15 minutes."
  namespace           = var.namespace
  metric_name         = "ErpPostingLatency"
  extended_statistic  = "p99"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.erp_latency_p99_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# The worst channel's lag: one Metrics Insights series over every channel (alarms cannot SEARCH).
resource "aws_cloudwatch_metric_alarm" "inventory_lag" {
  alarm_name          = "${var.prefix}-inventory-lag"
  alarm_description   = "A channel's stock is more than ${var.inventory_lag_threshold_ms} ms behind the ERP for 15 minutes."
  evaluation_periods  = 3
  threshold           = var.inventory_lag_threshold_ms
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags

  metric_query {
    id          = "lag"
    expression  = "SELECT MAX(InventoryLag) FROM SCHEMA(\"${var.namespace}\", channel)"
    period      = 300
    label       = "InventoryLag, worst channel (ms)"
    return_data = true
  }
}
