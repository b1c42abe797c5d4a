"""The scored-findings report: GuardDuty findings joined to their IP Insights scores, a threshold
calibrated on normal (training) pairs, detection quality against ground truth where it exists, and
the files a security analyst reads (CSV, JSON, a histogram and one HTML page)."""
