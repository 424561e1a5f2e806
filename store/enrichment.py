"""The store's enrichment: values computed from a post once and kept beside it.

:class:`Enrichment` is a base class of :class:`store.database.Store`. Its table, ``enrichment``, is
created the first time one of its methods runs; it is keyed like the posts, (platform, post_id), and
holds for each post:

* ``sentiment``: the VADER compound score of the text (``features.sentiment``), NULL when the text has
  none (empty after removing links and mentions);
* ``message_type``: information, action or dialogue (``features.message_types``), with
  ``message_type_addressed`` (1/0): whether the text was read as addressed to someone (a reply to
  another author), which the type depends on; NULL when not known (a store made before it was kept);
* ``signature``: the agent sign-off the text ends with (``features.text.signatures``), NULL when none.

Each value has its own version column (``sentiment_version`` ...): the scorer that made it. A row whose
version differs from the current scorer's is stale and computed again; a NULL value with a current
version means "computed: there is none", so it is not computed again. Saving one value never erases
the others. A store made before ``message_type_addressed`` existed gets the column on first use.

A post whose text or reply, repost or quote fields change in the ``posts`` table (an upsert fills in
what an earlier copy lacked) loses its row (a trigger): its values are computed again from what it says now.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pandas as pd

#: The values the table holds; each has a ``<name>_version`` column.
ENRICHMENT_VALUES: tuple[str, ...] = ("sentiment", "message_type", "signature")
#: Columns saved with a value (when its frame has them) and made by the same version.
_COMPANIONS: dict[str, tuple[str, ...]] = {"message_type": ("message_type_addressed",)}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS enrichment (
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    sentiment REAL,
    sentiment_version TEXT,
    message_type TEXT,
    message_type_version TEXT,
    message_type_addressed INTEGER,
    signature TEXT,
    signature_version TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, post_id)
);
"""
_STALE_TRIGGER = """
CREATE TRIGGER IF NOT EXISTS enrichment_stale AFTER UPDATE ON posts
WHEN old.text IS NOT new.text OR old.in_reply_to_id IS NOT new.in_reply_to_id
  OR old.in_reply_to_author IS NOT new.in_reply_to_author OR old.repost_of_id IS NOT new.repost_of_id
  OR old.quote_of_id IS NOT new.quote_of_id
BEGIN
  DELETE FROM enrichment WHERE platform = old.platform AND post_id = old.post_id;
END;
"""


class Enrichment:
    """Reading and writing the ``enrichment`` table (a mixin of the store; needs ``self._conn``)."""

    _conn: sqlite3.Connection
    _enrichment_ready: bool = False
    read_only: bool = False

    def _ensure_schema(self, schema: str) -> None:  # pragma: no cover - provided by the store
        raise NotImplementedError

    def _enrichment_table(self) -> None:
        if self._enrichment_ready:
            return
        if self.read_only:  # nothing is changed: a missing table is an empty temporary one, a missing column NULL
            self._ensure_schema(_SCHEMA)
            present = {row[1] for row in self._conn.execute("PRAGMA table_info(enrichment)")}
            if "message_type_addressed" not in present:
                self._conn.execute("CREATE TEMP VIEW enrichment AS "
                                   "SELECT *, NULL AS message_type_addressed FROM main.enrichment")
            self._enrichment_ready = True
            return
        self._conn.executescript(_SCHEMA)
        present = {row[1] for row in self._conn.execute("PRAGMA table_info(enrichment)")}
        if "message_type_addressed" not in present:  # a store made before the column existed
            self._conn.execute("ALTER TABLE enrichment ADD COLUMN message_type_addressed INTEGER")
        if self._conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'posts'").fetchone():
            self._conn.executescript(_STALE_TRIGGER)
        self._conn.commit()
        self._enrichment_ready = True

    def save_enrichment(self, frame: pd.DataFrame, value: str, version: str, *, commit: bool = True) -> int:
        """Store ``frame[value]`` (rows of platform, post_id, value) made by ``version``; returns the row count.

        A missing value is stored as NULL with its version (computed: there is none); a signature ``""``
        (none) as NULL too. ``message_type`` is saved with ``message_type_addressed`` when ``frame`` has
        that column (else NULL: not known). The post need not be in the ``posts`` table. The other values
        of a row are kept.
        """
        if value not in ENRICHMENT_VALUES:
            raise ValueError(f"unknown enrichment value {value!r}; one of {', '.join(ENRICHMENT_VALUES)}")
        self._enrichment_table()
        extra = list(_COMPANIONS.get(value, ()))
        data = frame.reindex(columns=["platform", "post_id", value, *extra]).astype(object)
        data = data.where(data.notna() & (data != ""), None)
        for column in extra:
            data[column] = data[column].map(lambda flag: None if flag is None else int(bool(flag)))
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = [(str(p), str(i), *values, version, now)
                for p, i, *values in data.itertuples(index=False, name=None)]
        names = [value, *extra]
        updates = ", ".join(f"{c} = excluded.{c}" for c in [*names, f"{value}_version", "updated_at"])
        self._conn.executemany(
            f"INSERT INTO enrichment (platform, post_id, {', '.join(names)}, {value}_version, updated_at) "
            f"VALUES ({', '.join('?' for _ in range(len(names) + 4))}) "
            f"ON CONFLICT (platform, post_id) DO UPDATE SET {updates}",
            rows,
        )
        if commit:
            self._conn.commit()
        return len(rows)

    def load_enrichment(self, keys: pd.DataFrame | None = None) -> pd.DataFrame:
        """Stored enrichment rows: of the (platform, post_id) pairs in ``keys``, or all (``keys`` None).

        Columns: platform, post_id, each value with its version, and ``message_type_addressed`` (True,
        False or None); posts without a row are absent.
        """
        self._enrichment_table()
        columns = ["platform", "post_id"] + [c for v in ENRICHMENT_VALUES for c in (v, f"{v}_version")]
        columns += [c for v in ENRICHMENT_VALUES for c in _COMPANIONS.get(v, ())]
        select = ", ".join(f"e.{c}" for c in columns)
        if keys is None:
            rows = self._conn.execute(f"SELECT {select} FROM enrichment e").fetchall()
        else:
            wanted = keys[["platform", "post_id"]].astype(str).drop_duplicates()
            self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_posts (platform TEXT, post_id TEXT)")
            self._conn.execute("DELETE FROM wanted_posts")
            self._conn.executemany("INSERT INTO wanted_posts VALUES (?, ?)", wanted.itertuples(index=False, name=None))
            rows = self._conn.execute(
                f"SELECT {select} FROM enrichment e JOIN wanted_posts w "
                "ON w.platform = e.platform AND w.post_id = e.post_id"
            ).fetchall()
        frame = pd.DataFrame(rows, columns=columns)
        frame["sentiment"] = frame["sentiment"].astype(float)
        frame["message_type_addressed"] = pd.Series(
            [None if pd.isna(v) else bool(v) for v in frame["message_type_addressed"]], index=frame.index, dtype=object)
        return frame
