"""CloudTrail's delivery layout: one gzip JSON file per region per ~5 minutes.

CloudTrail writes `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_
<YYYYMMDDTHHMMZ>_<16 random characters>.json.gz` holding `{"Records": [...]}`; the timestamp is
the end of the delivery window. Files are gzipped with mtime 0 so a seed gives identical bytes.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

DELIVERY_WINDOW_SECONDS = 300
_NAME_ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
GZIP_LEVEL = 6


def log_key(account: str, region: str, window_end: int, suffix: str) -> str:
    stamp = time.gmtime(window_end)
    return (
        f"AWSLogs/{account}/CloudTrail/{region}/{stamp.tm_year:04d}/{stamp.tm_mon:02d}/{stamp.tm_mday:02d}/"
        f"{account}_CloudTrail_{region}_{time.strftime('%Y%m%dT%H%MZ', stamp)}_{suffix}.json.gz"
    )


def random_suffixes(rng: np.random.Generator, count: int) -> list[str]:
    letters = rng.choice(_NAME_ALPHABET, size=(count, 16))
    return ["".join(row) for row in letters.tolist()]


def gzip_json(document: Any) -> bytes:
    """Compact JSON, gzipped reproducibly (no file name, mtime 0)."""
    body = json.dumps(document, separators=(",", ":")).encode()
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


def delivery_windows(regions: np.ndarray, seconds: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
    """(region index, window end, record indices in time order) for each file to write, in
    (region, time) order; `regions` and `seconds` give each record's region index and time."""
    window = seconds // DELIVERY_WINDOW_SECONDS
    order = np.lexsort((seconds, window, regions))
    keys = regions[order].astype(np.int64) * (1 << 40) + window[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    bounds = np.r_[starts, order.size]
    for begin, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        first = order[begin]
        yield int(regions[first]), int((window[first] + 1) * DELIVERY_WINDOW_SECONDS), order[begin:end]


def log_file(records: Iterable[dict[str, Any]]) -> bytes:
    return gzip_json({"Records": list(records)})
