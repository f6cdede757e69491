output "idempotency_table_name" {
  value = aws_dynamodb_table.this["idempotency"].name
}

output "idempotency_table_arn" {
  value = aws_dynamodb_table.this["idempotency"].arn
}

output "orders_table_name" {
  value = aws_dynamodb_table.this["orders"].name
}

output "orders_table_arn" {
  value = aws_dynamodb_table.this["orders"].arn
}

output "channels_table_name" {
  value = aws_dynamodb_table.this["channels"].name
}

output "channels_table_arn" {
  value = aws_dynamodb_table.this["channels"].arn
}

output "edi_table_name" {
  value = aws_dynamodb_table.this["edi"].name
}

output "edi_table_arn" {
  value = aws_dynamodb_table.this["edi"].arn
}

output "catalog_table_name" {
  value = aws_dynamodb_table.this["catalog"].name
}

output "catalog_table_arn" {
  value = aws_dynamodb_table.this["catalog"].arn
}

output "ops_table_name" {
  value = aws_dynamodb_table.this["ops"].name
}

output "ops_table_arn" {
  value = aws_dynamodb_table.this["ops"].arn
}
