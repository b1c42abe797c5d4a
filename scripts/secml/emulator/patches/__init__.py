"""Fixes for gaps in the pinned moto release, applied inside the emulator process before it serves.

Each module here fixes one gap, says which upstream behaviour it works around, and exposes
`apply() -> None`. Each has a test that fails once upstream fixes the gap, so the patch can go.
"""

from __future__ import annotations

import importlib
import pkgutil


def apply_all() -> list[str]:
    """Apply every patch module in this package; returns their names, for the emulator log."""
    applied = []
    for module_info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        module.apply()
        applied.append(module_info.name)
    return applied
