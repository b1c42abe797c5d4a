"""Where the project's files are: the checkout that holds terraform/, notebooks/ and lambda_src/,
and the git-ignored folders for build outputs and local state."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path


@cache
def project_root() -> Path:
    """$SECML_PROJECT_ROOT, else the nearest folder above the working directory holding
    terraform/main.tf, else the checkout this package was installed from (editable install)."""
    if override := os.environ.get("SECML_PROJECT_ROOT"):
        return Path(override).resolve()
    for folder in (Path.cwd(), *Path.cwd().parents):
        if (folder / "terraform" / "main.tf").is_file() and (folder / "pyproject.toml").is_file():
            return folder
    return Path(__file__).resolve().parents[3]


def terraform_dir() -> Path:
    return project_root() / "terraform"


def lambda_src_dir() -> Path:
    return project_root() / "lambda_src"


def build_dir() -> Path:
    return project_root() / "build"


def reports_dir() -> Path:
    return project_root() / "reports"


def state_root() -> Path:
    """Local state per target (`.secml/local`, `.secml/aws`); $SECML_STATE_DIR overrides."""
    return Path(os.environ.get("SECML_STATE_DIR") or project_root() / ".secml")
