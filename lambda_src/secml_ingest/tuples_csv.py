"""The CSV text of tuples and index rows: `principal,ip` lines without header (IP Insights' input),
quoted by the csv module only where a value needs it (a federated user's name may hold a comma)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
