"""The README's examples that use ``examples/`` run as written, and the README says what a new user needs.

Each ``sh`` block of the README that mentions ``examples/`` is run from its first to its last line that does (the
lines between them too: a model trained between two of them is used by the second), in order, in a temporary
copy of ``examples/`` and ``labeled_data/``, with its own store; every command must succeed.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialstage.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def example_lines(readme: str = README) -> list[str]:
    """The lines to run: per sh block, from the first to the last line naming ``examples/``; comments cut."""
    lines = []
    for block in re.findall(r"```(?:sh|bash)\n(.*?)```", readme, flags=re.S):
        commands = [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]
        marked = [i for i, line in enumerate(commands) if "examples/" in line]
        if marked:
            lines.extend(commands[marked[0]:marked[-1] + 1])
    return lines


def test_the_readme_has_examples_on_the_example_files() -> None:
    lines = example_lines()
    assert len(lines) >= 12
    for command in ("audit", "posts", "score", "import", "label", "train"):
        assert any(line.startswith(f"socialstage {command} ") for line in lines), command


def test_the_readme_examples_run_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "labeled_data", tmp_path / "labeled_data")
    shutil.copytree(ROOT / "classifier" / "models", tmp_path / "classifier" / "models")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOCIALSTAGE_DB", str(tmp_path / "store" / "socialstage.db"))
    monkeypatch.delenv("SOCIALSTAGE_LABELS", raising=False)
    runner = CliRunner()
    for line in example_lines():
        words = shlex.split(line)
        if words[0] == "python":
            done = subprocess.run([sys.executable, *words[1:]], capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, f"{line}\n{done.stderr}"
            continue
        assert words[0] == "socialstage", line
        result = runner.invoke(cli, words[1:], catch_exceptions=True)
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "acme.html").stat().st_size > 10_000 and (tmp_path / "scores.csv").exists()
    assert (tmp_path / "acme-model.skops").exists()


def test_the_example_files_are_what_the_script_makes(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import make_examples
    finally:
        sys.path.remove(str(ROOT / "examples"))
    for name, text in make_examples.build().items():
        assert (ROOT / "examples" / name).read_text(encoding="utf-8") == text, f"rerun make_examples.py: {name}"


def test_the_readme_says_where_twcs_comes_from_and_how_to_complete() -> None:
    assert "Customer Support on Twitter" in README and "kaggle.com/datasets/thoughtvector" in README
    assert "_SOCIALSTAGE_COMPLETE=bash_source socialstage" in README
    assert not re.search(r"stage-model-\d{8}", README), "a placeholder model path"


def test_shell_completion_works_as_documented() -> None:
    script = shutil.which("socialstage") or str(Path(sys.executable).with_name("socialstage"))
    done = subprocess.run([script], env={"_SOCIALSTAGE_COMPLETE": "bash_source", "PATH": ""}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and "complete " in done.stdout and "_socialstage_completion" in done.stdout


def _said(text: str) -> str:
    return " ".join(text.replace("`", "").split()).casefold()


def test_strict_is_described_the_same_in_help_and_readme() -> None:
    result = CliRunner().invoke(cli, ["import", "--help"], terminal_width=200)
    options = result.output.split("Options:", 1)[1]
    help_line = next(line for line in options.splitlines() if "--strict" in line)
    described = _said(help_line.split("--strict", 1)[1])
    assert len(described) > 30
    assert described in _said(README)
    assert described in _said(result.output.split("Options:", 1)[0])  # the command's description says it too
