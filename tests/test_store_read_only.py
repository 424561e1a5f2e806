"""A read-only store: read commands open it read-only and work; write commands say it is read-only.

Tests may run as root, for whom file permissions do not stop a write. The permission-based test then skips;
the others make the store read-only the way SQLite sees it: ``os.access`` says the store's file and folder cannot
be written (so the read-only URI gets ``immutable=1`` and a write command is refused up front), or the store is
opened with ``mode=ro`` so that SQLite itself raises "attempt to write a readonly database".
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner

from collectors.records import OrgAccount, Organization
from socialstage.audit.inputs import open_store
from socialstage.cli import cli
from socialstage.cli.group import SocialstageGroup
from socialstage.errors import SocialstageError
from store.database import ReadOnlyStoreError, Store, is_read_only_error, read_only_uri

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
ORG = Organization("Acme", (OrgAccount("twitter", "AcmeHelp", "support"),))


def _posts() -> pd.DataFrame:
    rows = []
    for i in range(6):
        rows.append({"platform": "twitter", "post_id": f"q{i}", "author": f"cust{i}",
                     "created_at": T0 + timedelta(hours=i), "text": f"@AcmeHelp my order {i} is late?"})
        rows.append({"platform": "twitter", "post_id": f"a{i}", "author": "AcmeHelp",
                     "created_at": T0 + timedelta(hours=i, minutes=20), "text": f"@cust{i} sorry, on its way ^AB",
                     "in_reply_to_id": f"q{i}", "in_reply_to_author": f"cust{i}"})
    return pd.DataFrame(rows)


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A closed store with posts and the organization Acme (no enrichment computed yet)."""
    path = tmp_path / "ro" / "store.db"
    with Store(path) as store:
        store.upsert_posts(_posts())
        store.save_organization(ORG)
    return path


@pytest.fixture
def unwritable(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], None]:
    """Make a folder (and everything in it) unwritable as far as ``os.access`` tells (works as root too)."""
    real = os.access

    def deny(folder: Path) -> None:
        root = folder.resolve()

        def access(path: object, mode: int, *args: object, **kwargs: object) -> bool:
            target = Path(os.fspath(path)).resolve()  # type: ignore[arg-type]
            if mode & os.W_OK and (target == root or root in target.parents):
                return False
            return real(path, mode, *args, **kwargs)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "access", access)

    return deny


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_read_only_uri_is_immutable_only_when_the_store_cannot_be_written(
        filled: Path, unwritable: Callable[[Path], None]) -> None:
    assert read_only_uri(filled).endswith("?mode=ro")
    assert read_only_uri(filled).startswith("file:/")
    unwritable(filled.parent)
    assert read_only_uri(filled).endswith("?mode=ro&immutable=1")


def test_the_uri_escapes_characters_sqlite_would_read_as_parameters(tmp_path: Path) -> None:
    path = tmp_path / "a?b#c%d" / "store.db"
    with Store(path) as store:
        store.upsert_posts(_posts())
    with Store(path, read_only=True) as store:
        assert store.count_posts() == 12


def test_a_read_only_store_reads_everything_and_changes_nothing(filled: Path,
                                                                unwritable: Callable[[Path], None]) -> None:
    unwritable(filled.parent)
    before = _digest(filled.parent)
    with Store(filled, read_only=True) as store:
        assert store.count_posts() == 12
        assert store.load_organization("acme") == ORG
        assert len(store.load_posts(ORG.keys)) == 12
        assert store.load_collections(ORG.keys) == []  # a table the store lacks reads as empty
        assert store.load_enrichment().empty
        assert store.load_post_meta("twitter", "a1") is None
        with pytest.raises(sqlite3.OperationalError) as raised:
            store.upsert_posts(_posts().head(1).assign(post_id="new"))
        assert is_read_only_error(raised.value)
        with pytest.raises(ReadOnlyStoreError, match="read-only"):
            store.ensure_writable()
    assert _digest(filled.parent) == before  # no WAL or lock file made, the file untouched


