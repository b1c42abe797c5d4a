"""The ingest Lambdas' parsing code (lambda_src/secml_ingest) run by the driver over local files, folders or S3 prefixes."""
