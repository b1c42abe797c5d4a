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
