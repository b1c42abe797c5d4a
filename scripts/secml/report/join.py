"""Scores joined back to the findings they came from: one row per finding and IP.

The scoring tuples lose the finding they came from (IP Insights only sees `principal,ip`), so the
finding index written beside them by the GuardDuty ingest is the key back to the finding. A
principal the model never saw in training has no learnt embedding: its score is noise, so such a
row is flagged "unseen principal" instead of receiving a model verdict.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass

from secml.core.errors import InputError
from secml.ipinsights.tuples_io import SCORE_COLUMNS
from secml_ingest.guardduty import INDEX_HEADER

# The four documented score columns; the engine's trailing `error` column is optional.
SCORES_HEADER = SCORE_COLUMNS[:4]

UNUSUAL = "unusual"
USUAL = "usual"
UNSEEN_PRINCIPAL = "unseen principal"
NOT_SCORED = "not scored"
# Most unusual first: model-flagged rows, then rows the model cannot judge, then normal ones.
VERDICT_ORDER = {UNUSUAL: 0, UNSEEN_PRINCIPAL: 1, NOT_SCORED: 2, USUAL: 3}


@dataclass(frozen=True)
class IndexRow:
    finding_id: str
    type: str
    severity: float
    principal: str
    ip: str


@dataclass(frozen=True)
class Score:
    """One scored pair; `dot_product` is None when the engine could not score it (e.g. IPv6)."""

    principal: str
    ip: str
    dot_product: float | None
    seen_principal: bool


@dataclass(frozen=True)
class ScoredFinding:
    finding_id: str
    type: str
    severity: float
    principal: str
    ip: str
    score: float | None
    verdict: str
    seen_principal: bool
    # With the principal's history (secml report --history; report/explain.py), else None:
    unusualness: float | None = None
    longest_prefix: int | None = None
    seen_8: int | None = None
    seen_16: int | None = None
    seen_24: int | None = None
    seen_32: int | None = None
    last_used: str | None = None  # YYYY-MM-DD, known only from a history of dated parts
    principal_events: int | None = None
    new_to_account: bool | None = None
    usual_networks: str | None = None
    reason: str | None = None

    @property
    def sort_key(self) -> tuple[int, float, str]:
        """Most unusual first: by unusualness where the history gave one, else by score."""
        if self.unusualness is not None:
            return (VERDICT_ORDER[self.verdict], -self.unusualness, self.finding_id)
        score = self.score if self.score is not None else math.inf
        return (VERDICT_ORDER[self.verdict], score, self.finding_id)


def pair_key(principal: str, ip: str) -> tuple[str, str]:
    """The join key of a (principal, ip) pair, the same for index and score rows: the scorer
    strips surrounding whitespace from the tuples it reads, so both sides are stripped here.
    (Joining by row position instead would break: the scorer skips malformed tuple lines.)"""
    return principal.strip(), ip.strip()


def _rows(text: str, expected: tuple[str, ...], name: str) -> Iterable[tuple[int, dict[str, str]]]:
    """Rows of a CSV whose header starts with `expected` (later columns, such as the engine's
    `error`, are allowed and ignored)."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        found = tuple(reader.fieldnames or ())
        if found[: len(expected)] != expected:
            raise InputError(f"{name}: header must start {','.join(expected)}, got {','.join(found)}")
        for row in reader:
            if None in row.values() or None in row:  # fewer or more fields than the header
                raise InputError(f"{name} line {reader.line_num}: not {len(found)} fields as the header")
            yield reader.line_num, row
    except csv.Error as error:  # an unterminated quote, a field over the csv module's limit
        raise InputError(f"{name} line {reader.line_num}: {error}") from None


def parse_index(text: str, name: str = "finding index") -> list[IndexRow]:
    rows = []
    for line_number, row in _rows(text, INDEX_HEADER, name):
        try:
            severity = float(row["severity"])
        except ValueError as error:
            raise InputError(f"{name} line {line_number}: severity {row['severity']!r} is not a number") from error
        principal, ip = pair_key(row["principal"], row["ip"])
        rows.append(IndexRow(row["finding_id"], row["type"], severity, principal, ip))
    return rows


def _parse_bool(value: str, where: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise InputError(f"{where}: seen_principal {value!r} is not true/false")


def parse_scores(text: str, name: str = "scores") -> list[Score]:
    """Every scored row, repeats included: a pair seen 100 times in training weighs 100 times
    when the threshold is calibrated."""
    scores = []
    for line_number, row in _rows(text, SCORES_HEADER, name):
        where = f"{name} line {line_number}"
        raw = row["dot_product"].strip()
        try:
            dot_product = float(raw) if raw else None
        except ValueError as error:
            raise InputError(f"{where}: dot_product {raw!r} is not a number") from error
        principal, ip = pair_key(row["principal"], row["ip"])
        scores.append(Score(principal, ip, dot_product, _parse_bool(row["seen_principal"], where)))
    return scores


def by_pair(scores: Iterable[Score]) -> dict[tuple[str, str], Score]:
    """Scores keyed by (principal, ip); the engine scores a pair the same way every time, so a
    pair listed twice (one IP in two findings) keeps one score."""
    return {(score.principal, score.ip): score for score in scores}


def verdict(score: Score | None, threshold: float) -> str:
    if score is None or score.dot_product is None:
        return NOT_SCORED
    if not score.seen_principal:
        return UNSEEN_PRINCIPAL
    return UNUSUAL if score.dot_product < threshold else USUAL


def check_coverage(index: list[IndexRow], scored: dict[tuple[str, str], Score], scores_name: str) -> None:
    """Scores that miss pairs of the index come from another run (or a cut-short file): joined,
    every such finding would read "not scored" and the report as an all clear."""
    missing = [row for row in index if (row.principal, row.ip) not in scored]
    if missing:
        first = missing[0]
        raise InputError(
            f"{scores_name} has no score for {len(missing)} of the {len(index)} finding-index rows "
            f"(first: {first.principal},{first.ip} of finding {first.finding_id}): score the tuples "
            "written with this index (`secml score --input` the matching tuples)"
        )


def join(
    index: list[IndexRow], scores: Iterable[Score], threshold: float, scores_name: str = "scores"
) -> list[ScoredFinding]:
    """Every index row with its score and verdict, most unusual first; InputError when the scores
    do not cover the index."""
    scored = by_pair(scores)
    check_coverage(index, scored, scores_name)
    joined = []
    for row in index:
        score = scored.get((row.principal, row.ip))
        joined.append(
            ScoredFinding(
                finding_id=row.finding_id,
                type=row.type,
                severity=row.severity,
                principal=row.principal,
                ip=row.ip,
                score=None if score is None else score.dot_product,
                verdict=verdict(score, threshold),
                seen_principal=bool(score and score.seen_principal),
            )
        )
    return sorted(joined, key=lambda finding: finding.sort_key)
