"""What the terminal shows after a report: how the threshold was chosen, quality, verdict counts
and the most unusual findings; the full table is in the files, not on the screen."""

from __future__ import annotations

from collections.abc import Sequence

from secml.report.compose import Report
from secml.report.join import ScoredFinding
from secml.report.untrusted import terminal_text

TOP_FINDINGS = 10


def finding_line(finding: ScoredFinding) -> str:
    """One finding on one line; its fields come from logs, so control characters are removed."""
    score = "-" if finding.score is None else f"{finding.score:8.3f}"
    ip, principal = terminal_text(finding.ip), terminal_text(finding.principal)
    line = f"  {score}  {ip:<15}  {principal:<28}  {terminal_text(finding.type)}  {terminal_text(finding.finding_id)}"
    if finding.unusualness is not None:
        line += f"\n      unusualness {finding.unusualness:.4f}: {terminal_text(finding.reason or '')}"
    return line


def summary(report: Report, locations: Sequence[str], top: int = TOP_FINDINGS) -> str:
    counts = ", ".join(f"{count} {verdict}" for verdict, count in report.verdict_counts().items())
    lines = [
        f"report {report.run}: {len(report.findings)} finding/IP rows ({counts})",
        report.threshold.describe(),
    ]
    if report.quality is not None:
        lines.append(f"against the ground truth: {report.quality.describe()}")
    unusual = report.most_unusual(top)
    if unusual:
        lines.append(f"most unusual findings (score, ip, principal, type, finding id), {len(unusual)} shown:")
        lines.extend(finding_line(finding) for finding in unusual)
    else:
        lines.append("no finding scored below the threshold")
    lines.extend(f"written: {location}" for location in locations)
    return "\n".join(lines)
