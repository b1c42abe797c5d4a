"""Offline stand-ins for the workshop's data: a labelled CloudTrail + GuardDuty corpus of one
simulated account, GuardDuty sample findings, and the IP Insights tutorial's corpus."""
