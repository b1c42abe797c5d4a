"""One self-contained HTML page (no external CSS, scripts or image files) that can be mailed or
attached to a ticket. Every value from the data is escaped: finding fields come from logs an
attacker can influence."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

from secml.report.join import ScoredFinding
from secml.report.quality import Quality
from secml.report.threshold import Threshold

STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:0.9em}
th,td{border:1px solid #ccc;padding:0.25em 0.6em;text-align:left}
th{background:#f0f0f0}
tr.unusual{background:#fde2e2}
tr.unseen-principal,tr.not-scored{background:#fff4d6}
td.num{text-align:right;font-variant-numeric:tabular-nums}
"""

COLUMNS = (
    "finding id",
    "type",
    "severity",
    "principal",
    "ip",
    "score",
    "unusualness",
    "verdict",
    "seen principal",
    "last used",
    "reason",
)


def _row(finding: ScoredFinding) -> str:
    score = "" if finding.score is None else f"{finding.score:.4f}"
    unusualness = "" if finding.unusualness is None else f"{finding.unusualness:.4f}"
    cells = (
        f"<td>{escape(finding.finding_id)}</td>",
        f"<td>{escape(finding.type)}</td>",
        f'<td class="num">{finding.severity:g}</td>',
        f"<td>{escape(finding.principal)}</td>",
        f"<td>{escape(finding.ip)}</td>",
        f'<td class="num">{score}</td>',
        f'<td class="num">{unusualness}</td>',
        f"<td>{escape(finding.verdict)}</td>",
        f"<td>{'yes' if finding.seen_principal else 'no'}</td>",
        f"<td>{escape(finding.last_used or '')}</td>",
        f"<td>{escape(finding.reason or '')}</td>",
    )
    css_class = escape(finding.verdict.replace(" ", "-"), quote=True)
    return f'<tr class="{css_class}">{"".join(cells)}</tr>'


def render(
    run: str,
    findings: Sequence[ScoredFinding],
    threshold: Threshold,
    quality: Quality | None,
    histogram_png: bytes,
    combination: str | None = None,
) -> str:
    """The page: summary, histogram, then the findings table, most unusual first."""
    picture = base64.b64encode(histogram_png).decode("ascii")
    quality_line = f"<p>{escape(quality.describe())}</p>" if quality else ""
    if combination is not None:
        quality_line = f"<p>unusualness: {escape(combination)}</p>\n{quality_line}"
    header = "".join(f"<th>{escape(name)}</th>" for name in COLUMNS)
    body = "\n".join(_row(finding) for finding in findings)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>secml report {escape(run)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>GuardDuty findings scored by IP Insights</h1>
<p>Run {escape(run)}: {len(findings)} finding/IP rows. {escape(threshold.describe())}</p>
{quality_line}
<img alt="Histogram of training and GuardDuty scores with the threshold" src="data:image/png;base64,{picture}">
<table>
<thead><tr>{header}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
"""
