"""The store's enrichment: values computed from a post once and kept beside it.

:class:`Enrichment` is a base class of :class:`collectors.store.Store`. Its table, ``enrichment``, is
created the first time one of its methods runs; it is keyed like the posts, (platform, post_id), and
holds for each post:

* ``sentiment``: the VADER compound score of the text (``features.sentiment``), NULL when the text has
  none (empty after removing links and mentions);
* ``message_type``: information, action or dialogue (``features.message_types``);
* ``signature``: the agent sign-off the text ends with (``features.text.signatures``), NULL when none.

Each value has its own version column (``sentiment_version`` ...): the scorer that made it. A row whose
version differs from the current scorer's is stale and computed again; a NULL value with a current
version means "computed: there is none", so it is not computed again. Saving one value never erases
the others.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pandas as pd

#: The values the table holds; each has a ``<name>_version`` column.
ENRICHMENT_VALUES: tuple[str, ...] = ("sentiment", "message_type", "signature")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS enrichment (
    platform TEXT NOT NULL,
    post_id TEXT NOT NULL,
    sentiment REAL,
    sentiment_version TEXT,
    message_type TEXT,
    message_type_version TEXT,
    signature TEXT,
    signature_version TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, post_id)
);
"""


class Enrichment:
    """Reading and writing the ``enrichment`` table (a mixin of the store; needs ``self._conn``)."""

    _conn: sqlite3.Connection

    def _enrichment_table(self) -> None:
        self._conn.executescript(_SCHEMA)

    def save_enrichment(self, frame: pd.DataFrame, value: str, version: str, *, commit: bool = True) -> int:
        """Store ``frame[value]`` (rows of platform, post_id, value) made by ``version``; returns the row count.

        A missing value is stored as NULL with its version (computed: there is none). The post need not be
        in the ``posts`` table. The other values of a row are kept.
        """
        if value not in ENRICHMENT_VALUES:
            raise ValueError(f"unknown enrichment value {value!r}; one of {', '.join(ENRICHMENT_VALUES)}")
        self._enrichment_table()
        data = frame[["platform", "post_id", value]].astype(object)
        data = data.where(data.notna(), None)
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        rows = [(str(p), str(i), v, version, now) for p, i, v in data.itertuples(index=False, name=None)]
        self._conn.executemany(
            f"INSERT INTO enrichment (platform, post_id, {value}, {value}_version, updated_at) VALUES (?,?,?,?,?) "
            f"ON CONFLICT (platform, post_id) DO UPDATE SET {value} = excluded.{value}, "
            f"{value}_version = excluded.{value}_version, updated_at = excluded.updated_at",
            rows,
        )
        if commit:
            self._conn.commit()
        return len(rows)

    def load_enrichment(self, keys: pd.DataFrame | None = None) -> pd.DataFrame:
        """Stored enrichment rows: of the (platform, post_id) pairs in ``keys``, or all (``keys`` None).

        Columns: platform, post_id and each value with its version; posts without a row are absent.
        """
        self._enrichment_table()
        columns = ["platform", "post_id"] + [c for v in ENRICHMENT_VALUES for c in (v, f"{v}_version")]
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
        return frame
