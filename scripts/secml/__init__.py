"""secml: find GuardDuty findings whose IP is unusual for their IAM principal."""

__version__ = "0.1.0"
