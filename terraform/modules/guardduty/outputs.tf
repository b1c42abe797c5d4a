output "detector_id" {
  description = "ID of the detector, created or reused."
  value       = local.detector_id
}

output "detector_created" {
  description = "True when this stack owns the detector (and destroys it); false when it reuses one."
  value       = var.create_detector
}
