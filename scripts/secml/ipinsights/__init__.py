"""IP Insights: one interface, two backends (the local engine and SageMaker's built-in algorithm)."""
