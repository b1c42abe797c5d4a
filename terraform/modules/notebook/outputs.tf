output "instance_name" {
  description = "Name of the notebook instance."
  value       = aws_sagemaker_notebook_instance.workshop.name
}

output "url" {
  description = "URL of the notebook instance's Jupyter."
  value       = aws_sagemaker_notebook_instance.workshop.url
}

output "role_arn" {
  description = "Execution role of the notebook instance and of the SageMaker jobs and endpoints it starts."
  value       = aws_iam_role.notebook.arn
}

output "lifecycle_config_name" {
  description = "Lifecycle configuration that installs the workshop on start."
  value       = aws_sagemaker_notebook_instance_lifecycle_configuration.workshop.name
}
