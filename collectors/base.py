"""The one small interface every live collector implements, and what a collection reports.

A collector (``twitter.py``, ``reddit.py``, ``bluesky.py``, ``mastodon.py``) turns one platform's API into
:class:`~collectors.records.Post` and :class:`~collectors.records.Account` records and writes them to the
store page by page, each page in one transaction with its cursor (:meth:`store.database.Store.save_page`),
so a run stopped at any point loses nothing and the next run resumes where it stopped. Nothing from tweepy,
praw, atproto or Mastodon.py leaves a collector. Rate limits, retries and back-off are not the collectors'
business: they live in :mod:`collectors.ratelimit`, which every HTTP request of the four libraries goes through.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar, Protocol

from collectors.page_store import PageStore, UpsertCounts

if TYPE_CHECKING:
    from collectors.records import OrgAccount

#: Statuses of an account's collection, from best to worst.
OK, UNAVAILABLE, FAILED, STOPPED, SKIPPED = "ok", "unavailable", "failed", "stopped", "skipped"
#: Every endpoint of the account was refused (HTTP 403): nothing could be collected with this access level.
REFUSED = "refused"
#: The longest rate-limit wait by default (``--max-wait``), in seconds: X's limits reset every 15 minutes.
DEFAULT_MAX_WAIT = 900.0


def duration_text(seconds: float) -> str:
    """``75`` -> ``1 min 15 s``."""
    seconds = max(0, round(seconds))
    minutes, secs = divmod(seconds, 60)
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


class CollectorError(Exception):
    """A collection problem; the message is one line naming it and what to do."""


@dataclass
class CollectionReport:
    """What collecting one account did: posts per endpoint, requests per endpoint, what is missing.

    ``status``: ``ok`` (every part the access level allows was collected), ``unavailable`` (the account
    is suspended, missing, private...), ``refused`` (every endpoint answered 403: the access level allows
    nothing of this account), ``failed`` (the platform kept failing; rerun to resume),
    ``stopped`` (a rate-limit wait would have exceeded ``--max-wait``; rerun to resume) or ``skipped``
    (not started because the run stopped before it). ``missing`` lists parts the access level forbids
    (HTTP 403; when every part is, the status is ``refused``); ``notes`` history caps and bounds that apply.
    """

    platform: str
    account: str
    status: str = OK
    fetched: dict[str, int] = field(default_factory=dict)
    added: int = 0
    stored: int = 0
    requests: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    profile: dict[str, object] = field(default_factory=dict)
    waited_seconds: float = 0.0

    @property
    def posts(self) -> int:
        """Posts the run stored, new or already stored: the items fetched over all endpoints and the posts
        they brought (the targets of replies and reposts, parents), so never fewer than ``added`` (new)."""
        return max(self.stored, sum(self.fetched.values()), self.added)

    def saved(self, counts: UpsertCounts) -> None:
        """Count a saved page: its new posts (``added``) and all its posts (``stored``)."""
        self.added += counts.added
        self.stored += counts.added + counts.already_stored

    @property
    def request_count(self) -> int:
        """HTTP requests made over all endpoints (retries included)."""
        return sum(self.requests.values())

    def count(self, endpoint: str, items: int) -> None:
        """Add ``items`` fetched from ``endpoint``."""
        self.fetched[endpoint] = self.fetched.get(endpoint, 0) + items

    def refuse_if_all_missing(self, parts: int, platform: str) -> None:
        """Mark an ``ok`` account ``refused`` when all its ``parts`` endpoints were refused (403)."""
        if self.status == OK and parts and len(self.missing) >= parts and not self.posts:
            self.fail(REFUSED, f"refused: {platform} answered 403 Forbidden to every endpoint of this account, so "
                               "nothing was collected; your access level does not allow reading it (see the "
                               "missing parts)")

    def note(self, text: str, store: PageStore | None = None) -> None:
        """Add a note (a history cap, a bound that applies) and keep it in ``store`` at once, so a killed
        run keeps it and later runs add to it (:meth:`~store.database.Store.add_collection_notes`)."""
        if text not in self.notes:
            self.notes.append(text)
        if store is not None:
            store.add_collection_notes(self.platform, self.account, [text])

    def fail(self, status: str, message: str) -> None:
        """Record an error and the status it leaves the account in."""
        self.status = status
        self.errors.append(message)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready data (the ``collect --format json`` contract)."""
        data = asdict(self)
        data["posts"] = self.posts
        return data


class Progress(Protocol):
    """What a collector tells the user while it runs (a progress display implements it)."""

    def page(self, account: str, endpoint: str, items: int) -> None:
        """A page of ``items`` was fetched and saved for ``account``'s ``endpoint``."""

    def wait(self, message: str, seconds_left: float) -> None:
        """A rate-limit or retry wait is under way; called as it counts down (0 when over)."""


class NullProgress:
    """Progress that shows nothing."""

    def page(self, account: str, endpoint: str, items: int) -> None:
        """Ignore the page."""

    def wait(self, message: str, seconds_left: float) -> None:
        """Ignore the wait."""


class Collector(ABC):
    """One source's live collector."""

    platform: ClassVar[str]

    @abstractmethod
    def collect(
        self, accounts: Sequence[OrgAccount], store: PageStore, *, since: datetime | None = None
    ) -> list[CollectionReport]:
        """Collect each account into ``store`` (newest first, only what is new since its cursors).

        Returns one report per account, in order. Problems with one account (suspended, missing,
        forbidden parts, repeated server errors) are reported in its report and the others go on;
        when a rate-limit wait would exceed the policy's ``max_wait``, the account being collected is
        ``stopped``, the rest ``skipped``, and everything fetched so far is saved with its cursor.
        :class:`~collectors.credentials.CredentialError` is raised when the credentials are rejected.
        """
