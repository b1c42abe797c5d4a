output "cloudtrail" {
  description = "The CloudTrail ingest: function_name, function_arn, role_arn, log_group_name."
  value = {
    function_name  = aws_lambda_function.ingest["cloudtrail"].function_name
    function_arn   = aws_lambda_function.ingest["cloudtrail"].arn
    role_arn       = aws_iam_role.ingest["cloudtrail"].arn
    log_group_name = aws_cloudwatch_log_group.ingest["cloudtrail"].name
  }
}

output "guardduty" {
  description = "The GuardDuty ingest: function_name, function_arn, role_arn, log_group_name."
  value = {
    function_name  = aws_lambda_function.ingest["guardduty"].function_name
    function_arn   = aws_lambda_function.ingest["guardduty"].arn
    role_arn       = aws_iam_role.ingest["guardduty"].arn
    log_group_name = aws_cloudwatch_log_group.ingest["guardduty"].name
  }
}
