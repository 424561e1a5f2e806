"""What a collector needs of the store it writes into, and the values that cross between them.

A collector saves each fetched page with its cursor in one transaction and reads back where an earlier run
stopped; :class:`PageStore` names exactly those calls, so the collectors depend on this protocol and not on
SQLite. ``store.database.Store`` implements it (``tests/test_page_store.py`` checks that it does).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from collectors.records import Account, Post, PostMeta

if TYPE_CHECKING:
    import pandas as pd

QueueItem = tuple[str, str, str, str]  # (platform, account, kind, item id)


@dataclass(frozen=True)
class UpsertCounts:
    """How many posts an upsert added and how many it found already stored; with ``correct``, how many of
    those it changed (``updated``, a subset of ``already_stored``) and which (``platform/post_id``)."""

    added: int
    already_stored: int
    updated: int = 0
    updated_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageCursor:
    """Where the collection of one (account, endpoint) stands after a page.

    ``since_id`` is the cursor the run started from (None: the first collection); ``newest_id`` the
    newest id fetched by the run so far; ``resume`` where the next page starts (the oldest id saved, for
    X; the listing's ``after`` fullname, for Reddit), None once the run has reached the end; ``fetched``
    how many items the run has fetched so far, across interrupted and resumed runs; ``floor`` the date
    floor (``--since``) the run started under, which a resumed run keeps even when not given it again.
    """

    platform: str
    account: str
    endpoint: str
    since_id: str | None
    newest_id: str | None
    resume: str | None
    fetched: int = 0
    floor: datetime | None = None


class PageStore(Protocol):
    """The store calls a collector makes (``store.collection.CollectionState`` and ``store.database.Store`` define
    what each does)."""

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
    ) -> UpsertCounts: ...

    def get_cursor(self, platform: str, account: str, endpoint: str) -> str | None: ...

    def load_progress(self, platform: str, account: str, endpoint: str) -> PageCursor | None: ...

    def queued(self, platform: str, account: str, kind: str) -> list[str]: ...

    def stored_ids(self, platform: str, post_ids: Iterable[str]) -> set[str]: ...

    def recent_thread_starts(
        self, platform: str, since: datetime, *, author: str | None = None, community: str | None = None
    ) -> list[tuple[str, int | None]]: ...

    def load_rate_budgets(self, platform: str) -> dict[str, tuple[float | None, float | None]]: ...

    def add_collection_notes(self, platform: str, account: str, notes: Iterable[str]) -> None: ...

    def load_posts(self, keys: Iterable[tuple[str, str]] | None = None, *, context: bool = True) -> pd.DataFrame: ...
