"""The layering contract of pyproject.toml (import-linter): kept by the code, broken by an upward import."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("socialstage", "classifier", "features", "store", "collectors")
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--config", str(folder / "pyproject.toml"), "--no-cache"], cwd=folder,
                          capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(folder),
                                                                           "PATH": "/usr/bin:/bin"})


def test_the_code_keeps_the_layers() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 kept, 0 broken" in done.stdout


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns(
            "__pycache__", "*.skops", "*.json", "data", "models"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    records = tmp_path / "collectors" / "records.py"
    records.write_text(records.read_text(encoding="utf-8")
                       + "\nimport socialstage.audit.placement  # noqa: E402, F401\n", encoding="utf-8")
    done = _lint(tmp_path)
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout and "collectors.records -> socialstage.audit.placement" in done.stdout


CYCLES = """
import sys, grimp
graph = grimp.build_graph(*sys.argv[1:], cache_dir=None, exclude_type_checking_imports=True)
modules = sorted(graph.modules)
edges = {m: sorted(set(graph.find_modules_directly_imported_by(m)) & set(modules)) for m in modules}
index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10_000)
def visit(v):
    index[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        group = []
        while True:
            w = stack.pop(); on.discard(w); group.append(w)
            if w == v: break
        if len(group) > 1: found.append(" <-> ".join(sorted(group)))
for m in modules:
    if m not in index: visit(m)
print("\\n".join(found))
"""


def _cycles(folder: Path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CYCLES, *PACKAGES], cwd=folder, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line.strip()]


def test_no_module_imports_itself_through_others() -> None:
    # runtime imports only: an import under TYPE_CHECKING is for the type checker and never runs
    assert _cycles(ROOT) == []


def test_a_deliberate_cycle_is_found(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns(
            "__pycache__", "*.skops", "*.json", "data", "models"))
    records = tmp_path / "collectors" / "records.py"  # collectors.files imports it: now it imports files back
    records.write_text(records.read_text(encoding="utf-8") + "\nimport collectors.files  # noqa: E402, F401\n",
                       encoding="utf-8")
    assert any("collectors.files" in group and "collectors.records" in group for group in _cycles(tmp_path))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    done = _lint(tmp_path)  # the acyclic_siblings contract of pyproject.toml sees it too
    assert done.returncode != 0 and "no import cycles BROKEN" in " ".join(done.stdout.split()), done.stdout


def test_a_command_module_importing_another_breaks_the_contract(tmp_path: Path) -> None:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns(
            "__pycache__", "*.skops", "*.json", "data", "models"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    dataset = tmp_path / "socialstage" / "cli" / "dataset.py"
    dataset.write_text(dataset.read_text(encoding="utf-8") + "\nimport socialstage.cli.score  # noqa: E402, F401\n",
                       encoding="utf-8")
    done = _lint(tmp_path)
    assert done.returncode != 0 and "socialstage.cli.dataset -> socialstage.cli.score" in done.stdout, done.stdout
