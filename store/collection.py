"""The store's collection state: pages saved with their cursor, the work queue, the collection log.

:class:`CollectionState` is a base class of :class:`store.database.Store` (kept in its own module so
the store stays small). Its tables are created the first time one of its methods runs:

* ``collect_progress``: an (account, endpoint) run that has not reached its end yet (where the next
  page starts, the cursor it started from, the newest id fetched so far, the date floor it runs under);
* ``collect_queue``: items a collector has to fetch once (Reddit comment trees and the parents of an
  account's comments): queued with the page that found them, marked done with the transaction that
  saves what they gave, so a killed run fetches what is left on the next run and no item is fetched
  twice, even when several accounts find it;
* ``rate_budgets``: rate-limit budgets found spent (requests left < 1) and when they reset, per platform and
  bucket, so the next process waits for the reset instead of spending a request on a 429;
* ``post_meta``: platform details kept beside a post (Reddit ``distinguished``, flair, subreddit);
* ``collection_log``: the outcome of each account's latest collection (missing parts, errors, notes),
  which ``socialstage audit`` reports;
* ``collection_notes``: every note of every collection of an account (history caps, the 7 days of X's
  recent search, unexpanded comments...), kept per account and cumulative, each written when it arises,
  so a later run that has nothing to note, or a killed run, loses none.

The cursor itself stays in the store's ``cursors`` table (the newest id of the last complete run).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

from collectors.page_store import PageCursor, QueueItem, UpsertCounts
from collectors.records import Account, Post, PostMeta, format_time, normalize_handle, normalize_platform

_SCHEMA = """
CREATE TABLE IF NOT EXISTS collect_progress (
    platform TEXT NOT NULL, account TEXT NOT NULL, endpoint TEXT NOT NULL,
    since_id TEXT, newest_id TEXT, resume TEXT, fetched INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
    floor TEXT,
    PRIMARY KEY (platform, account, endpoint)
);
CREATE TABLE IF NOT EXISTS collect_queue (
    platform TEXT NOT NULL, kind TEXT NOT NULL, item_id TEXT NOT NULL, account TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, kind, item_id)
);
CREATE TABLE IF NOT EXISTS rate_budgets (
    platform TEXT NOT NULL, bucket TEXT NOT NULL, remaining REAL, reset_at REAL,
    PRIMARY KEY (platform, bucket)
);
CREATE TABLE IF NOT EXISTS post_meta (
    platform TEXT NOT NULL, post_id TEXT NOT NULL, distinguished TEXT, flair TEXT, community TEXT,
    PRIMARY KEY (platform, post_id)
);
CREATE TABLE IF NOT EXISTS collection_notes (
    platform TEXT NOT NULL, account TEXT NOT NULL, note TEXT NOT NULL, noted_at TEXT NOT NULL,
    PRIMARY KEY (platform, account, note)
);
CREATE TABLE IF NOT EXISTS collection_log (
    platform TEXT NOT NULL, account TEXT NOT NULL, status TEXT NOT NULL, summary TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (platform, account)
);
"""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class CollectionState:
    """Collection methods of the store (see the module docstring)."""

    # Store provides _conn, _ensure_schema(), transaction(), upsert_posts(), upsert_accounts() and set_cursor().
    _conn: sqlite3.Connection
    _collect_ready: bool = False

    def _ensure_schema(self, schema: str) -> None:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def _collect_tables(self) -> None:
        if not self._collect_ready:
            self._ensure_schema(_SCHEMA)
            if not getattr(self, "read_only", False):
                columns = {row[1] for row in self._conn.execute("PRAGMA table_info(collect_progress)")}
                if "floor" not in columns:  # a store written before the floor was kept
                    self._conn.execute("ALTER TABLE collect_progress ADD COLUMN floor TEXT")
                    self._conn.commit()
            self._collect_ready = True

    def save_page(
        self,
        cursor: PageCursor | None,
        posts: Iterable[Post] = (),
        *,
        accounts: Iterable[Account] = (),
        meta: Iterable[PostMeta] = (),
        enqueue: Iterable[QueueItem] = (),
        requeue: Iterable[QueueItem] = (),
        dequeue: Iterable[QueueItem] = (),
        reply_parents: Iterable[tuple[str, str]] = (),
    ) -> UpsertCounts:
        """Store one fetched page and where its collection stands, in ONE transaction.

        With ``cursor.resume`` set the run is under way and the next page starts there; with
        ``cursor.resume`` None the run reached its end: its newest id becomes the (account, endpoint)
        cursor and the progress row goes (``cursor`` None: no cursor change). ``enqueue`` queues work items
        (an item queued before, by any account, is not queued again); ``requeue`` queues items to fetch
        again even when done before (a thread to re-read), under the given account; ``dequeue`` marks them done;
        ``reply_parents`` are (platform, parent id) pairs whose stored replies get their missing
        ``in_reply_to_author`` from the stored parent.
        """
        self._collect_tables()
        posts = list(posts)
        with self.transaction() as conn:
            counts = self.upsert_posts(posts, commit=False)
            self.upsert_accounts(list(accounts), commit=False)
            conn.executemany(
                "INSERT INTO post_meta VALUES (?,?,?,?,?) ON CONFLICT (platform, post_id) DO UPDATE SET "
                "distinguished=excluded.distinguished, flair=COALESCE(excluded.flair, flair), "
                "community=COALESCE(excluded.community, community)",
                [(m.platform, m.post_id, m.distinguished, m.flair, m.community) for m in meta],
            )
            conn.executemany(
                "INSERT OR IGNORE INTO collect_queue VALUES (?,?,?,?,0)",
                [(p, k, i, normalize_handle(a)) for p, a, k, i in enqueue],
            )
            conn.executemany(
                "INSERT INTO collect_queue VALUES (?,?,?,?,0) ON CONFLICT (platform, kind, item_id) "
                "DO UPDATE SET done=0, account=excluded.account",
                [(p, k, i, normalize_handle(a)) for p, a, k, i in requeue],
            )
            conn.executemany(
                "UPDATE collect_queue SET done=1 WHERE platform=? AND kind=? AND item_id=?",
                [(p, k, i) for p, _, k, i in dequeue],
            )
            conn.executemany(
                "UPDATE posts SET in_reply_to_author = (SELECT p.author FROM posts p "
                "WHERE p.platform = posts.platform AND p.post_id = posts.in_reply_to_id) "
                # "+": look the replies up by parent (posts_reply), not every post without a parent author
                "WHERE platform = ? AND in_reply_to_id = ? AND +in_reply_to_author IS NULL",
                list(reply_parents),
            )
            if cursor is not None:
                self._save_cursor(conn, cursor)
        return counts

    def _save_cursor(self, conn: sqlite3.Connection, cursor: PageCursor) -> None:
        key = (cursor.platform, normalize_handle(cursor.account), cursor.endpoint)
        if cursor.resume is None:
            newest = cursor.newest_id or cursor.since_id
            if newest:
                self.set_cursor(*key, newest, commit=False)
            conn.execute("DELETE FROM collect_progress WHERE platform=? AND account=? AND endpoint=?", key)
            return
        conn.execute(
            "INSERT INTO collect_progress (platform, account, endpoint, since_id, newest_id, resume, fetched, "
            "updated_at, floor) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (platform, account, endpoint) "
            "DO UPDATE SET since_id=excluded.since_id, newest_id=excluded.newest_id, resume=excluded.resume, "
            "fetched=excluded.fetched, updated_at=excluded.updated_at, floor=excluded.floor",
            (*key, cursor.since_id, cursor.newest_id, cursor.resume, cursor.fetched, _now(),
             cursor.floor.isoformat() if cursor.floor else None),
        )

    def save_rate_budget(self, platform: str, bucket: str, remaining: float | None, reset_at: float | None) -> None:
        """Remember a rate-limit budget of ``platform`` (``reset_at``: epoch seconds)."""
        self._collect_tables()
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO rate_budgets VALUES (?,?,?,?)",
                         (platform, bucket, remaining, reset_at))

    def load_rate_budgets(self, platform: str) -> dict[str, tuple[float | None, float | None]]:
        """The remembered budgets of ``platform``: bucket -> (requests left, reset time in epoch seconds)."""
        self._collect_tables()
        rows = self._conn.execute("SELECT bucket, remaining, reset_at FROM rate_budgets WHERE platform=?", (platform,))
        return {r[0]: (r[1], r[2]) for r in rows}

    def load_progress(self, platform: str, account: str, endpoint: str) -> PageCursor | None:
        """The unfinished run of (account, endpoint), if one was interrupted, else None."""
        self._collect_tables()
        row = self._conn.execute(
            "SELECT since_id, newest_id, resume, fetched, floor FROM collect_progress "
            "WHERE platform=? AND account=? AND endpoint=?",
            (platform, normalize_handle(account), endpoint),
        ).fetchone()
        if row is None:
            return None
        floor = datetime.fromisoformat(row[4]) if row[4] else None
        return PageCursor(platform, account, endpoint, row[0], row[1], row[2], int(row[3] or 0), floor)

    def queued(self, platform: str, account: str, kind: str) -> list[str]:
        """Item ids the account queued that are not done yet, in the order they were queued."""
        self._collect_tables()
        rows = self._conn.execute(
            "SELECT item_id FROM collect_queue WHERE platform=? AND account=? AND kind=? AND done=0 ORDER BY rowid",
            (platform, normalize_handle(account), kind),
        )
        return [r[0] for r in rows]

    def recent_thread_starts(
        self, platform: str, since: datetime, *, author: str | None = None, community: str | None = None
    ) -> list[tuple[str, int | None]]:
        """(post id, stored reply count) of the stored posts that start a conversation (Reddit submissions),
        created at ``since`` or later, by ``author`` or in ``community``, newest first."""

        sql = ("SELECT p.post_id, p.reply_count FROM posts p WHERE p.platform=? AND p.conversation_id=p.post_id "
               "AND p.in_reply_to_id IS NULL AND p.created_at >= ?")
        args: list[object] = [platform, format_time(since)]
        if author is not None:
            sql += " AND p.author_key=?"
            args.append(normalize_handle(author))
        if community is not None:
            self._collect_tables()
            sql += (" AND EXISTS (SELECT 1 FROM post_meta m WHERE m.platform=p.platform AND m.post_id=p.post_id "
                    "AND lower(m.community)=lower(?))")
            args.append(community)
        rows = self._conn.execute(sql + " ORDER BY p.created_at DESC", args)
        return [(r[0], None if r[1] is None else int(r[1])) for r in rows]

    def stored_ids(self, platform: str, post_ids: Iterable[str]) -> set[str]:
        """Which of ``post_ids`` are already stored for ``platform``."""
        ids = list(dict.fromkeys(post_ids))
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" for _ in chunk)
            rows = self._conn.execute(
                f"SELECT post_id FROM posts WHERE platform=? AND post_id IN ({marks})", (platform, *chunk)
            )
            found.update(r[0] for r in rows)
        return found

    def count_authored(self, platform: str, handle: str) -> int:
        """How many stored posts the account authored."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM posts WHERE platform=? AND author_key=?", (platform, normalize_handle(handle))
        ).fetchone()
        return int(row[0])

    def load_post_meta(self, platform: str, post_id: str) -> PostMeta | None:
        """The platform details kept for a post, or None."""
        self._collect_tables()
        row = self._conn.execute(
            "SELECT distinguished, flair, community FROM post_meta WHERE platform=? AND post_id=?",
            (platform, post_id),
        ).fetchone()
        return PostMeta(platform, post_id, *row) if row else None

    def save_collection(self, platform: str, account: str, status: str, summary: dict[str, object]) -> None:
        """Remember the outcome of the latest collection of an account (replacing the previous one)."""
        self._collect_tables()
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO collection_log VALUES (?,?,?,?,?)",
                (platform, normalize_handle(account), status, json.dumps(summary, default=str), _now()),
            )

    def add_collection_notes(self, platform: str, account: str, notes: Iterable[str]) -> None:
        """Keep ``notes`` of a collection of an account (a note kept before is not repeated)."""
        self._collect_tables()
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO collection_notes VALUES (?,?,?,?)",
                [(normalize_platform(platform), normalize_handle(account), note, _now()) for note in notes],
            )

    def collection_notes(self, platform: str, account: str) -> list[str]:
        """Every note kept for an account, over all its collections, in the order they arose."""
        self._collect_tables()
        rows = self._conn.execute(
            "SELECT note FROM collection_notes WHERE platform=? AND account=? ORDER BY rowid",
            (normalize_platform(platform), normalize_handle(account)),
        )
        return [r[0] for r in rows]

    def load_collections(self, keys: Iterable[tuple[str, str]]) -> list[dict[str, object]]:
        """The latest collection outcome of each given (platform, handle) that has one, with the notes of all
        its collections (cumulative; also for an account whose only collection was killed before its end)."""
        self._collect_tables()
        found = []
        for platform, handle in keys:
            row = self._conn.execute(
                "SELECT status, summary, finished_at FROM collection_log WHERE platform=? AND account=?",
                (normalize_platform(platform), normalize_handle(handle)),
            ).fetchone()
            kept = self.collection_notes(platform, handle)
            if row:
                summary = json.loads(row[1])
                notes = list(dict.fromkeys([*kept, *(summary.get("notes") or [])]))
                found.append({**summary, "notes": notes, "status": row[0], "finished_at": row[2]})
            elif kept:
                found.append({"notes": kept})
        return found
