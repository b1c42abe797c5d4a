"""Errors that make one input object unreadable; the object is reported and skipped."""

from __future__ import annotations


class BadObjectError(Exception):
    """An object that cannot be read at all (corrupt gzip, invalid JSON, unexpected shape)."""