def test_a_folder_that_is_not_a_store_is_still_named_as_such(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.close()
    with pytest.raises(SocialstageError, match="is not a socialstage store"):
        open_store(other, must_exist=True, read_only=True)


def test_read_commands_work_on_a_read_only_store(filled: Path, unwritable: Callable[[Path], None]) -> None:
    unwritable(filled.parent)
    before = _digest(filled.parent)
    runner = CliRunner()
    audit = runner.invoke(cli, ["audit", "Acme", "--db", str(filled), "--format", "json", "--model", "none"])
    assert audit.exit_code == 0, audit.output
    assert json.loads(audit.stdout)["features"]["org_posts"] == 6
    listing = runner.invoke(cli, ["posts", "Acme", "--db", str(filled), "--format", "json"])
    assert listing.exit_code == 0, listing.output
    listed = runner.invoke(cli, ["store", "list", "--db", str(filled), "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["accounts"][0]["posts"] == 6
    info = runner.invoke(cli, ["store", "info", "--db", str(filled), "--format", "json"])
    assert info.exit_code == 0, info.output
    assert json.loads(info.stdout)["writable"] is False
    assert _digest(filled.parent) == before  # the audit computed its enrichment and kept nothing


def test_score_from_a_read_only_store_keeps_its_journal_in_the_cache_folder(
        filled: Path, unwritable: Callable[[Path], None], tmp_path: Path) -> None:
    unwritable(filled.parent)
    orgs = tmp_path / "orgs.toml"
    orgs.write_text('[[organization]]\nname = "Acme"\naccounts = ["twitter:AcmeHelp:support"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", "--orgs", str(orgs), "--db", str(filled), "--model", "none"])
    assert result.exit_code == 0, result.output
    assert not (filled.parent / "score").exists()
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "socialstage" / "score"
    assert len(list(cache.glob("*.rows.jsonl"))) == 1


def test_an_audit_of_a_writable_store_opened_read_only_still_keeps_its_enrichment(filled: Path) -> None:
    result = CliRunner().invoke(cli, ["audit", "Acme", "--db", str(filled), "--format", "json", "--model", "none"])
    assert result.exit_code == 0, result.output
    with Store(filled) as store:
        assert len(store.load_enrichment()) > 0


@pytest.mark.parametrize("command", [
    ["import", "{posts}"],
    ["demo", "--save", "--weeks", "4"],
    ["collect", "Acme", "--account", "reddit:acme"],
    ["audit", "Acme", "--collect", "--account", "reddit:acme"],
    ["store", "delete", "Acme", "--yes"],
    ["store", "prune", "--before", "2024-03-05", "--yes"],
    ["store", "clear-journals"],
])
def test_write_commands_on_a_read_only_store_say_so_in_one_line(
        filled: Path, unwritable: Callable[[Path], None], tmp_path: Path, command: list[str],
        clean_error: Callable[..., str]) -> None:
    posts = tmp_path / "posts.csv"
    _posts().to_csv(posts, index=False)
    unwritable(filled.parent)
    before = _digest(filled.parent)
    args = [a.format(posts=posts) for a in command] + ["--db", str(filled)]
    result = CliRunner().invoke(cli, args)
    line = clean_error(result, "read-only", str(filled))
    assert "not a socialstage store" not in line
    assert _digest(filled.parent) == before


def test_sqlites_own_read_only_error_becomes_one_line(filled: Path, clean_error: Callable[..., str]) -> None:
    @click.group(cls=SocialstageGroup)
    def group() -> None:
        """A group with the project's error handling."""

    @group.command()
    def write() -> None:
        conn = sqlite3.connect(f"file:{filled}?mode=ro", uri=True)
        conn.execute("DELETE FROM posts")

    result = CliRunner().invoke(group, ["write"])
    clean_error(result, "read-only", "attempt to write a readonly database")


def test_a_write_through_a_store_opened_read_only_is_refused_by_open_store(filled: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe write: a store SQLite opened read-only (here: mode=ro) is refused before any work."""
    import store.database

    monkeypatch.setattr(store.database, "Store", lambda path, read_only=False: Store(path, read_only=True))
    with pytest.raises(SocialstageError, match=r"the store .*store\.db is read-only"):
        open_store(filled, must_exist=True)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="root ignores file permissions; the other tests simulate a read-only store")
def test_a_chmod_read_only_store(filled: Path, clean_error: Callable[..., str]) -> None:
    filled.chmod(0o444)
    filled.parent.chmod(0o555)
    try:
        runner = CliRunner()
        listed = runner.invoke(cli, ["store", "list", "--db", str(filled), "--format", "json"])
        assert listed.exit_code == 0, listed.output
        audit = runner.invoke(cli, ["audit", "Acme", "--db", str(filled), "--format", "json", "--model", "none"])
        assert audit.exit_code == 0, audit.output
        refused = runner.invoke(cli, ["store", "prune", "--before", "2024-03-05", "--yes", "--db", str(filled)])
        clean_error(refused, "read-only", str(filled))
    finally:
        filled.parent.chmod(0o755)
        filled.chmod(0o644)


def test_enrichment_kept_through_a_read_only_store_is_read_back_by_it(filled: Path) -> None:
    from socialstage.audit.enrichment import with_stored_enrichment

    other = Organization("Cust", (OrgAccount("twitter", "cust1"),))
    with Store(filled, read_only=True) as store:
        assert store.load_enrichment().empty  # an empty stand-in: the file has no enrichment table yet
        with_stored_enrichment(store, store.load_posts(ORG.keys), ORG)
        kept = store.load_enrichment()  # the writer's rows, not the empty stand-in
        assert len(kept) > 0
        with_stored_enrichment(store, store.load_posts(other.keys), other)
        assert len(store.load_enrichment()) >= len(kept)
    with Store(filled) as store:
        assert len(store.load_enrichment()) >= len(kept)
