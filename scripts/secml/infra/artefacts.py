"""Reproducible build outputs that Terraform deploys: the two ingest Lambda zips and the driver
wheel installed on the notebook instance.

Terraform compares `source_code_hash`, so the same sources must give byte-identical zips:
entries are sorted, timestamped at SOURCE_DATE_EPOCH and given fixed permissions, and caches
(`__pycache__`, `*.pyc`) never enter. No archive provider exists offline, hence a script.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from secml.core.checkout import build_dir, lambda_src_dir, project_root
from secml.core.errors import InputError, SecmlError

SHARED_PACKAGE = "secml_ingest"
HANDLER_MODULES = (
    "cloudtrail_ingest",
    "guardduty_ingest",
    "cloudtrail_parts",
    "guardduty_parts",
    "finding_scorer",
    "model_retrainer",
    "model_promoter",
)
# 1980-01-01, the earliest time a zip entry can carry; overridden by SOURCE_DATE_EPOCH.
DEFAULT_SOURCE_DATE_EPOCH = 315532800
FILE_MODE = 0o644
# What the driver wheel is built from: the project metadata and both packages' sources.
WHEEL_SOURCES = ("pyproject.toml", "README.md", "scripts", "lambda_src")


@dataclass(frozen=True)
class BuildResult:
    lambda_zips: tuple[Path, ...]
    driver_wheel: Path


def source_date_epoch() -> int:
    return int(os.environ.get("SOURCE_DATE_EPOCH", DEFAULT_SOURCE_DATE_EPOCH))


def _is_source(path: Path) -> bool:
    is_cache = "__pycache__" in path.parts or path.suffix in {".pyc", ".pyo"}
    return path.is_file() and not is_cache


def _package_files(source_root: Path) -> Iterator[tuple[Path, str]]:
    package = source_root / SHARED_PACKAGE
    if not (package / "__init__.py").is_file():
        raise InputError(f"{package} is not a Python package (no __init__.py)")
    for path in sorted(package.rglob("*")):
        if _is_source(path):
            yield path, path.relative_to(source_root).as_posix()


def build_lambda_zip(source_root: Path, handler_module: str, output: Path) -> Path:
    """Zip `<handler_module>.py` and the shared package, byte-identical for identical sources."""
    handler = source_root / f"{handler_module}.py"
    if not handler.is_file():
        raise InputError(f"{handler} is missing: the {handler_module} Lambda has no handler yet")
    entries = sorted([(handler, handler.name), *_package_files(source_root)], key=lambda e: e[1])
    stamp = time.gmtime(max(source_date_epoch(), DEFAULT_SOURCE_DATE_EPOCH))[:6]
    output.parent.mkdir(parents=True, exist_ok=True)
    # A partial file of this process's own, renamed over the zip: two builds at once (two make
    # targets, two test sessions) never write into each other's file, and readers see whole zips.
    partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for path, name in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100000 | FILE_MODE) << 16  # regular file, rw-r--r--
            info.create_system = 3  # Unix, whatever machine builds it
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    partial.replace(output)
    return output


def build_lambda_zips(source_root: Path, output_dir: Path) -> tuple[Path, ...]:
    return tuple(build_lambda_zip(source_root, module, output_dir / f"{module}.zip") for module in HANDLER_MODULES)


def _copy_wheel_sources(root: Path, staging: Path) -> None:
    """Copy only the sources into `staging` with fixed modes, so no stale build/ or egg-info
    folder of the checkout leaks into the wheel."""
    for name in WHEEL_SOURCES:
        source = root / name
        if source.is_file():
            shutil.copyfile(source, staging / name)
            continue
        for path in sorted(source.rglob("*")):
            if _is_source(path) and ".egg-info" not in path.as_posix():
                target = staging / path.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
    for path in staging.rglob("*"):
        path.chmod(0o755 if path.is_dir() else FILE_MODE)


def build_driver_wheel(root: Path, output_dir: Path) -> Path:
    """The `secml` wheel (driver and shared parsing package), replacing any earlier one, so
    Terraform finds exactly one `secml-*.whl` in `output_dir`."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="secml-wheel-") as temp:
        staging, wheel_out = Path(temp) / "src", Path(temp) / "dist"
        staging.mkdir()
        _copy_wheel_sources(root, staging)
        env = dict(os.environ, SOURCE_DATE_EPOCH=str(source_date_epoch()), PYTHONHASHSEED="0")
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "--wheel-dir",
                str(wheel_out),
                str(staging),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if completed.returncode != 0:
            reason = completed.stderr.strip()[-500:]
            raise SecmlError(f"building the driver wheel failed: {reason}")
        (wheel,) = wheel_out.glob("secml-*.whl")
        # Renamed into place first, then other versions removed: there is always exactly one whole
        # wheel for Terraform to find, even while another build runs.
        partial = output_dir / f".{wheel.name}.{os.getpid()}.partial"
        shutil.copyfile(wheel, partial)
        built = partial.replace(output_dir / wheel.name)
        for old in output_dir.glob("secml-*.whl"):
            if old.name != wheel.name:
                old.unlink(missing_ok=True)
        return built


def build_all() -> BuildResult:
    """What `secml build` (and `secml stack up`) produce under build/."""
    zips = build_lambda_zips(lambda_src_dir(), build_dir() / "lambda")
    wheel = build_driver_wheel(project_root(), build_dir() / "dist")
    return BuildResult(lambda_zips=zips, driver_wheel=wheel)
