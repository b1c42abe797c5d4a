output "tuples_bucket_name" {
  description = "Bucket of the training and scoring tuples, models and scores, encrypted with kms_key_arn."
  value       = module.secml.tuples_bucket_name
}

output "tuples_kms_key_arn" {
  description = "The key everything is encrypted with: kms_key_arn, passed through."
  value       = module.secml.tuples_kms_key_arn
}

output "notebook_instance_name" {
  description = "SageMaker notebook instance, in notebook_subnet_id without direct internet access."
  value       = module.secml.notebook_instance_name
}

output "role_arns" {
  description = "Roles that use kms_key_arn through IAM: the notebook (and the SageMaker jobs it starts) and the two ingest functions."
  value = {
    notebook          = module.secml.notebook_role_arn
    cloudtrail_ingest = module.secml.cloudtrail_ingest_role_arn
    guardduty_ingest  = module.secml.guardduty_ingest_role_arn
  }
}
