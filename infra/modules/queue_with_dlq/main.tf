resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name}-dlq"
  message_retention_seconds         = var.dlq_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_data_key_reuse_period_seconds
  tags                              = var.tags

  # Owned by aws_sqs_queue_redrive_allow_policy (AWS only).
  lifecycle {
    ignore_changes = [redrive_allow_policy]
  }
}

resource "aws_sqs_queue" "this" {
  name                              = var.name
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_data_key_reuse_period_seconds
  tags                              = var.tags

  # The redrive policy is owned by aws_sqs_queue_redrive_policy below. An inline
  # redrive_policy drifts on every plan against moto (whitespace differences).
  lifecycle {
    ignore_changes = [redrive_policy]
  }
}

resource "aws_sqs_queue_redrive_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

# Only this queue may use the DLQ. Hangs forever against moto, so AWS only.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  count     = var.create_redrive_allow_policy ? 1 : 0
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

data "aws_iam_policy_document" "eventbridge" {
  count = length(var.allow_eventbridge_rule_arns) > 0 ? 1 : 0

  statement {
    sid       = "AllowEventBridgeRules"
    effect    = "Allow"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.this.arn]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = var.allow_eventbridge_rule_arns
    }
  }
}

resource "aws_sqs_queue_policy" "eventbridge" {
  count     = length(var.allow_eventbridge_rule_arns) > 0 ? 1 : 0
  queue_url = aws_sqs_queue.this.id
  policy    = data.aws_iam_policy_document.eventbridge[0].json

  # moto: SetQueueAttributes without Policy (as the redrive policy resource sends)
  # wipes the queue policy, so the policy must be written after the redrive policy.
  depends_on = [aws_sqs_queue_redrive_policy.this]
}

resource "aws_cloudwatch_metric_alarm" "dlq_not_empty" {
  count               = var.create_alarms ? 1 : 0
  alarm_name          = "${aws_sqs_queue.dlq.name}-not-empty"
  alarm_description   = "Messages in ${aws_sqs_queue.dlq.name}: investigate, fix, then redrive."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "oldest_message_age" {
  count               = var.create_alarms ? 1 : 0
  alarm_name          = "${aws_sqs_queue.this.name}-oldest-message-age"
  alarm_description   = "Oldest message in ${aws_sqs_queue.this.name} is older than ${var.oldest_message_age_threshold_seconds}s: the consumer is stuck or too slow."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.this.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = var.oldest_message_age_threshold_seconds
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
