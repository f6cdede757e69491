# A customer-managed KMS key with yearly rotation and an explicit key policy (decision 0022).
data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "this" {
  # The key policy AWS requires: without it the account's IAM policies cannot grant the key at
  # all and the key becomes unmanageable. The account root (IAM) administers the key; who may use
  # it is then decided by each role's IAM policy (the functions' roles name their kms actions).
  #checkov:skip=CKV_AWS_109:The account-root statement of a key policy is what AWS requires so that IAM can manage the key; "*" is this key only.
  #checkov:skip=CKV_AWS_111:As above: a key policy's "*" resource is the key itself, and only the account root holds kms:*.
  #checkov:skip=CKV_AWS_356:As above: in a key policy "*" means this key, not every resource.
  statement {
    sid       = "AccountRootAdministers"
    effect    = "Allow"
    actions   = ["kms:*"] # wildcard-ok: the key policy AWS requires for the account root (IAM), see above
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  dynamic "statement" {
    for_each = var.service_statements
    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = ["*"] # in a key policy: this key
      principals {
        type        = statement.value.type
        identifiers = statement.value.principals
      }
      dynamic "condition" {
        for_each = statement.value.conditions
        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.this.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
