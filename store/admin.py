"""Managing what the store holds (a mixin of the store): what is in it, an organization's posts, deleting an
organization, pruning posts outside a window.

Every change runs in one transaction and its counts are the rows the database removed (``rowcount``), so they
stay true when another process writes at the same time. A post removed takes with it what the store keeps
beside it (``enrichment``, ``post_meta``).
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from collectors.records import Organization, normalize_handle, normalize_platform

if TYPE_CHECKING:
    import pandas as pd

#: Tables keyed like the posts, whose rows go with their post.
_BESIDE_POSTS = ("enrichment", "post_meta")
#: Tables of per-account state (platform, column holding the handle key), cleared with an organization's accounts.
_ACCOUNT_STATE = (("accounts", "handle_key"), ("cursors", "account"), ("collect_progress", "account"),
                  ("collection_log", "account"))


def store_time(value: datetime) -> str:
    """A time as the store writes it (fixed-width ISO 8601, UTC), so text comparison is time comparison."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class AccountSummary:
    """One account in the store: its organization (None: in none), post count and first and last post times."""

    org: str | None
    platform: str
    account: str
    department: str | None
    posts: int
    first_post: str | None
    last_post: str | None


@dataclass
class Deleted:
    """What :meth:`Administration.delete_organization` removed, and the accounts it kept for another organization."""

    posts: int = 0
    accounts: int = 0
    definition: int = 0
    kept: dict[str, list[str]] = field(default_factory=dict)  # "platform:handle" -> the other organizations


