"""The embedded store: one SQLite file (WAL mode) holding posts, accounts, organizations and cursors.

Posts are upserted by (platform, post_id), so importing or collecting twice never duplicates a
post; a later copy fills in fields the earlier one lacked (an empty text included) and refreshes
public counts, but never erases a known value with a missing one.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import platformdirs

from collectors.records import (
    POST_COLUMNS,
    Account,
    OrgAccount,
    Organization,
    Post,
    format_time,
    normalize_handle,
    normalize_platform,
)
from store.access import (
    ReadOnlyAccess,
    ReadOnlyStoreError,
    is_read_only_error,
    read_only_uri,
    writable_on_disk,
)
from store.admin import Administration
from store.collection import CollectionState, UpsertCounts
from store.enrichment import Enrichment

logger = logging.getLogger(__name__)

__all__ = [  # the read-only helpers are re-exported from store.access
    "DB_ENV_VAR", "DB_FILENAME", "ReadOnlyStoreError", "Store", "UpsertCounts", "default_db_path", "format_time",
    "is_read_only_error", "read_only_uri", "resolve_db_path", "writable_on_disk",
]

DB_ENV_VAR = "SOCIALSTAGE_DB"
DB_FILENAME = "socialstage.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    author TEXT NOT NULL,
    author_key TEXT NOT NULL,
    author_id TEXT,
    created_at TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    in_reply_to_id TEXT,
    in_reply_to_author TEXT,
    repost_of_id TEXT,
    repost_of_author TEXT,
    quote_of_id TEXT,
    quote_of_author TEXT,
    conversation_id TEXT,
    urls TEXT,
    is_poll INTEGER NOT NULL DEFAULT 0,
    like_count INTEGER,
    repost_count INTEGER,
    reply_count INTEGER,
    PRIMARY KEY (platform, post_id)
);
CREATE INDEX IF NOT EXISTS posts_author ON posts (platform, author_key);
CREATE INDEX IF NOT EXISTS posts_reply ON posts (platform, in_reply_to_id);
CREATE INDEX IF NOT EXISTS posts_reply_author ON posts (platform, in_reply_to_author);
CREATE TABLE IF NOT EXISTS accounts (
    platform TEXT NOT NULL,
    handle_key TEXT NOT NULL,
    handle TEXT NOT NULL,
    account_id TEXT,
    display_name TEXT,
    bio TEXT,
    created_at TEXT,
    followers INTEGER,
    following INTEGER,
    post_count INTEGER,
    seen_at TEXT NOT NULL,
    PRIMARY KEY (platform, handle_key)
);
CREATE TABLE IF NOT EXISTS org_accounts (
    org TEXT NOT NULL,
    platform TEXT NOT NULL,
    handle TEXT NOT NULL,
    department TEXT,
    PRIMARY KEY (org, platform, handle)
);
CREATE TABLE IF NOT EXISTS cursors (
    platform TEXT NOT NULL,
    account TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    newest_id TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, account, endpoint)
);
"""

_UPDATABLE = [c for c in POST_COLUMNS if c not in ("platform", "post_id", "author", "created_at", "text")]
_COUNTS = ("like_count", "repost_count", "reply_count")
#: A correcting upsert (``import``): the file's author, time and text replace the stored ones; its other
#: values replace the stored ones where it gives them.
_CORRECT_SQL = (
    f"INSERT INTO posts (author_key, {', '.join(POST_COLUMNS)}) "
    f"VALUES (?, {', '.join('?' for _ in POST_COLUMNS)}) "
    "ON CONFLICT (platform, post_id) DO UPDATE SET author_key = excluded.author_key, author = excluded.author, "
    "created_at = excluded.created_at, text = excluded.text, "
    + ", ".join(f"{c} = COALESCE(excluded.{c}, {c})" for c in POST_COLUMNS
                if c not in ("platform", "post_id", "author", "created_at", "text"))
)
_UPSERT_SQL = (
    f"INSERT INTO posts (author_key, {', '.join(POST_COLUMNS)}) "
    f"VALUES (?, {', '.join('?' for _ in POST_COLUMNS)}) "
    "ON CONFLICT (platform, post_id) DO UPDATE SET "
    + ", ".join(f"{c} = COALESCE(excluded.{c}, {c})" for c in _UPDATABLE)
    + ", is_poll = MAX(is_poll, excluded.is_poll)"
    + ", text = CASE WHEN text = '' THEN excluded.text ELSE text END"
)


