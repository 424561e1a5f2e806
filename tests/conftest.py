"""Shared fixtures: the project's own fixture files, an isolated store location, CLI helpers."""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from socialstage.cli import cli

FIXTURES = Path(__file__).parent / "fixtures"
IMPORT_COLUMNS = ("platform", "post_id", "author", "created_at", "text")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test reads $SOCIALSTAGE_DB from the environment or writes to the real per-user store."""
    monkeypatch.delenv("SOCIALSTAGE_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg_data")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg_cache")))


@pytest.fixture
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing may really sleep (tweepy, prawcore's rate limiter and retries, our policy): every wait goes through
    an injected clock. Collector tests use it with ``pytestmark = pytest.mark.usefixtures("no_real_sleep")``."""

    def refuse(seconds: float) -> None:
        raise AssertionError(f"a real sleep of {seconds} s")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Clear the message types' cached card, model and choice before and after a test that changes what is
    installed."""
    from features import message_types as mt

    caches = (mt.model_card, mt._packaged_model, mt.shipped_method, mt.message_type_version)
    for cached in caches:
        cached.cache_clear()
    yield
    for cached in caches:
        cached.cache_clear()


@pytest.fixture
def fixtures_dir() -> Path:
    """The folder of the project's own small fixture files."""
    return FIXTURES


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A store path in the test's temporary folder (not created)."""
    return tmp_path / "store" / "socialstage.db"


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """Run ``socialstage ARGS...`` in-process; exceptions are caught into the result."""
    runner = CliRunner()

    def run(*args: str | Path) -> Result:
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=True)

    return run


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write rows (dicts) to a CSV file with the csv module; columns default to the keys of the first row."""

    def write(
        rows: Iterable[Mapping[str, object]], name: str = "posts.csv", columns: Iterable[str] | None = None
    ) -> Path:
        rows = list(rows)
        names = list(columns) if columns is not None else list(rows[0] if rows else IMPORT_COLUMNS)
        path = tmp_path / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=names)
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write


def check_clean_error(result: Result, *fragments: str) -> str:
    """Assert a failed command printed one ``Error:`` line naming ``fragments`` and no traceback."""
    assert result.exit_code != 0, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("Error:"), lines
    for fragment in fragments:
        assert fragment.lower() in lines[0].lower(), (fragment, lines[0])
    return lines[0]


@pytest.fixture
def clean_error() -> Callable[..., str]:
    """:func:`check_clean_error` as a fixture."""
    return check_clean_error
