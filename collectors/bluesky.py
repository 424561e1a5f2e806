"""Bluesky collector: the atproto SDK on the public AppView (no login), and a login for search.

An account is a handle (``acme.bsky.social``) or a DID (``did:plc:...``). For each account:

* **profile** (``app.bsky.actor.getProfile``): one request. A missing, suspended (taken down) or
  deactivated account is reported and skipped.
* **feed** (``app.bsky.feed.getAuthorFeed``, filter ``posts_with_replies``, 100 per page, cursor paging),
  newest first, back to the cursor of the last complete run (less :data:`OVERLAP`, for posts whose
  client clock ran late) or to ``--since``. Each item's post is stored, with the posts its reply ref
  names (parent and root) and the post it quotes; a repost (``reason``) is stored as the account's
  repost of the post.
* for each of the account's own posts in the window, only where its counts say there is something to
  fetch: its **thread** (``getPostThread``, :data:`THREAD_DEPTH` levels of replies: what people answered
  and the organization's answers) when ``replyCount`` > 0, its **quotes** (``getQuotes``) when
  ``quoteCount`` > 0, and who **reposted** it (``getRepostedBy``) when ``repostCount`` > 0. These are
  queued in the store with the feed page that found them and marked done in the transaction that stores
  what they gave, so a killed run fetches only what is left, and nothing twice.
* **refresh**: on a later run, the counts of the account's posts of the last :data:`REFRESH_DAYS` days
  (``getPosts``, 25 per request) are read again, and the threads, quotes and reposts whose count changed
  are fetched again, so a new reply under an older post is not missed.
* **mentions** (``app.bsky.feed.searchPosts``, ``mentions:HANDLE``, latest first, 100 per page): only with
  a login (``BLUESKY_HANDLE`` and ``BLUESKY_APP_PASSWORD``: Bluesky's search needs one); without it the
  mentions are listed as missing ("unmeasurable"), which the audit reports, and the posts addressed to
  the account are seen only where its own posts lead to them.

A login, when given, is made before any other request, so a rejected app password stops the run at once.
Cursors and progress are keyed by the account's DID (handles can change); an interrupted listing keeps its
API cursor and its ``--since``, so a resume (with or without ``--since``) continues at the next page and
stays in the window. Records: :mod:`collectors.bluesky_records`; the atproto clients and the request
policy: :mod:`collectors.bluesky_client`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from collectors.base import FAILED, OK, SKIPPED, STOPPED, UNAVAILABLE, CollectionReport, Collector, Progress
from collectors.bluesky_client import DEFAULT_PDS, PUBLIC_API, Refusal, Xrpc
from collectors.bluesky_records import (
    PLATFORM,
    Authors,
    Item,
    parse_time,
    post_record,
    profile_account,
    quoted_view,
    repost_record,
    sort_time,
)
from collectors.credentials import BlueskyLogin
from collectors.page_store import PageCursor, PageStore, UpsertCounts
from collectors.ratelimit import Counted, NetworkFailure, RateLimitStop, RequestPolicy, ServerFailure
from collectors.records import OrgAccount, Post
from collectors.records import format_time as stamp

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
POSTS_BATCH = 25
THREAD_DEPTH = 10
REFRESH_DAYS = 14
OVERLAP = timedelta(minutes=10)
THREAD, QUOTES, REPOSTS = "thread", "quotes", "reposts"
UNMEASURABLE = ("mentions: unmeasurable without a Bluesky login (searchPosts needs one): set BLUESKY_HANDLE and "
                "BLUESKY_APP_PASSWORD to collect the posts that mention the account")


def _parents(posts: Sequence[Post]) -> list[tuple[str, str]]:
    return [(PLATFORM, p.in_reply_to_id) for p in posts if p.in_reply_to_id and not p.in_reply_to_author]


def _work_item(post: Post, count: int) -> str:
    """A queued item: the post, the count that queued it (a new count queues it again) and the post's time."""
    return f"{post.post_id} {count} {stamp(post.created_at)}"


