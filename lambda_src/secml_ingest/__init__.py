"""Parsing rules shared by the ingest Lambdas and the `secml` driver: one copy of each rule."""
