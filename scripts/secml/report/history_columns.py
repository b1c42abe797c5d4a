"""The history columns of findings.csv and the HTML table (empty without `--history`), one place
for their names and formatting so the two files agree."""

from __future__ import annotations

from secml.report.join import ScoredFinding
from secml.report.untrusted import spreadsheet_cell

NAMES = (
    "unusualness",
    "longest_prefix",
    "seen_8",
    "seen_16",
    "seen_24",
    "seen_32",
    "last_used",
    "principal_events",
    "new_to_account",
    "usual_networks",
    "reason",
)


def _number(value: int | float | None, digits: int | None = None) -> str:
    if value is None:
        return ""
    return f"{value:.{digits}f}" if digits is not None else str(value)


def cells(finding: ScoredFinding) -> tuple[str, ...]:
    """The history cells of one row, as text; the reason quotes the IP and networks, never a
    field from the logs other than the IP, but is still neutralised for spreadsheets."""
    new = "" if finding.new_to_account is None else str(finding.new_to_account).lower()
    return (
        _number(finding.unusualness, 4),
        _number(finding.longest_prefix),
        _number(finding.seen_8),
        _number(finding.seen_16),
        _number(finding.seen_24),
        _number(finding.seen_32),
        finding.last_used or "",
        _number(finding.principal_events),
        new,
        finding.usual_networks or "",
        spreadsheet_cell(finding.reason or ""),
    )