class Administration:
    """Store-management methods (see the module docstring); needs the store's connection and helpers."""

    _conn: sqlite3.Connection

    if TYPE_CHECKING:
        def _has_table(self, name: str) -> bool: ...
        def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def load_posts(self, keys: object = None, *, context: bool = True) -> pd.DataFrame: ...

    # -- reading -------------------------------------------------------------------------------------

    def organization_names(self) -> list[str]:
        """The organizations defined in the store, by name."""
        return [r[0] for r in self._conn.execute("SELECT DISTINCT org FROM org_accounts ORDER BY lower(org), org")]

    def account_summaries(self, others: int | None = None) -> tuple[list[AccountSummary], int]:
        """Every organization's accounts, then the accounts in no organization (most posts first; at most
        ``others`` of them, all with None); returns them and how many accounts in no organization were left out."""
        found: list[AccountSummary] = []
        org_keys: set[tuple[str, str]] = set()
        rows = self._conn.execute(
            "SELECT org, platform, handle, department FROM org_accounts ORDER BY lower(org), org, platform, handle"
        ).fetchall()
        for org, platform, handle, department in rows:
            key = (normalize_platform(platform), normalize_handle(handle))
            org_keys.add(key)
            count, first, last = self._conn.execute(
                "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM posts WHERE platform = ? AND author_key = ?",
                key,
            ).fetchone()
            found.append(AccountSummary(org, key[0], handle, department, int(count), first, last))
        authors = self._conn.execute(
            "SELECT platform, author_key, MIN(author), COUNT(*), MIN(created_at), MAX(created_at) FROM posts "
            "GROUP BY platform, author_key ORDER BY COUNT(*) DESC, platform, author_key"
        )
        shown = left_out = 0
        for platform, key, author, count, first, last in authors:
            if (platform, key) in org_keys:
                continue
            if others is not None and shown >= others:
                left_out += 1
                continue
            found.append(AccountSummary(None, platform, author, None, int(count), first, last))
            shown += 1
        return found, left_out

    def contents(self) -> dict[str, object]:
        """posts, first_post, last_post (stored times) and accounts (distinct authors) in the store."""
        query = "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM posts"
        posts, first, last = self._conn.execute(query).fetchone()
        authors = self._conn.execute("SELECT COUNT(*) FROM (SELECT 1 FROM posts GROUP BY platform, author_key)")
        return {"posts": int(posts), "first_post": first, "last_post": last, "accounts": int(authors.fetchone()[0])}

    def organization_posts(self, org: Organization, *, context: bool = True) -> pd.DataFrame:
        """An organization's posts (``context``: with the posts around them an audit reads), oldest first."""
        frame = self.load_posts(org.keys, context=context)
        return frame.sort_values(["created_at", "platform", "post_id"], kind="stable").reset_index(drop=True)

    def count_account_posts(self, keys: list[tuple[str, str]]) -> int:
        """How many posts the (platform, handle) accounts wrote."""
        return sum(int(self._conn.execute("SELECT COUNT(*) FROM posts WHERE platform = ? AND author_key = ?",
                                          (normalize_platform(p), normalize_handle(h))).fetchone()[0])
                   for p, h in keys)

    def count_outside(self, before: datetime | None, after: datetime | None) -> int:
        """How many posts were written before ``before`` or after ``after``."""
        where, params = _outside(before, after)
        return int(self._conn.execute(f"SELECT COUNT(*) FROM posts WHERE {where}", params).fetchone()[0])

    # -- changing ------------------------------------------------------------------------------------

    def delete_organization(self, org: Organization, *, definition: bool = True) -> Deleted:
        """Remove the posts of the organization's accounts (with what is kept beside them), its accounts' profiles,
        cursors and collection state, and (``definition``) its definition; an account another organization also
        lists keeps its posts and state (see :attr:`Deleted.kept`)."""
        deleted = Deleted()
        with self.transaction() as conn:
            listed: dict[tuple[str, str], set[str]] = {}
            for other, platform, handle in conn.execute("SELECT org, platform, handle FROM org_accounts"):
                if other.lower() != org.name.lower():
                    listed.setdefault((normalize_platform(platform), normalize_handle(handle)), set()).add(other)
            for account in org.accounts:
                key = (normalize_platform(account.platform), normalize_handle(account.handle))
                if key in listed:
                    deleted.kept[f"{key[0]}:{account.handle}"] = sorted(listed[key])
                    continue
                deleted.posts += self._delete_posts("platform = ? AND author_key = ?", key)
                for table, column in _ACCOUNT_STATE:
                    if self._has_table(table):
                        removed = conn.execute(f"DELETE FROM {table} WHERE platform = ? AND {column} = ?", key)
                        deleted.accounts += removed.rowcount if table == "accounts" else 0
            if definition:
                removed = conn.execute("DELETE FROM org_accounts WHERE lower(org) = lower(?)", (org.name,))
                deleted.definition = removed.rowcount
        return deleted

    def prune_posts(self, before: datetime | None, after: datetime | None) -> int:
        """Remove the posts written before ``before`` or after ``after`` (with what is kept beside them)."""
        where, params = _outside(before, after)
        with self.transaction():
            return self._delete_posts(where, params)

    def _delete_posts(self, where: str, params: tuple[object, ...]) -> int:
        """Delete the posts matching ``where`` and their rows in the tables beside them; returns the post count."""
        self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS doomed_posts (platform TEXT, post_id TEXT)")
        self._conn.execute("DELETE FROM doomed_posts")
        self._conn.execute(f"INSERT INTO doomed_posts SELECT platform, post_id FROM posts WHERE {where}", params)
        doomed = "(platform, post_id) IN (SELECT platform, post_id FROM doomed_posts)"
        for table in _BESIDE_POSTS:
            if self._has_table(table):
                self._conn.execute(f"DELETE FROM {table} WHERE {doomed}")
        count = int(self._conn.execute(f"DELETE FROM posts WHERE {doomed}").rowcount)
        self._conn.execute("DELETE FROM doomed_posts")
        return count


def _outside(before: datetime | None, after: datetime | None) -> tuple[str, tuple[object, ...]]:
    if before is None and after is None:
        raise ValueError("give before, after or both")
    parts, params = [], []
    if before is not None:
        parts.append("created_at < ?")
        params.append(store_time(before))
    if after is not None:
        parts.append("created_at > ?")
        params.append(store_time(after))
    return " OR ".join(parts), tuple(params)

