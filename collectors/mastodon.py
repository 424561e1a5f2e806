"""Mastodon collector: Mastodon.py on each account's home instance, public endpoints, and a token for mentions.

An account is ``user@instance`` (``acme@mastodon.social``); everything about it is read from that instance.
For each account:

* **lookup** (``GET /api/v1/accounts/lookup?acct=user``): one request. A missing (404), gone (410) or
  suspended account is reported and skipped.
* **statuses** (``GET /api/v1/accounts/:id/statuses``, replies and boosts included, :data:`PAGE_SIZE` per
  page, Link-header paging by ``max_id``), newest first, back to the newest status of the last complete run
  (sent as ``since_id``, so the instance returns only what is new) or to ``--since``. A boost is stored as the
  account's repost of the boosted status, which is stored too, as is a quoted status the API embeds.
* for each of the account's own statuses in the window that has replies (``replies_count`` > 0) or is a reply:
  its **context** (``GET /api/v1/statuses/:id/context``): the ancestors (the status it answers, up to the
  thread's root, which becomes the conversation id) and the descendants (what people replied and the
  organization's answers). One context covers every status of the account it contains whose replies it holds
  too, so a thread costs one request. Contexts are queued in the store with the page that found them and
  marked done in the transaction that stores what they gave: a killed run fetches only what is left.
* **refresh**: on a later run, the counts of the account's statuses of the last :data:`REFRESH_DAYS` days
  (``GET /api/v1/statuses?id[]=``, Mastodon 4.3 and later, :data:`REFRESH_BATCH` per request) are read again,
  and the contexts of those whose ``replies_count`` changed are fetched again, so a new reply under an older
  status is not missed (an older instance answers 404: noted, and skipped).
* **mentions** (``GET /api/v1/notifications?types[]=mention``, :data:`MENTIONS_PAGE` per page): only with a
  user token of the account itself (``MASTODON_ACCESS_TOKEN`` for ``MASTODON_INSTANCE``: notifications are the
  token owner's); otherwise the mentions are listed as missing ("unmeasurable"), which the audit reports, and
  the statuses addressed to the account are seen only where its own statuses lead to them.

Cursors and progress are keyed by ``user@instance``. Records: :mod:`collectors.mastodon_records`; the clients
and the request policy: :mod:`collectors.mastodon_client`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from collectors.base import FAILED, OK, SKIPPED, STOPPED, UNAVAILABLE, CollectionReport, Collector, Progress
from collectors.credentials import MastodonToken
from collectors.mastodon_client import Instances, Refusal
from collectors.mastodon_records import (
    PLATFORM,
    Authors,
    Entity,
    account_record,
    id_key,
    is_public,
    parse_time,
    split_account,
    status_records,
)
from collectors.page_store import PageCursor, PageStore, QueueItem, UpsertCounts
from collectors.ratelimit import Counted, NetworkFailure, RateLimitStop, RequestPolicy, ServerFailure
from collectors.records import OrgAccount, Post
from collectors.records import format_time as stamp

logger = logging.getLogger(__name__)

PAGE_SIZE = 40  # the most Mastodon serves per page of statuses
MENTIONS_PAGE = 80  # and of notifications
REFRESH_DAYS = 14
REFRESH_BATCH = 20
CONTEXT = "context"
UNMEASURABLE = ("mentions: unmeasurable without a Mastodon token of the account (notifications are the token "
                "owner's only): set MASTODON_ACCESS_TOKEN and MASTODON_INSTANCE to collect the statuses that "
                "mention it")
BAD_ACCOUNT = "not collected: a Mastodon account is USER@INSTANCE, e.g. mastodon:acme@mastodon.social"


def _parents(posts: Sequence[Post]) -> list[tuple[str, str]]:
    return [(PLATFORM, p.in_reply_to_id) for p in posts if p.in_reply_to_id and not p.in_reply_to_author]


def _unpack(resume: str | None) -> tuple[str | None, datetime | None]:
    """A saved listing position: the next page's ``max_id`` and the run's ``--since``."""
    try:
        saved = json.loads(resume or "")
    except ValueError:
        return resume, None
    if not isinstance(saved, dict):
        return resume, None
    return saved.get("max_id"), parse_time(saved.get("since"))


class MastodonCollector(Collector):
    """Collects Mastodon accounts through Mastodon.py (see the module docstring)."""

    platform = PLATFORM

    def __init__(self, policy: RequestPolicy, token: MastodonToken | None = None, *, progress: Progress | None = None,
                 scheme: str = "https") -> None:
        self._policy, self._progress = policy, progress or policy.progress
        self._instances = Instances(policy, token, scheme=scheme)

    def collect(
        self, accounts: Sequence[OrgAccount], store: PageStore, *, since: datetime | None = None
    ) -> list[CollectionReport]:
        """Collect each account (one report per account, in order)."""
        reports = [CollectionReport(PLATFORM, a.handle) for a in accounts]
        self._policy.remember(store)
        found: dict[int, tuple[str, Entity]] = {}
        token = self._instances.token
        wanted = token is not None and any((split_account(a.handle) or ("", ""))[1] == token.instance
                                           for a in accounts)
        stopped = False
        for index, report in enumerate(reports):  # every account first: statuses addressed to any are known
            try:
                with Counted(self._policy, report):
                    if index == 0 and wanted and token is not None:
                        self._instances.owner(token.instance)  # a rejected token stops the run before anything
                    looked = self._lookup(report)
                    if looked is not None:
                        found[index] = looked
            except RateLimitStop as stop:
                report.fail(STOPPED, str(stop))
                stopped = True
                break
            except (ServerFailure, NetworkFailure) as exc:
                report.fail(FAILED, str(exc))
        org: dict[str, dict[str, str]] = {}
        for instance, entity in found.values():
            org.setdefault(instance, {})[str(entity["id"])] = Authors(instance).name(str(entity["acct"]))
        names = [name for ids in org.values() for name in ids.values()]
        for index, report in enumerate(reports):
            if report.status != OK:
                continue
            if stopped:
                report.fail(SKIPPED, "not started: the run stopped at --max-wait; run the same command again")
                continue
            instance, entity = found[index]
            try:
                with Counted(self._policy, report):
                    self._collect_account(instance, entity, Authors(instance, org[instance], names), report, store,
                                          since)
            except RateLimitStop as stop:
                report.fail(STOPPED, str(stop))
                stopped = True
            except (ServerFailure, NetworkFailure) as exc:
                report.fail(FAILED, str(exc))
        return reports

    # -- one account -----------------------------------------------------------------------------

    def _lookup(self, report: CollectionReport) -> tuple[str, Entity] | None:
        parts = split_account(report.account)
        if parts is None:
            report.fail(UNAVAILABLE, BAD_ACCOUNT)
            return None
        user, instance = parts
        try:
            entity, _ = self._instances.call(instance, "lookup", lambda c: c.account_lookup(user))
        except Refusal as refusal:
            status = UNAVAILABLE if refusal.status in (401, 403, 404, 410) else FAILED
            report.fail(status, f"not collected: {instance} says {refusal.reason} ({refusal.status})")
            return None
        except NetworkFailure:
            report.fail(FAILED, f"not collected: {instance} could not be reached; check the instance's name in "
                                f"mastodon:{report.account}, or run the same command again later")
            return None
        if entity.get("suspended"):
            report.fail(UNAVAILABLE, f"not collected: {instance} says the account is suspended")
            return None
        return instance, entity

    def _collect_account(self, instance: str, entity: Entity, authors: Authors, report: CollectionReport,
                         store: PageStore, since: datetime | None) -> None:
        account = account_record(entity, authors)
        report.profile = {
            "id": account.account_id, "handle": account.handle, "name": account.display_name,
            "created_at": account.created_at, "followers": account.followers, "following": account.following,
            "posts": account.post_count,
        }
        if entity.get("moved"):
            report.notes.append(f"the account has moved to {authors.see(entity['moved']) or 'another account'}")
        store.save_page(None, accounts=[account])
        key, label, account_id = account.handle, f"mastodon:{account.handle}", str(entity["id"])
        incremental = store.get_cursor(PLATFORM, key, "statuses") is not None
        try:
            seen = self._statuses(store, report, instance, account_id, authors, key, label, since)
        except Refusal as refusal:
            report.fail(FAILED, f"statuses: {instance} answered {refusal}")
            return
        if incremental:
            self._refresh(store, report, instance, account_id, authors, key, since, seen)
        self._mentions(store, report, instance, account_id, authors, key, label, since)
        self._contexts(store, report, instance, authors, key, label)

    # -- listings: newest first, back to the cursor ------------------------------------------------

    def _newest_first(
        self, store: PageStore, report: CollectionReport, key: str, label: str, endpoint: str, since: datetime | None,
        fetch: Callable[[str | None, str | None], tuple[list[Entity], str | None]],
        save: Callable[[list[Entity], PageCursor], UpsertCounts],
    ) -> None:
        """Page through a newest-first listing back to its cursor (an id) or ``since``."""
        saved = store.load_progress(PLATFORM, key, endpoint)
        if saved is not None:  # an interrupted run: its next page, and its --since (a resume may omit it)
            since_id, newest, fetched = saved.since_id, saved.newest_id, saved.fetched
            max_id, kept_since = _unpack(saved.resume)
            since = since or kept_since
        else:
            since_id, newest, max_id, fetched = store.get_cursor(PLATFORM, key, endpoint), None, None, 0
        while True:
            items, next_id = fetch(max_id, since_id)
            fresh = []
            for item in items:
                at, item_id = parse_time(item.get("created_at")), str(item.get("id") or "")
                if (since is not None and at is not None and at < since) or (
                        since_id and id_key(item_id) <= id_key(since_id)):
                    break
                fresh.append(item)
                if newest is None or id_key(item_id) > id_key(newest):
                    newest = item_id
            done = len(fresh) < len(items) or not next_id or not items
            fetched += len(fresh)
            resume = None if done else json.dumps({"max_id": next_id, "since": stamp(since) if since else None})
            page = PageCursor(PLATFORM, key, endpoint, since_id, newest, resume, fetched)
            report.saved(save(fresh, page))
            report.count(endpoint, len(fresh))
            self._progress.page(label, endpoint, len(fresh))
            max_id = next_id
            if done:
                return

    def _statuses(self, store: PageStore, report: CollectionReport, instance: str, account_id: str, authors: Authors,
                  key: str, label: str, since: datetime | None) -> set[str]:
        """The account's statuses; returns the ids of its own statuses fetched."""
        seen: set[str] = set()

        def fetch(max_id: str | None, since_id: str | None) -> tuple[list[Entity], str | None]:
            page, next_id = self._instances.call(instance, "statuses", lambda c: c.account_statuses(
                account_id, exclude_replies=False, exclude_reblogs=False, limit=PAGE_SIZE, max_id=max_id,
                since_id=since_id))
            return list(page or []), next_id

        def save(items: list[Entity], page: PageCursor) -> UpsertCounts:
            posts: list[Post] = []
            work: list[QueueItem] = []
            for status in items:
                posts += status_records(status, authors)
                work += self._work(status, account_id, key, since, seen)
            return store.save_page(page, posts, enqueue=work, reply_parents=_parents(posts))

        self._newest_first(store, report, key, label, "statuses", since, fetch, save)
        return seen

    @staticmethod
    def _work(status: Entity, account_id: str, key: str, since: datetime | None, seen: set[str]) -> list[QueueItem]:
        """The context to fetch for one of the account's statuses in the window: when it has replies or is one
        (the count is part of the item: a new count queues it again)."""
        if status.get("reblog") or str((status.get("account") or {}).get("id")) != account_id or not is_public(status):
            return []
        seen.add(str(status["id"]))
        created = parse_time(status.get("created_at"))
        replies = int(status.get("replies_count") or 0)
        if created is None or (since is not None and created < since) or not (replies or status.get("in_reply_to_id")):
            return []
        return [(PLATFORM, key, CONTEXT, f"{status['id']} {replies} {stamp(created)}")]

    def _refresh(self, store: PageStore, report: CollectionReport, instance: str, account_id: str, authors: Authors,
                 key: str, since: datetime | None, seen: set[str]) -> None:
        """Read again the counts of the account's recent statuses not in this run's listing; queue what changed."""
        horizon = datetime.fromtimestamp(self._policy.clock.now(), UTC) - timedelta(days=REFRESH_DAYS)
        horizon = max(horizon, since) if since else horizon
        own = store.load_posts([(PLATFORM, key)], context=False)
        if own.empty:
            return
        recent = own[(own["author_id"] == authors.qualified(account_id)) & own["repost_of_id"].isna()
                     & (own["created_at"] >= horizon)]
        ids = sorted({str(p).split("/", 1)[1] for p in recent["post_id"]} - seen, key=id_key)
        for start in range(0, len(ids), REFRESH_BATCH):
            batch = ids[start : start + REFRESH_BATCH]
            try:
                found, _ = self._instances.call(instance, "refresh", lambda c, b=batch: c.statuses(b))
            except Refusal as refusal:
                report.notes.append(f"refresh: {instance} answered {refusal} (Mastodon 4.3 and later read several "
                                    "statuses at once): replies under statuses collected before are not looked for")
                return
            posts: list[Post] = []
            work: list[QueueItem] = []
            for status in found or []:
                posts += status_records(status, authors)
                work += self._work(status, account_id, key, since, set())
            report.saved(store.save_page(None, posts, enqueue=work))  # known statuses: not counted as fetched

    def _mentions(self, store: PageStore, report: CollectionReport, instance: str, account_id: str, authors: Authors,
                  key: str, label: str, since: datetime | None) -> None:
        if not self._instances.authorized(instance):
            report.missing.append(UNMEASURABLE)
            return
        owner = self._instances.owner(instance)
        if str(owner.get("id")) != account_id:
            report.missing.append(f"mentions: unmeasurable: the Mastodon token belongs to "
                                  f"{authors.name(str(owner.get('acct')))}, not to this account (notifications "
                                  "are the token owner's only)")
            return

        def fetch(max_id: str | None, since_id: str | None) -> tuple[list[Entity], str | None]:
            page, next_id = self._instances.call(instance, "mentions", lambda c: c.notifications(
                types=["mention"], limit=MENTIONS_PAGE, max_id=max_id, since_id=since_id))
            return list(page or []), next_id

        def save(items: list[Entity], page: PageCursor) -> UpsertCounts:
            posts = [p for n in items if isinstance(n.get("status"), dict)
                     for p in status_records(n["status"], authors)]
            return store.save_page(page, posts, reply_parents=_parents(posts))

        try:
            self._newest_first(store, report, key, label, "mentions", since, fetch, save)
        except Refusal as refusal:
            report.missing.append(f"mentions: {instance} refused the notifications ({refusal})")

    # -- queued contexts ---------------------------------------------------------------------------

    def _contexts(self, store: PageStore, report: CollectionReport, instance: str, authors: Authors, key: str,
                  label: str) -> None:
        pending: dict[str, list[QueueItem]] = {}
        for item_id in sorted(store.queued(PLATFORM, key, CONTEXT), key=lambda i: i.rsplit(" ", 1)[-1]):
            pending.setdefault(item_id.split(" ", 1)[0], []).append((PLATFORM, key, CONTEXT, item_id))
        gone = hidden = 0
        for status_id in list(pending):
            if status_id not in pending:  # covered by an earlier context of this run
                continue
            try:
                context, _ = self._instances.call(instance, CONTEXT, lambda c, s=status_id: c.status_context(s))
            except Refusal as refusal:
                if refusal.status not in (404, 410):
                    report.errors.append(f"context of {authors.qualified(status_id)}: {instance} answered {refusal}")
                    continue
                context, gone = {}, gone + 1
            expected = max(int(i[3].split(" ")[1]) for i in pending[status_id])
            shown = sum(str(s.get("in_reply_to_id")) == status_id for s in (context or {}).get("descendants") or [])
            hidden += max(0, expected - shown)
            posts, done = self._context_posts(status_id, context or {}, authors, pending)
            report.saved(store.save_page(None, posts, dequeue=done, reply_parents=_parents(posts)))
            replies = len((context or {}).get("descendants") or [])
            report.count("replies", replies)
            self._progress.page(label, "replies", replies)
        if hidden:
            report.notes.append(f"context: {hidden} repl{'ies' if hidden != 1 else 'y'} counted under the account's "
                                f"statuses {'were' if hidden != 1 else 'was'} not shown (not public, or past what "
                                "the instance serves anonymously)")
        if gone:
            report.notes.append(f"context: {gone} status{'es' if gone != 1 else ''} gone before their replies "
                                "were read")

    @staticmethod
    def _context_posts(status_id: str, context: dict[str, Any], authors: Authors,
                       pending: dict[str, list[QueueItem]]) -> tuple[list[Post], list[QueueItem]]:
        """The posts of one context (each with the thread's root) and the queued items it settles."""
        ancestors = [s for s in context.get("ancestors") or [] if isinstance(s, dict)]
        descendants = [s for s in context.get("descendants") or [] if isinstance(s, dict)]
        root = authors.qualified(str(ancestors[0]["id"]) if ancestors else status_id)
        done = pending.pop(status_id, [])
        if not context:
            return [], done
        names = {str(s["id"]): authors.see(s.get("account")) for s in (*ancestors, *descendants) if s.get("id")}
        posts: list[Post] = []
        for status in (*ancestors, *descendants):
            parent = str(status.get("in_reply_to_id") or "")
            posts += status_records(status, authors, parent_author=names.get(parent), conversation=root)
        children: dict[str, int] = {}
        for status in descendants:
            parent = str(status.get("in_reply_to_id") or "")
            children[parent] = children.get(parent, 0) + 1
        for status in descendants:  # the account's statuses whose replies this context holds too
            sid = str(status.get("id"))
            if sid in pending and children.get(sid, 0) >= int(status.get("replies_count") or 0):
                done += pending.pop(sid)
        if done and ancestors:  # the status itself (not part of its context) gets the thread's root
            created = parse_time(done[0][3].rsplit(" ", 1)[-1])
            if created is not None:
                posts.append(Post(PLATFORM, str(authors.qualified(status_id)), done[0][1], created,
                                  conversation_id=root))
        return posts, done
