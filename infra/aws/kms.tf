# Customer-managed KMS keys (decision 0022). Two keys, so the broad grant CloudWatch Logs needs
# never reaches the data:
#   data  SQS queues and DLQs, DynamoDB tables, the alarm topic, the functions' environments
#   logs  the functions' and the HTTP API's log groups
# Each has yearly rotation; its key policy gives the account root kms:* (what AWS requires so IAM
# can manage the key) and every other principal an explicit list of actions.

module "data_key" {
  source      = "../modules/kms_key"
  name        = "${var.prefix}-data"
  description = "Switchyard ${var.prefix}: queues, tables, the alarm topic and function environments."

  service_statements = [
    {
      # Rules deliver events into the encrypted queues.
      sid        = "EventBridgeToQueues"
      type       = "Service"
      principals = ["events.amazonaws.com"]
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [data.aws_caller_identity.current.account_id] }]
    },
    {
      # Alarms publish to the encrypted alarm topic.
      sid        = "CloudWatchAlarmsToTopic"
      type       = "Service"
      principals = ["cloudwatch.amazonaws.com"]
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      conditions = [{ test = "StringEquals", variable = "aws:SourceAccount", values = [data.aws_caller_identity.current.account_id] }]
    },
    {
      # SP-API sends ORDER_CHANGE notifications from Amazon's account into the (encrypted)
      # amazon-notifications queue; only through SQS.
      sid        = "AmazonNotificationsToQueue"
      type       = "AWS"
      principals = ["arn:${data.aws_partition.current.partition}:iam::437568002678:root"]
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      conditions = [{ test = "StringEquals", variable = "kms:ViaService", values = ["sqs.${data.aws_region.current.name}.amazonaws.com"] }]
    },
  ]
}

module "logs_key" {
  source      = "../modules/kms_key"
  name        = "${var.prefix}-logs"
  description = "Switchyard ${var.prefix}: CloudWatch log groups."

  service_statements = [
    {
      # CloudWatch Logs encrypts and reads this account's log groups, and only those.
      sid        = "CloudWatchLogs"
      type       = "Service"
      principals = ["logs.${data.aws_region.current.name}.amazonaws.com"]
      actions    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
      conditions = [{
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:logs:arn"
        values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:*"]
      }]
    },
  ]
}
