"""The layering contract of pyproject.toml (import-linter): kept by the code, broken by an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("socialstage", "classifier", "features", "collectors")
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--config", str(folder / "pyproject.toml"), "--no-cache"], cwd=folder,
                          capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(folder),
                                                                           "PATH": "/usr/bin:/bin"})


def test_the_code_keeps_the_layers() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns(
            "__pycache__", "*.skops", "*.json", "data", "models"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    records = tmp_path / "collectors" / "records.py"
    records.write_text(records.read_text(encoding="utf-8") + "\nimport socialstage.audit  # noqa: E402, F401\n",
                       encoding="utf-8")
    done = _lint(tmp_path)
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout and "collectors.records -> socialstage.audit" in done.stdout
