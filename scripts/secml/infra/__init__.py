"""Infrastructure: the Terraform stack and its runner, reproducible build artefacts, lint, and running the deployed Lambda code."""
