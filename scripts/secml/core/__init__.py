"""Basics every layer may use: where AWS calls go (target), local-or-S3 storage, the project checkout's folders, and the error hierarchy."""