def default_db_path() -> Path:
    """Where the store lives unless ``--db`` or ``SOCIALSTAGE_DB`` says otherwise."""
    return Path(platformdirs.user_data_dir("socialstage", appauthor=False)) / DB_FILENAME


def resolve_db_path(option: str | os.PathLike[str] | None = None) -> Path:
    """The store's path: the option, else ``$SOCIALSTAGE_DB``, else the per-user data directory."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get(DB_ENV_VAR)
    if env:
        return Path(env).expanduser()
    return default_db_path()


class Store(ReadOnlyAccess, Administration, CollectionState, Enrichment):
    """The embedded SQLite store. Use as a context manager, or call :meth:`close`.

    ``read_only`` opens an existing store for reading only (:func:`read_only_uri`): nothing is created or
    changed, so it works on a read-only file, folder or filesystem; a table a newer version adds and the store
    lacks reads as empty (a temporary table). A write raises ``sqlite3.OperationalError`` (read-only).
    """

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if read_only:
            # autocommit: the temporary tables a read fills open no transaction, so no old snapshot is held
            self._conn = sqlite3.connect(read_only_uri(self.path), timeout=30.0, uri=True, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=30.0)
        try:
            if read_only:
                if not self._has_table("posts"):
                    raise sqlite3.DatabaseError("it has no posts table")
            else:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema(_SCHEMA)
        except sqlite3.Error:
            self._conn.close()
            raise

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All writes inside commit together or not at all."""
        try:
            yield self._conn
        except BaseException:
            self._conn.rollback()
            raise
        else:
            self._conn.commit()

    # -- posts ---------------------------------------------------------------------------------

    def count_posts(self) -> int:
        """The number of posts stored."""
        return int(self._conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])

    def upsert_posts(self, posts: Iterable[Post] | pd.DataFrame, *, commit: bool = True,
                     correct: bool = False) -> UpsertCounts:
        """Insert posts, or update the stored copy of each (platform, post_id) already present: filling in what
        it lacks (collections), or, with ``correct`` (imports), taking the new author, time and text and every
        value given, and counting the posts that changed. The counts are read inside the write transaction
        (``BEGIN IMMEDIATE``), so they are true when another process writes at the same time."""
        rows = list(_rows_from_frame(posts) if isinstance(posts, pd.DataFrame) else _rows_from_posts(posts))
        keys = {(str(r[1]), str(r[2])) for r in rows}  # (platform, post_id) after the author key
        own_transaction = commit and not self._conn.in_transaction
        try:
            if own_transaction:
                self._conn.execute("BEGIN IMMEDIATE")
            if correct:
                before = self._stored_rows(keys)
                stored = len(before)
            else:
                stored = self._count_stored(keys)  # index lookups: a COUNT(*) of the table grows with the store
            self._conn.executemany(_CORRECT_SQL if correct else _UPSERT_SQL, rows)
            changed = self._changed(before, keys) if correct else []
        except sqlite3.Error:
            if commit:
                self._conn.rollback()
            raise
        added = len(keys) - stored
        if commit:
            self._conn.commit()
        return UpsertCounts(added=added, already_stored=len(rows) - added, updated=len(changed),
                            updated_ids=tuple(changed))

    def _stored_rows(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], tuple[object, ...]]:
        """The stored posts of the (platform, post_id) keys, by key (index lookups, 500 at a time)."""
        columns = ", ".join(POST_COLUMNS)
        found: dict[tuple[str, str], tuple[object, ...]] = {}
        by_platform: dict[str, list[str]] = {}
        for platform, post_id in keys:
            by_platform.setdefault(platform, []).append(post_id)
        for platform, ids in by_platform.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for row in self._conn.execute(
                        f"SELECT {columns} FROM posts WHERE platform = ? AND post_id IN "
                        f"({', '.join('?' * len(chunk))})", (platform, *chunk)):
                    found[(str(row[0]), str(row[1]))] = tuple(row)
        return found

    def _changed(self, before: dict[tuple[str, str], tuple[object, ...]], keys: set[tuple[str, str]]) -> list[str]:
        """``platform/post_id`` of the stored posts whose row is not what it was (sorted)."""
        after = self._stored_rows({k for k in keys if k in before})
        return sorted(f"{p}/{i}" for (p, i), row in after.items() if row != before[(p, i)])

    def _count_stored(self, keys: set[tuple[str, str]]) -> int:
        """How many of the (platform, post_id) keys are stored."""
        by_platform: dict[str, list[str]] = {}
        for platform, post_id in keys:
            by_platform.setdefault(platform, []).append(post_id)
        found = 0
        for platform, ids in by_platform.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                found += self._conn.execute(
                    f"SELECT COUNT(*) FROM posts WHERE platform = ? AND post_id IN ({', '.join('?' * len(chunk))})",
                    (platform, *chunk),
                ).fetchone()[0]
        return found

    def load_posts(
        self, keys: Iterable[tuple[str, str]] | None = None, *, context: bool = True
    ) -> pd.DataFrame:
        """Posts as a DataFrame with ``POST_COLUMNS``.

        With ``keys`` ((platform, handle) pairs), only the posts of those accounts and, when
        ``context`` is set, the posts around them: replies to them, posts addressed to them or
        mentioning them, and the posts they reply to, repost or quote.
        """
        columns = ", ".join(POST_COLUMNS)
        if keys is None:
            return _frame(self._conn.execute(f"SELECT {columns} FROM posts").fetchall())
        keys = sorted({(normalize_platform(p), normalize_handle(h)) for p, h in keys})
        self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (platform TEXT, handle TEXT)")
        self._conn.execute("DELETE FROM wanted")
        self._conn.executemany("INSERT INTO wanted VALUES (?, ?)", keys)
        own = (
            f"SELECT {columns} FROM posts p WHERE EXISTS (SELECT 1 FROM wanted w "
            "WHERE w.platform = p.platform AND w.handle = p.author_key)"
        )
        if not context:
            return _frame(self._conn.execute(own).fetchall())
        query = f"""
        WITH own AS ({own})
        SELECT * FROM own
        UNION
        SELECT {columns} FROM posts p WHERE EXISTS (
            SELECT 1 FROM own o WHERE o.platform = p.platform AND o.post_id = p.in_reply_to_id)
        UNION
        SELECT {', '.join('p.' + c for c in POST_COLUMNS)} FROM posts p JOIN (
            SELECT platform, in_reply_to_id AS id FROM own UNION SELECT platform, repost_of_id FROM own
            UNION SELECT platform, quote_of_id FROM own) r ON r.platform = p.platform AND r.id = p.post_id
        UNION
        SELECT {columns} FROM posts p WHERE EXISTS (SELECT 1 FROM wanted w
            WHERE w.platform = p.platform AND (lower(p.in_reply_to_author) = w.handle
            OR instr(lower(p.text), '@' || w.handle) > 0 OR instr(lower(p.text), 'u/' || w.handle) > 0))
        """
        return _frame(self._conn.execute(query).fetchall())

    def authors(self) -> pd.DataFrame:
        """Every (platform, author) in the store with its post count."""
        rows = self._conn.execute(
            "SELECT platform, author, COUNT(*) FROM posts GROUP BY platform, author_key"
        ).fetchall()
        return pd.DataFrame(rows, columns=["platform", "author", "posts"])

    def platforms(self) -> list[str]:
        """The platforms that have posts in the store."""
        return [r[0] for r in self._conn.execute("SELECT DISTINCT platform FROM posts ORDER BY 1")]

    # -- accounts and organizations ------------------------------------------------------------

    def upsert_accounts(self, accounts: Iterable[Account], *, commit: bool = True) -> None:
        """Store or refresh account profiles."""
        now = format_time(datetime.now(UTC))
        rows = [
            (
                a.platform, normalize_handle(a.handle), a.handle, a.account_id, a.display_name, a.bio,
                format_time(a.created_at) if a.created_at else None, a.followers, a.following,
                a.post_count, now,
            )
            for a in accounts
        ]
        self._conn.executemany(
            "INSERT INTO accounts VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (platform, handle_key) DO UPDATE "
            "SET handle=excluded.handle, account_id=COALESCE(excluded.account_id, account_id), "
            "display_name=COALESCE(excluded.display_name, display_name), bio=COALESCE(excluded.bio, bio), "
            "created_at=COALESCE(excluded.created_at, created_at), followers=excluded.followers, "
            "following=excluded.following, post_count=excluded.post_count, seen_at=excluded.seen_at",
            rows,
        )
        if commit:
            self._conn.commit()

    def load_accounts(self, keys: Iterable[tuple[str, str]]) -> list[Account]:
        """The stored profiles of the given (platform, handle) accounts that have one."""
        found = []
        for platform, handle in keys:
            row = self._conn.execute(
                "SELECT platform, handle, account_id, display_name, bio, created_at, followers, following, "
                "post_count FROM accounts WHERE platform = ? AND handle_key = ?",
                (platform, normalize_handle(handle)),
            ).fetchone()
            if row:
                created = datetime.fromisoformat(row[5]) if row[5] else None
                found.append(Account(row[0], row[1], row[2], row[3], row[4], created, *row[6:]))
        return found

    def save_organization(self, org: Organization) -> None:
        """Remember an organization's accounts (replacing what was stored for that name)."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM org_accounts WHERE org = ?", (org.name,))
            conn.executemany(
                "INSERT INTO org_accounts VALUES (?, ?, ?, ?)",
                [(org.name, a.platform, a.handle, a.department) for a in org.accounts],
            )

    def load_organization(self, name: str) -> Organization | None:
        """A stored organization by name (case-insensitive), or None."""
        rows = self._conn.execute(
            "SELECT org, platform, handle, department FROM org_accounts WHERE lower(org) = lower(?) "
            "ORDER BY platform, handle",
            (name,),
        ).fetchall()
        if not rows:
            return None
        return Organization(rows[0][0], tuple(OrgAccount(r[1], r[2], r[3]) for r in rows))

    # -- cursors --------------------------------------------------------------------------------

    def get_cursor(self, platform: str, account: str, endpoint: str) -> str | None:
        """The newest post id seen for (account, endpoint), or None."""
        row = self._conn.execute(
            "SELECT newest_id FROM cursors WHERE platform=? AND account=? AND endpoint=?",
            (platform, normalize_handle(account), endpoint),
        ).fetchone()
        return row[0] if row else None

    def set_cursor(
        self, platform: str, account: str, endpoint: str, newest_id: str, *, commit: bool = True
    ) -> None:
        """Record the newest post id seen for (account, endpoint)."""
        self._conn.execute(
            "INSERT INTO cursors VALUES (?,?,?,?,?) ON CONFLICT (platform, account, endpoint) DO UPDATE "
            "SET newest_id=excluded.newest_id, updated_at=excluded.updated_at",
            (platform, normalize_handle(account), endpoint, newest_id, format_time(datetime.now(UTC))),
        )
        if commit:
            self._conn.commit()


def _rows_from_posts(posts: Iterable[Post]) -> Iterator[Sequence[object]]:
    for post in posts:
        row = post.as_row()
        row["created_at"] = format_time(post.created_at)
        row["is_poll"] = int(bool(post.is_poll))
        yield (normalize_handle(post.author), *(row[c] for c in POST_COLUMNS))


def _rows_from_frame(frame: pd.DataFrame) -> Iterator[Sequence[object]]:
    data = frame.reindex(columns=list(POST_COLUMNS))
    created = pd.to_datetime(data["created_at"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    data = data.astype(object).where(data.notna(), None)
    data["created_at"] = created
    data["is_poll"] = [int(bool(v)) if v is not None else 0 for v in data["is_poll"]]
    data["text"] = [v if v is not None else "" for v in data["text"]]
    for count in _COUNTS:
        data[count] = [int(v) if v is not None else None for v in data[count]]
    keys = [normalize_handle(str(a)) for a in data["author"]]
    for key, row in zip(keys, data.itertuples(index=False, name=None), strict=True):
        yield (key, *row)


def _frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(POST_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    frame["is_poll"] = frame["is_poll"].astype(bool)
    for count in _COUNTS:
        frame[count] = frame[count].astype("Int64")
    return frame
