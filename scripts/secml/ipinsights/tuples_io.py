"""The IP Insights tuple files: `principal,ip` CSV without header in (the algorithm's own training
and inference format), `principal,ip,dot_product,seen_principal,error` CSV with header out.

Input is read in chunks straight from the stream, so a multi-million-line file on S3 is never
held as one string; a line without exactly two fields is skipped and counted, not fatal. A folder
or S3 prefix (`s3://bucket/train/parts/`) is every `.csv` under it, read in key order one after
the other; a date window keeps the parts whose `/<yyyy>/<mm>/<dd>/` folder lies inside it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from secml.core.errors import InputError
from secml.core.storage import is_folder, list_files, open_binary

DEFAULT_CHUNK_ROWS = 200_000
# The four contract columns, then `error`: empty for a scored row, otherwise why it has no
# dot_product (IPv6 or malformed address), so every input row keeps its output row.
SCORE_COLUMNS = ("principal", "ip", "dot_product", "seen_principal", "error")
TUPLES_SUFFIX = ".csv"
_DATE_FOLDERS = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")


@dataclass(frozen=True)
class DateWindow:
    """Inclusive `YYYY-MM-DD` bounds on the parts' date folders; empty = open."""

    since: str = ""
    until: str = ""

    def __bool__(self) -> bool:
        return bool(self.since or self.until)

    def holds(self, path: str) -> bool:
        dated = list(_DATE_FOLDERS.finditer(path))
        if not dated:
            return False  # a window asks for dated parts; an undated file is outside it
        day = "-".join(dated[-1].groups())
        return (not self.since or day >= self.since) and (not self.until or day <= self.until)


def tuples_files(location: str, window: DateWindow | None = None) -> list[str]:
    """The files a location stands for: itself, or every tuples file under a folder or prefix
    (inside the window, if one is given), in key order. InputError when that is none."""
    if not is_folder(location):
        if window:
            raise InputError(f"a date window needs a folder or s3:// prefix of parts, not the file {location}")
        return [location]
    files = [path for path in list_files(location, TUPLES_SUFFIX) if not window or window.holds(path)]
    if not files:
        within = f" dated {window.since or '...'}..{window.until or '...'}" if window else ""
        raise InputError(f"no {TUPLES_SUFFIX} files{within} under {location}")
    return files


@dataclass
class Tuples:
    """Rows of a tuples file, column-wise, with how many lines were skipped as malformed."""

    principals: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    skipped: int = 0

    def __len__(self) -> int:
        return len(self.principals)

    def extend(self, other: Tuples) -> None:
        self.principals.extend(other.principals)
        self.ips.extend(other.ips)
        self.skipped += other.skipped


@dataclass
class ScoredTuples:
    """Scores for rows of a tuples file, in input order. `dot_products[i]` is nan where `errors[i]`
    says why the row could not be scored (the local engine's ScoredBatch convention)."""

    principals: list[str]
    ips: list[str]
    dot_products: np.ndarray
    seen_principals: np.ndarray
    errors: list[str | None]

    def __len__(self) -> int:
        return len(self.principals)


def iter_tuples(
    location: str, chunk_rows: int = DEFAULT_CHUNK_ROWS, window: DateWindow | None = None
) -> Iterator[Tuples]:
    """Chunks of at most `chunk_rows` rows from a local or S3 tuples file, or from every file
    under a folder or prefix in key order, in file order; one file is open at a time."""
    chunk = Tuples()
    for path in tuples_files(location, window):
        with open_binary(path) as raw:
            for row in csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline="")):
                if not row:
                    continue
                if len(row) != 2:
                    chunk.skipped += 1
                    continue
                chunk.principals.append(row[0].strip())
                chunk.ips.append(row[1].strip())
                if len(chunk) >= chunk_rows:
                    yield chunk
                    chunk = Tuples()
    if len(chunk) or chunk.skipped:
        yield chunk


def read_tuples(location: str, window: DateWindow | None = None) -> Tuples:
    """A whole tuples file or folder of parts, for training (the engine needs every pair at once)."""
    whole = Tuples()
    for chunk in iter_tuples(location, window=window):
        whole.extend(chunk)
    return whole


def write_tuples(stream: IO[str], principals: Iterable[str], ips: Iterable[str]) -> None:
    """`principal,ip` lines without header, quoted only where a field needs it."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerows(zip(principals, ips, strict=True))


def write_score_header(stream: IO[str]) -> None:
    csv.writer(stream, lineterminator="\n").writerow(SCORE_COLUMNS)


def write_scores(stream: IO[str], scored: ScoredTuples) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    for principal, ip, score, seen, error in zip(
        scored.principals,
        scored.ips,
        scored.dot_products.tolist(),
        scored.seen_principals.tolist(),
        scored.errors,
        strict=True,
    ):
        shown = "" if error is not None or score != score else format(score, ".7g")  # nan != nan
        writer.writerow((principal, ip, shown, "true" if seen else "false", error or ""))
