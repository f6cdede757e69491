# Consumers (event source mappings, rule targets) wired from these outputs start only
# after the DLQ is attached, so no message is ever received without a redrive policy.
output "queue_url" {
  value      = aws_sqs_queue.this.id
  depends_on = [aws_sqs_queue_redrive_policy.this]
}

output "queue_arn" {
  value      = aws_sqs_queue.this.arn
  depends_on = [aws_sqs_queue_redrive_policy.this]
}

output "queue_name" {
  value = aws_sqs_queue.this.name
}

output "dlq_url" {
  value = aws_sqs_queue.dlq.id
}

output "dlq_arn" {
  value = aws_sqs_queue.dlq.arn
}

output "dlq_name" {
  value = aws_sqs_queue.dlq.name
}

output "max_receive_count" {
  value = var.max_receive_count
}
