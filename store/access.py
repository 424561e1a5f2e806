"""Opening the store read-only, and telling a store that cannot be written (a mixin of the store).

Read commands open the store with :func:`read_only_uri` (``mode=ro``, plus ``immutable=1`` when the file or its
folder cannot be written), so they work on a read-only file, folder or filesystem; nothing is created or
changed, and a table a newer version adds that the store lacks reads as an empty temporary table. Write
commands call :meth:`ReadOnlyAccess.ensure_writable` first, so a read-only store is one clear error.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Self

logger = logging.getLogger(__name__)

_TABLE_RE = re.compile(r"^\s*CREATE TABLE IF NOT EXISTS (\w+)", re.IGNORECASE)


class ReadOnlyStoreError(Exception):
    """A write to a store that cannot be written (a read-only file, folder or filesystem)."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"the store {path} is read-only")
        self.path = path


def writable_on_disk(path: Path) -> bool:
    """Whether SQLite can write the store at ``path``: the file and its folder (WAL and lock files) are writable."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def read_only_uri(path: Path) -> str:
    """The SQLite URI that opens ``path`` read-only: ``mode=ro``, plus ``immutable=1`` when the file or its folder
    cannot be written (a read-only file, folder or filesystem, where SQLite could not make its lock files).

    With ``immutable=1`` SQLite reads the database file alone: a write-ahead log left beside it by a writer
    that did not close (changes not yet checkpointed) is not read.
    """
    resolved = path.resolve()
    uri = f"file:{urllib.parse.quote(str(resolved), safe='/')}?mode=ro"
    return uri if writable_on_disk(resolved) else uri + "&immutable=1"


def is_read_only_error(exc: BaseException) -> bool:
    """Whether a sqlite3 error says the database cannot be written (SQLITE_READONLY and its variants)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith("SQLITE_READONLY") or "readonly database" in str(exc)


_TABLE_RE = re.compile(r"^\s*CREATE TABLE IF NOT EXISTS (\w+)", re.IGNORECASE)


class ReadOnlyAccess:
    """Schema creation that respects a read-only store, the write probe, and the cache writer."""

    _conn: sqlite3.Connection
    path: Path
    read_only: bool = False

    if TYPE_CHECKING:
        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def _has_table(self, name: str) -> bool:
        row = self._conn.execute("SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?", (name,))
        return row.fetchone() is not None

    def _ensure_schema(self, schema: str) -> None:
        """Create the tables of ``schema`` that are missing: in the file; read-only, as empty temporary tables."""
        if not self.read_only:
            self._conn.executescript(schema)
            self._conn.commit()
            return
        for statement in schema.split(";"):
            found = _TABLE_RE.match(statement)
            if found and not self._has_table(found.group(1)):
                self._conn.execute(_TABLE_RE.sub(r"CREATE TEMP TABLE IF NOT EXISTS \1", statement, count=1))

    def ensure_writable(self) -> None:
        """Raise :class:`ReadOnlyStoreError` unless a write to the store can succeed (tried and rolled back)."""
        if self.read_only:
            raise ReadOnlyStoreError(self.path)
        if self._conn.in_transaction:
            return
        try:
            self._conn.execute("BEGIN")
            self._conn.execute("CREATE TABLE _socialstage_write_probe (x)")
        except sqlite3.OperationalError as exc:
            if is_read_only_error(exc):
                raise ReadOnlyStoreError(self.path) from exc
            raise
        finally:
            self._conn.rollback()

    @contextmanager
    def cache_writer(self) -> Iterator[Self | None]:
        """Where a read keeps what it computed (stored enrichment), in one transaction: this store; for a
        read-only store, a short writable connection to the same file when the file and its folder can be
        written, else None (nothing is kept; a failed write is logged and the read goes on)."""
        if not self.read_only:
            with self.transaction():
                yield self
            return
        if not writable_on_disk(self.path):
            yield None
            return
        try:
            writer = type(self)(self.path)
        except sqlite3.Error as exc:
            logger.info("%s could not be opened for writing (%s); nothing computed is kept", self.path, exc)
            yield None
            return
        try:
            with writer.transaction():
                yield writer
        except sqlite3.Error as exc:
            logger.info("%s: what was computed was not kept (%s)", self.path, exc)
        else:
            self._unshadow()
        finally:
            writer.close()

    def _unshadow(self) -> None:
        """Drop the empty temporary stand-ins of tables the writer has since made in the file, so reads see them."""
        temporary = self._conn.execute("SELECT type, name FROM temp.sqlite_master WHERE type IN ('table', 'view')")
        dropped = False
        for kind, name in temporary.fetchall():
            if self._has_table(name) and name not in ("wanted", "wanted_posts"):
                self._conn.execute(f"DROP {'VIEW' if kind == 'view' else 'TABLE'} temp.{name}")
                dropped = True
        if dropped:  # the mixins check their tables again on next use
            self._collect_ready = self._enrichment_ready = False  # type: ignore[attr-defined]
