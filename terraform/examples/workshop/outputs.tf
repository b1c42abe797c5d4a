output "tuples_bucket_name" {
  description = "Bucket of the training and scoring tuples, models and scores."
  value       = module.secml.tuples_bucket_name
}

output "cloudtrail_ingest_function_name" {
  description = "Lambda function that turns CloudTrail logs into training tuples (workshop exercise 2.1)."
  value       = module.secml.cloudtrail_ingest_function_name
}

output "guardduty_ingest_function_name" {
  description = "Lambda function that turns GuardDuty findings into scoring tuples (workshop exercises 1.2 and 2.2)."
  value       = module.secml.guardduty_ingest_function_name
}

output "guardduty_detector_id" {
  description = "The GuardDuty detector this stack created."
  value       = module.secml.guardduty_detector_id
}

output "notebook_instance_name" {
  description = "SageMaker notebook instance with the workshop notebook installed."
  value       = module.secml.notebook_instance_name
}

output "notebook_url" {
  description = "URL of the notebook instance's Jupyter."
  value       = module.secml.notebook_url
}
