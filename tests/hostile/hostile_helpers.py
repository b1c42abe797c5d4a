"""Helpers of the hostile-use suite (kept apart from conftest.py so tests can import them)."""

from __future__ import annotations

import gzip
import json
import socket
from pathlib import Path

INGEST_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cloudtrail_log() -> bytes:
    """One log object as CloudTrail delivers it (gzip JSON), from the ingest fixtures."""
    records = json.loads((INGEST_FIXTURES / "cloudtrail_records.json").read_text())["Records"]
    return gzip.compress(json.dumps({"Records": records}).encode())


def snapshot(*paths: Path) -> dict[Path, bytes | None]:
    """Contents of files before a hostile run, to assert they did not change."""
    return {path: path.read_bytes() if path.exists() else None for path in paths}


def unchanged(before: dict[Path, bytes | None]) -> bool:
    return all((path.read_bytes() if path.exists() else None) == content for path, content in before.items())


def leftovers(folder: Path) -> list[str]:
    """Staged files a failed write left behind (there must be none)."""
    return sorted(path.name for path in folder.rglob("*.partial"))