def _unpack(resume: str | None) -> tuple[str | None, datetime | None]:
    """A saved listing position: the API's cursor and the run's ``--since``."""
    try:
        saved = json.loads(resume or "")
    except ValueError:
        return resume, None
    if not isinstance(saved, dict):
        return resume, None
    return saved.get("cursor"), parse_time(saved.get("since"))


def _uri(item_id: str) -> str:
    return item_id.split(" ", 1)[0]


class BlueskyCollector(Collector):
    """Collects Bluesky accounts through atproto (see the module docstring)."""

    platform = PLATFORM

    def __init__(self, policy: RequestPolicy, login: BlueskyLogin | None = None, *, pds: str = DEFAULT_PDS,
                 appview: str = PUBLIC_API, progress: Progress | None = None) -> None:
        self._policy, self._progress = policy, progress or policy.progress
        self._xrpc = Xrpc(policy, login, pds=pds, appview=appview)
        self._authors = Authors()

    def collect(
        self, accounts: Sequence[OrgAccount], store: PageStore, *, since: datetime | None = None
    ) -> list[CollectionReport]:
        """Collect each account (one report per account, in order)."""
        reports = [CollectionReport(PLATFORM, a.handle) for a in accounts]
        self._policy.remember(store)
        profiles: dict[int, dict[str, Any]] = {}
        stopped = False
        for index, report in enumerate(reports):  # every profile first: posts addressed to any account are known
            try:
                with Counted(self._policy, report):
                    if index == 0 and self._xrpc.login is not None:
                        self._xrpc.searcher()  # a rejected login stops the run before anything is spent
                    profiles[index] = self._profile(report)
            except RateLimitStop as stop:
                report.fail(STOPPED, str(stop))
                stopped = True
                break
            except (ServerFailure, NetworkFailure) as exc:
                report.fail(FAILED, str(exc))
        self._authors = Authors({str(p["did"]): str(p["handle"]) for p in profiles.values() if p})
        for index, report in enumerate(reports):
            if report.status != OK:
                continue
            if stopped:
                report.fail(SKIPPED, "not started: the run stopped at --max-wait; run the same command again")
                continue
            try:
                with Counted(self._policy, report):
                    self._collect_account(profiles[index], report, store, since)
            except RateLimitStop as stop:
                report.fail(STOPPED, str(stop))
                stopped = True
            except (ServerFailure, NetworkFailure) as exc:
                report.fail(FAILED, str(exc))
        return reports

    # -- one account -----------------------------------------------------------------------------

    def _profile(self, report: CollectionReport) -> dict[str, Any]:
        actor = report.account.strip().lstrip("@")
        try:
            return self._xrpc.call("profile", self._xrpc.public.app.bsky.actor.get_profile, {"actor": actor})
        except Refusal as refusal:
            report.fail(UNAVAILABLE if refusal.status in (400, 404) else FAILED,
                        f"not collected: Bluesky says {refusal.reason} ({refusal.status} {refusal.error})")
            return {}

    def _collect_account(self, profile: dict[str, Any], report: CollectionReport, store: PageStore,
                         since: datetime | None) -> None:
        account = profile_account(profile)
        report.profile = {
            "id": account.account_id, "handle": account.handle, "name": account.display_name,
            "created_at": account.created_at, "followers": account.followers, "following": account.following,
            "posts": account.post_count,
        }
        store.save_page(None, accounts=[account])
        did, label = str(profile["did"]), f"bluesky:{account.handle}"
        incremental = store.get_cursor(PLATFORM, did, "feed") is not None
        try:
            seen = self._feed(store, report, did, label, since)
        except Refusal as refusal:
            report.fail(FAILED, f"feed: Bluesky answered {refusal}")
            return
        if incremental:
            self._refresh(store, report, did, account.handle, since, seen)
        self._mentions(store, report, did, account.handle, label, since)
        self._threads(store, report, did, label)
        for kind in (QUOTES, REPOSTS):
            self._listed(store, report, did, label, kind)

    # -- feed and search: newest first, back to the cursor -------------------------------------------

    def _newest_first(
        self, store: PageStore, report: CollectionReport, key: str, label: str, endpoint: str, since: datetime | None,
        fetch: Callable[[str | None], tuple[list[Item], str | None]],
        save: Callable[[list[Item], PageCursor], UpsertCounts],
    ) -> bool:
        """Page through a newest-first listing back to its cursor (or ``since``); True on a first run."""
        saved = store.load_progress(PLATFORM, key, endpoint)
        if saved is not None:  # an interrupted run: its next page, and its --since (a resume may omit it)
            since_id, newest, fetched = saved.since_id, saved.newest_id, saved.fetched
            cursor, kept_since = _unpack(saved.resume)
            since = since or kept_since
        else:
            since_id, newest, cursor, fetched = store.get_cursor(PLATFORM, key, endpoint), None, None, 0
        last = parse_time(since_id)
        floors = [t for t in (last - OVERLAP if last else None, since) if t is not None]
        floor = max(floors) if floors else None
        while True:
            items, next_cursor = fetch(cursor)
            fresh, new = [], 0
            for item in items:
                at = sort_time(item)
                if at is not None and floor is not None and at < floor:
                    break
                fresh.append(item)
                if at is not None and (last is None or at > last):
                    new += 1
                    newest = max(newest or "", stamp(at))
            done = len(fresh) < len(items) or not next_cursor or not items
            fetched += len(fresh)
            resume = None if done else json.dumps({"cursor": next_cursor, "since": stamp(since) if since else None})
            page = PageCursor(PLATFORM, key, endpoint, since_id, newest, resume, fetched)
            report.saved(save(fresh, page))
            report.count(endpoint, new)
            self._progress.page(label, endpoint, new)
            cursor = next_cursor
            if done:
                return since_id is None

    def _feed(self, store: PageStore, report: CollectionReport, did: str, label: str,
              since: datetime | None) -> set[str]:
        """The account's feed; returns the URIs of its own posts fetched."""
        seen: set[str] = set()

        def fetch(cursor: str | None) -> tuple[list[Item], str | None]:
            params = {"actor": did, "filter": "posts_with_replies", "limit": PAGE_SIZE}
            body = self._xrpc.call("feed", self._xrpc.public.app.bsky.feed.get_author_feed,
                                   {**params, **({"cursor": cursor} if cursor else {})})
            return list(body.get("feed") or []), body.get("cursor")

        def save(items: list[Item], page: PageCursor) -> UpsertCounts:
            posts: list[Post] = []
            work: list[tuple[str, str, str, str]] = []
            for item in items:
                item_posts, own = self._feed_item(item, did)
                posts += item_posts
                if own is not None:
                    seen.add(own.post_id)
                    work += self._work(own, item["post"], did, since)
            return store.save_page(page, posts, enqueue=work, reply_parents=_parents(posts))

        self._newest_first(store, report, did, label, "feed", since, fetch, save)
        return seen

    def _feed_item(self, item: Item, did: str) -> tuple[list[Post], Post | None]:
        """The posts one feed item holds, and its post when the account wrote it (not a repost of it)."""
        posts: list[Post] = []
        reply, parent_author = item.get("reply") or {}, None
        for key in ("root", "parent"):
            ref = reply.get(key) or {}
            found = post_record(ref, self._authors) if "author" in ref and "record" in ref else None
            if found is not None:
                posts.append(found)
                parent_author = found.author if key == "parent" else parent_author
        post = post_record(item["post"], self._authors, parent_author=parent_author)
        if post is None:
            return posts, None
        posts += self._quoted(item["post"])
        posts.append(post)
        reason = item.get("reason") or {}
        if str(reason.get("$type", "")).endswith("reasonRepost"):
            repost = repost_record(post, reason.get("by") or {}, self._authors, uri=reason.get("uri"),
                                   at=parse_time(reason.get("indexedAt")))
            return posts + ([repost] if repost is not None else []), None
        return posts, post if post.author_id == did else None

    def _quoted(self, view: dict[str, Any]) -> list[Post]:
        quoted = quoted_view(view.get("embed"))
        found = post_record(quoted, self._authors, record_key="value") if quoted else None
        return [found] if found is not None else []

    @staticmethod
    def _work(post: Post, view: dict[str, Any], did: str, since: datetime | None) -> list[tuple[str, str, str, str]]:
        """What to fetch about one of the account's posts: only what its counts say exists, in the window."""
        if since is not None and post.created_at < since:
            return []
        counts = {THREAD: view.get("replyCount"), QUOTES: view.get("quoteCount"), REPOSTS: view.get("repostCount")}
        return [(PLATFORM, did, kind, _work_item(post, int(n))) for kind, n in counts.items() if n and int(n) > 0]

    def _refresh(self, store: PageStore, report: CollectionReport, did: str, handle: str, since: datetime | None,
                 seen: set[str]) -> None:
        """Read again the counts of the account's recent posts not in this run's feed; queue what changed."""
        horizon = datetime.fromtimestamp(self._policy.clock.now(), UTC) - timedelta(days=REFRESH_DAYS)
        horizon = max(horizon, since) if since else horizon
        own = store.load_posts([(PLATFORM, handle)], context=False)
        if own.empty:
            return
        recent = own[(own["author_id"] == did) & own["repost_of_id"].isna()
                     & (own["created_at"] >= horizon) & ~own["post_id"].isin(seen)]
        uris = sorted(recent["post_id"].astype(str))
        for start in range(0, len(uris), POSTS_BATCH):
            try:
                body = self._xrpc.call("refresh", self._xrpc.public.app.bsky.feed.get_posts,
                                       {"uris": uris[start : start + POSTS_BATCH]})
            except Refusal as refusal:
                report.errors.append(f"refresh: Bluesky answered {refusal}")
                return
            posts, work = [], []
            for view in body.get("posts") or []:
                post = post_record(view, self._authors)
                if post is not None:
                    posts.append(post)
                    work += self._work(post, view, did, since)
            report.saved(store.save_page(None, posts, enqueue=work))  # known posts: not counted as fetched

    def _mentions(self, store: PageStore, report: CollectionReport, did: str, handle: str, label: str,
                  since: datetime | None) -> None:
        if self._xrpc.login is None:
            report.missing.append(UNMEASURABLE)
            return
        searcher = self._xrpc.searcher()

        def fetch(cursor: str | None) -> tuple[list[Item], str | None]:
            params = {"q": f"mentions:{handle}", "mentions": handle, "sort": "latest", "limit": PAGE_SIZE}
            body = self._xrpc.call("mentions", searcher.app.bsky.feed.search_posts,
                                   {**params, **({"cursor": cursor} if cursor else {})})
            return [{"post": view} for view in body.get("posts") or []], body.get("cursor")

        def save(items: list[Item], page: PageCursor) -> UpsertCounts:
            posts = [p for item in items for p in (*self._quoted(item["post"]),
                                                    post_record(item["post"], self._authors)) if p is not None]
            return store.save_page(page, posts, reply_parents=_parents(posts))

        try:
            first = self._newest_first(store, report, did, label, "mentions", since, fetch, save)
        except Refusal as refusal:
            report.missing.append(f"mentions: Bluesky refused the search ({refusal})")
            return
        if first:
            report.note("mentions: Bluesky's search finds posts that link the account (a mention facet); a handle "
                        "typed as plain text is not found, and search may not reach every old post", store)

    # -- queued work: threads, quotes, reposts ------------------------------------------------------------

    def _pending(self, store: PageStore, did: str, kind: str) -> dict[str, list[tuple[str, str, str, str]]]:
        """Queued items of ``kind`` grouped by post (a post queued again with a new count is fetched once)."""
        grouped: dict[str, list[tuple[str, str, str, str]]] = {}
        for item_id in store.queued(PLATFORM, did, kind):
            grouped.setdefault(_uri(item_id), []).append((PLATFORM, did, kind, item_id))
        return grouped

    def _threads(self, store: PageStore, report: CollectionReport, did: str, label: str) -> None:
        cut = gone = 0
        for uri, items in self._pending(store, did, THREAD).items():
            try:
                body = self._xrpc.call("thread", self._xrpc.public.app.bsky.feed.get_post_thread,
                                       {"uri": uri, "depth": THREAD_DEPTH, "parent_height": 0})
            except Refusal as refusal:
                if refusal.error != "NotFound":
                    report.errors.append(f"thread of {uri}: Bluesky answered {refusal}")
                    continue
                body = {}
            posts: list[Post] = []
            cut += self._walk(body.get("thread") or {}, None, 0, posts)
            gone += not posts
            report.saved(store.save_page(None, posts, dequeue=items, reply_parents=_parents(posts)))
            report.count("threads", max(0, len(posts) - 1))
            self._progress.page(label, "threads", max(0, len(posts) - 1))
        if cut:
            report.note(f"threads: {cut} repl{'ies' if cut != 1 else 'y'} more than {THREAD_DEPTH} levels deep had "
                        "replies of their own that were not fetched", store)
        if gone:
            report.note(f"threads: {gone} post{'s' if gone != 1 else ''} gone before their thread was read", store)

    def _walk(self, node: dict[str, Any], parent: str | None, depth: int, posts: list[Post]) -> int:
        """Add a thread node's post and its replies to ``posts``; returns the nodes cut off at the depth."""
        if not str(node.get("$type", "")).endswith("threadViewPost") or "post" not in node:
            return 0
        post = post_record(node["post"], self._authors, parent_author=parent)
        if post is None:
            return 0
        posts += [*self._quoted(node["post"]), post]
        replies = node.get("replies") or []
        cut = int(depth >= THREAD_DEPTH and bool(post.reply_count) and not replies)
        return cut + sum(self._walk(reply, post.author, depth + 1, posts) for reply in replies)

    def _listed(self, store: PageStore, report: CollectionReport, did: str, label: str, kind: str) -> None:
        """Quotes or reposts of the account's posts: cursor paging, each page saved with where it stands."""
        method = (self._xrpc.public.app.bsky.feed.get_quotes if kind == QUOTES
                  else self._xrpc.public.app.bsky.feed.get_reposted_by)
        for uri, items in self._pending(store, did, kind).items():
            endpoint = f"{kind} {uri}"
            saved = store.load_progress(PLATFORM, did, endpoint)
            cursor, fetched = (saved.resume, saved.fetched) if saved else (None, 0)
            created = max(parse_time(i[3].rsplit(" ", 1)[-1]) or datetime.min.replace(tzinfo=UTC) for i in items)
            target = Post(PLATFORM, uri, self._authors.handles.get(did, did), created, author_id=did)
            while True:
                params = {"uri": uri, "limit": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
                try:
                    body = self._xrpc.call(kind, method, params)
                except Refusal as refusal:
                    if refusal.error != "NotFound":
                        report.errors.append(f"{kind} of {uri}: Bluesky answered {refusal}")
                        break
                    body = {}
                if kind == QUOTES:
                    views = list(body.get("posts") or [])
                    posts = [p for v in views if (p := post_record(v, self._authors)) is not None]
                else:
                    views = list(body.get("repostedBy") or [])
                    posts = [p for v in views if (p := repost_record(target, v, self._authors)) is not None]
                cursor = body.get("cursor") if views else None
                fetched += len(views)
                page = PageCursor(PLATFORM, did, endpoint, None, None, cursor, fetched)
                report.saved(store.save_page(page, posts, dequeue=() if cursor else items))
                report.count(kind, len(views))
                self._progress.page(label, kind, len(views))
                if not cursor:
                    break
