"""Reproducible build outputs: identical sources give identical bytes, so Terraform's
source_code_hash only changes when the code does."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from secml.core.errors import InputError
from secml.infra.artefacts import (
    HANDLER_MODULES,
    build_driver_wheel,
    build_lambda_zip,
    build_lambda_zips,
)

HANDLER = '"""Thin handler."""\n\nfrom secml_ingest import rules\n\n\ndef handler(event, context):\n    return rules.run(event)\n'


def make_lambda_src(root: Path) -> Path:
    source = root / "lambda_src"
    (source / "secml_ingest" / "__pycache__").mkdir(parents=True)
    (source / "secml_ingest" / "__init__.py").write_text('"""Shared rules."""\n')
    (source / "secml_ingest" / "rules.py").write_text("def run(event):\n    return event\n")
    (source / "secml_ingest" / "__pycache__" / "rules.cpython-311.pyc").write_bytes(b"\x00stale")
    for module in HANDLER_MODULES:
        (source / f"{module}.py").write_text(HANDLER)
    return source


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_zip_holds_handler_and_shared_package_only(tmp_path: Path) -> None:
    source = make_lambda_src(tmp_path)
    archive = build_lambda_zip(source, "cloudtrail_ingest", tmp_path / "out" / "cloudtrail_ingest.zip")
    with zipfile.ZipFile(archive) as opened:
        assert opened.namelist() == ["cloudtrail_ingest.py", "secml_ingest/__init__.py", "secml_ingest/rules.py"]
        assert {info.date_time for info in opened.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert {info.external_attr >> 16 for info in opened.infolist()} == {0o100644}
        assert opened.read("cloudtrail_ingest.py").decode() == HANDLER


def test_same_sources_give_identical_zips(tmp_path: Path) -> None:
    source = make_lambda_src(tmp_path)
    first = build_lambda_zips(source, tmp_path / "first")
    (source / "secml_ingest" / "rules.py").touch()  # a new mtime is not a new source
    (source / "secml_ingest" / "rules.py").chmod(0o755)
    second = build_lambda_zips(source, tmp_path / "second")
    assert [digest(path) for path in first] == [digest(path) for path in second]


def test_changed_source_changes_the_zip(tmp_path: Path) -> None:
    source = make_lambda_src(tmp_path)
    before = digest(build_lambda_zip(source, "guardduty_ingest", tmp_path / "a.zip"))
    (source / "secml_ingest" / "rules.py").write_text("def run(event):\n    return None\n")
    assert digest(build_lambda_zip(source, "guardduty_ingest", tmp_path / "b.zip")) != before


def test_missing_handler_is_a_clear_error(tmp_path: Path) -> None:
    source = make_lambda_src(tmp_path)
    (source / "guardduty_ingest.py").unlink()
    with pytest.raises(InputError, match=r"guardduty_ingest\.py is missing"):
        build_lambda_zips(source, tmp_path / "out")


def make_project(root: Path) -> Path:
    (root / "scripts" / "secml").mkdir(parents=True)
    (root / "scripts" / "secml" / "__init__.py").write_text('__version__ = "0.1.0"\n')
    (root / "lambda_src" / "secml_ingest").mkdir(parents=True)
    (root / "lambda_src" / "secml_ingest" / "__init__.py").write_text("")
    (root / "README.md").write_text("secml\n")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=69"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "secml"\nversion = "0.1.0"\nreadme = "README.md"\n\n'
        "[tool.setuptools]\n"
        'package-dir = { "secml" = "scripts/secml", "secml_ingest" = "lambda_src/secml_ingest" }\n'
        'packages = ["secml", "secml_ingest"]\n'
    )
    return root


def test_driver_wheel_is_reproducible_and_replaces_older_ones(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project")
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "secml-0.0.9-py3-none-any.whl").write_bytes(b"old")
    first = build_driver_wheel(project, tmp_path / "dist")
    first_digest = digest(first)
    (project / "scripts" / "secml" / "__init__.py").touch()
    second = build_driver_wheel(project, tmp_path / "dist")
    assert [path.name for path in (tmp_path / "dist").iterdir()] == ["secml-0.1.0-py3-none-any.whl"]
    assert digest(second) == first_digest
    with zipfile.ZipFile(second) as opened:
        assert {"secml/__init__.py", "secml_ingest/__init__.py"} <= set(opened.namelist())


def test_builds_running_at_once_each_leave_whole_zips(tmp_path: Path) -> None:
    """Two builds into one folder (two make targets, two test sessions) never write into each
    other's file: every zip left behind is whole and identical."""
    import subprocess
    import sys

    from secml.core.checkout import lambda_src_dir

    script = (
        "import sys; from pathlib import Path; from secml.infra.artefacts import build_lambda_zips; "
        "[build_lambda_zips(Path(sys.argv[1]), Path(sys.argv[2])) for _ in range(5)]"
    )
    out = tmp_path / "lambda"
    runs = [subprocess.Popen([sys.executable, "-c", script, str(lambda_src_dir()), str(out)]) for _ in range(3)]
    assert [run.wait(timeout=120) for run in runs] == [0, 0, 0]
    zips = sorted(out.glob("*.zip"))
    assert zips and not list(out.glob(".*.partial"))
    for built in zips:
        with zipfile.ZipFile(built) as archive:
            assert archive.testzip() is None
