"""The checkout is found from any working directory, so the notebook (run from its own folder or a
temporary one) and `secml` run outside the checkout reach terraform/ and lambda_src/."""

from __future__ import annotations

from pathlib import Path

import pytest

from secml.core import checkout


def test_outside_the_checkout_the_installed_package_leads_back_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SECML_PROJECT_ROOT", raising=False)
    checkout.project_root.cache_clear()
    try:
        root = checkout.project_root()
    finally:
        checkout.project_root.cache_clear()
    assert (root / "terraform" / "main.tf").is_file()
    assert (root / "lambda_src" / "secml_ingest").is_dir()
