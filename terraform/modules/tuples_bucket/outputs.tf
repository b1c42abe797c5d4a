output "bucket_name" {
  description = "Name of the tuples bucket."
  value       = aws_s3_bucket.tuples.id
}

output "bucket_arn" {
  description = "ARN of the tuples bucket."
  value       = aws_s3_bucket.tuples.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the bucket (created here or brought in)."
  value       = local.kms_key_arn
}

output "guardduty_export_grants" {
  description = "IDs of the bucket policy and of the key this module creates (with its policy), which grant GuardDuty's export; a publishing destination must be created after them."
  value       = concat([aws_s3_bucket_policy.tuples.id], aws_kms_key.tuples[*].key_id)
}
