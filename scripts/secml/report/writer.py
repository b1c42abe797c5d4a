"""The report on disk (`reports/<run>/`) and beside the data (`s3://<tuples bucket>/scores/<run>/`),
so the analyst who ran it and whoever reads the bucket see the same files."""

from __future__ import annotations

import csv
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from secml.core import storage
from secml.report import history_columns, html, plot
from secml.report.compose import Report
from secml.report.untrusted import spreadsheet_cell

CSV_COLUMNS = (
    "finding_id",
    "type",
    "severity",
    "principal",
    "ip",
    "score",
    "verdict",
    "seen_principal",
    *history_columns.NAMES,
)
CONTENT_TYPES = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".png": "image/png",
    ".html": "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class WrittenReport:
    folder: Path
    findings_csv: Path
    findings_json: Path
    histogram_png: Path
    html: Path

    def files(self) -> list[Path]:
        return [self.findings_csv, self.findings_json, self.histogram_png, self.html]


def _findings_csv(report: Report, path: Path) -> None:
    """Analysts open this in a spreadsheet: the text fields from the logs are neutralised there;
    the numbers are our own formatting and stay numbers (a negative score starts with '-')."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for f in report.findings:
            score = "" if f.score is None else f"{f.score:.6f}"
            writer.writerow(
                (
                    spreadsheet_cell(f.finding_id),
                    spreadsheet_cell(f.type),
                    f.severity,
                    spreadsheet_cell(f.principal),
                    spreadsheet_cell(f.ip),
                    score,
                    f.verdict,
                    str(f.seen_principal).lower(),
                    *history_columns.cells(f),
                )
            )


def _findings_json(report: Report, path: Path) -> None:
    document = {
        "run": report.run,
        "threshold": dataclasses.asdict(report.threshold),
        "quality": None if report.quality is None else dataclasses.asdict(report.quality),
        "verdicts": report.verdict_counts(),
        "findings": [dataclasses.asdict(f) for f in report.findings],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def write(report: Report, folder: Path) -> WrittenReport:
    folder.mkdir(parents=True, exist_ok=True)
    written = WrittenReport(
        folder=folder,
        findings_csv=folder / "findings.csv",
        findings_json=folder / "findings.json",
        histogram_png=folder / "scores.png",
        html=folder / "report.html",
    )
    _findings_csv(report, written.findings_csv)
    _findings_json(report, written.findings_json)
    png = plot.score_histogram(report.training_scores, report.guardduty_scores, report.threshold.value)
    written.histogram_png.write_bytes(png)
    page = html.render(report.run, report.findings, report.threshold, report.quality, png)
    written.html.write_text(page, encoding="utf-8")
    return written


def upload(written: WrittenReport, bucket: str, run: str) -> list[str]:
    """Copies the report files to `s3://bucket/scores/<run>/`, typed so a browser shows them;
    returns their URIs."""
    uris = []
    for path in written.files():
        uri = f"s3://{bucket}/scores/{run}/{path.name}"
        storage.upload(path, uri, content_type=CONTENT_TYPES[path.suffix])
        uris.append(uri)
    return uris
