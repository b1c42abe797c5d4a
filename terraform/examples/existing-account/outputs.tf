output "guardduty_detector_id" {
  description = "The account's existing GuardDuty detector, which the stack reuses and never deletes."
  value       = module.secml.guardduty_detector_id
}

output "cloudtrail_input" {
  description = "Where the CloudTrail ingest reads: {bucket, prefix} in the organisation trail."
  value       = module.secml.cloudtrail_input
}

output "ingest_role_arns" {
  description = "Roles of the CloudTrail and GuardDuty ingest functions: the trail bucket's policy and the trail key's policy must let these read and decrypt."
  value = {
    cloudtrail = module.secml.cloudtrail_ingest_role_arn
    guardduty  = module.secml.guardduty_ingest_role_arn
  }
}

output "tuples_bucket_name" {
  description = "Bucket of the training and scoring tuples, models and scores."
  value       = module.secml.tuples_bucket_name
}

output "notebook_instance_name" {
  description = "SageMaker notebook instance, in notebook_subnet_id without direct internet access."
  value       = module.secml.notebook_instance_name
}
