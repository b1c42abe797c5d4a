"""The IP Insights tuple files: `principal,ip` CSV without header in (the algorithm's own training
and inference format), `principal,ip,dot_product,seen_principal,error` CSV with header out.

Input is read in chunks straight from the stream, so a multi-million-line file on S3 is never
held as one string. Each line is parsed on its own: a line that is not `principal,ip` (wrong field
count, an unterminated quote, bytes that are not UTF-8, longer than MAX_LINE_BYTES) is skipped
and counted alone, never swallowing the lines after it; a file with too many such lines is not a
tuples file and is refused. A folder or S3 prefix (`s3://bucket/train/parts/`) is every `.csv`
under it, read in key order one after the other; a part's day is its `/<yyyy>/<mm>/<dd>/` folder,
and a date window keeps the parts whose day lies inside it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from secml.core.errors import InputError
from secml.core.storage import is_folder, list_files, open_binary

DEFAULT_CHUNK_ROWS = 200_000
READ_BYTES = 2**20
# A principal id and an IP address fit in a few hundred bytes; a longer line is damage.
MAX_LINE_BYTES = 128 * 2**10
# A file is refused when more than this share of its lines are bad (and at least
# MIN_BAD_LINES_REFUSED of them): it is not a tuples file, or it is damaged.
MAX_BAD_LINE_FRACTION = 0.10
MIN_BAD_LINES_REFUSED = 10
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
        day = part_day(path)
        if day is None:
            return False  # a window asks for dated parts; an undated file is outside it
        return (not self.since or day >= self.since) and (not self.until or day <= self.until)


def part_day(path: str) -> str | None:
    """`YYYY-MM-DD` of the last `/<yyyy>/<mm>/<dd>/` folder in a part's path, None without one."""
    dated = list(_DATE_FOLDERS.finditer(path))
    return "-".join(dated[-1].groups()) if dated else None


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

    def take(self) -> Tuples:
        """The rows so far as a chunk of their own, leaving this one empty to fill again."""
        full = Tuples(self.principals, self.ips, self.skipped)
        self.principals, self.ips, self.skipped = [], [], 0
        return full


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


def raw_lines(stream: IO[bytes], max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[bytes | None]:
    """The lines of a binary stream without their line ends, read in blocks; None stands for a
    line longer than `max_line_bytes`, which is never held whole."""
    pending = b""
    oversized = False
    while block := stream.read(READ_BYTES):
        lines = (pending + block).split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield None if oversized or len(line) > max_line_bytes else line.rstrip(b"\r")
            oversized = False
        if len(pending) > max_line_bytes:
            oversized, pending = True, b""
    if oversized or len(pending) > max_line_bytes:
        yield None
    elif pending:
        yield pending.rstrip(b"\r")


def parse_line(line: bytes | None) -> tuple[str, str] | None:
    """`principal,ip` of one line, or None when the line is bad (see the module docstring)."""
    if line is None:
        return None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if '"' not in text:
        fields = text.split(",")
    else:
        try:
            fields = next(csv.reader([text], strict=True))
        except csv.Error:  # an unterminated quote, a quote inside an unquoted field
            return None
    if len(fields) != 2:
        return None
    return fields[0].strip(), fields[1].strip()


def iter_tuples(
    location: str, chunk_rows: int = DEFAULT_CHUNK_ROWS, window: DateWindow | None = None
) -> Iterator[Tuples]:
    """Chunks of at most `chunk_rows` rows from a local or S3 tuples file, or from every file under a
    folder or prefix in key order, in file order; one file is open at a time. InputError once a
    file is read, if too many of its lines were bad."""
    chunk = Tuples()
    for path in tuples_files(location, window):
        yield from _read_into(path, chunk, chunk_rows)
    if len(chunk) or chunk.skipped:
        yield chunk


def iter_part_tuples(location: str, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[tuple[str | None, Tuples]]:
    """iter_tuples, with each chunk's day: chunks never span two files, so each has its part's
    `YYYY-MM-DD` (part_day) when read from a folder or prefix of parts, None for a file given by
    itself or one outside a date folder (its rows' dates are unknown)."""
    folder = is_folder(location)
    for path in tuples_files(location):
        day = part_day(path) if folder else None
        chunk = Tuples()
        for full in _read_into(path, chunk, chunk_rows):
            yield day, full
        if len(chunk) or chunk.skipped:
            yield day, chunk


def _read_into(path: str, chunk: Tuples, chunk_rows: int) -> Iterator[Tuples]:
    """Appends the rows of one file to `chunk`, yielding its rows and emptying it each time it
    holds `chunk_rows`; the caller yields what is left once it has no more files for it."""
    rows = bad = 0
    with open_binary(path) as raw:
        for line in raw_lines(raw):
            if line is not None and not line.strip():
                continue
            pair = parse_line(line)
            if pair is None:
                chunk.skipped += 1
                bad += 1
                continue
            chunk.principals.append(pair[0])
            chunk.ips.append(pair[1])
            rows += 1
            if len(chunk) >= chunk_rows:
                yield chunk.take()
    if bad >= MIN_BAD_LINES_REFUSED and bad > MAX_BAD_LINE_FRACTION * (rows + bad):
        raise InputError(
            f"{path}: {bad} of {rows + bad} lines are not principal,ip (more than "
            f"{MAX_BAD_LINE_FRACTION:.0%}): not a tuples file, or a damaged one"
        )


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
