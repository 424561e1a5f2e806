"""Reddit collector: praw, read-only (app-only OAuth with a client id and secret).

An account is a user (``u/NAME``, or a bare name) or a subreddit the organization runs (``r/NAME``).

For a user:

* **profile** (``user/NAME/about``): karma, created time, moderator status. A suspended user (whose
  profile holds only ``is_suspended``) and a missing user (404) are reported and skipped.
* **submissions** and **comments**, newest first, 100 per page, back to the cursor (the newest id of
  the last complete run) or as far as Reddit serves (about 1,000 items per listing).
* the **parent** of each of its comments (the post it answers), fetched 100 at a time through
  ``/api/info``; the comments get ``in_reply_to_author`` from it.
* **refreshed threads**: a run after the first re-reads the comment counts of its stored submissions of
  the last :data:`REFRESH_DAYS` days (``--refresh-days``; 0: never), 100 per ``/api/info`` request, and
  fetches again the tree of each whose count changed, so a new comment under an older submission is
  stored (threads older than the horizon are not re-read: their late comments are missed).
* the **comment trees** of its submissions: one request per submission, then at most
  :data:`MORE_LIMIT` "more comments" expansions per tree (each one request; the largest first, as
  praw's ``replace_more`` does); what is left unexpanded is counted in the notes.

For a subreddit: its ``about`` (a private one answers 403, a banned one 404, a missing one redirects
to the search page; each is reported and skipped), its ``new`` listing (posts there are inbound: they
are addressed to ``r/NAME``) and the comment trees of those posts, where the organization's replies are
(refreshed the same way within the horizon).

Each listing page is saved in one transaction with where the run stands (the listing's ``after``) and
the trees and parents it still has to fetch (a work queue in the store), so a run stopped at any point
resumes without fetching a page twice. Conventions for ids and fields: :mod:`collectors.reddit_records`.
Retries and rate limits are :mod:`collectors.ratelimit`'s (prawcore's own are kept idle).

**Pinned hosts**: praw reads ``praw.ini`` files (the working directory's among them) and ``praw_*``
environment variables, so a planted file could send the client secret to another host or switch to a
password login. Every setting praw takes from them is passed explicitly instead (:data:`PINNED`: Reddit's
hosts, praw's own defaults for the rest, no username, password or refresh token), so none applies.
A token endpoint that answers 404 is said to be missing, not the credentials rejected.
"""

from __future__ import annotations

import logging
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import praw
import prawcore

from collectors.base import (
    FAILED,
    OK,
    SKIPPED,
    STOPPED,
    UNAVAILABLE,
    CollectionReport,
    Collector,
    CollectorError,
    Progress,
)
from collectors.credentials import CredentialError, RedditCredentials
from collectors.page_store import PageCursor, PageStore, UpsertCounts
from collectors.ratelimit import NetworkFailure, PolicySession, RateLimitStop, RequestPolicy, ServerFailure
from collectors.records import OrgAccount, Post, PostMeta, normalize_handle
from collectors.reddit_records import (
    MORE_LIMIT,
    PLATFORM,
    REFRESH_DAYS,
    base36,
    comment_record,
    is_comment,
    name_of,
    submission_record,
    subreddit_account,
    thing_data,
    user_account,
)

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
LISTING_CAP = 1000
INFO_BATCH = 100
TREE, PARENT = "tree", "parent"
TOKEN_PATH = "/api/v1/access_token"
#: Every praw setting a praw.ini or a praw_* variable could set, pinned: Reddit's hosts and praw's defaults.
PINNED: dict[str, str | int | bool | None] = {
    "oauth_url": "https://oauth.reddit.com", "reddit_url": "https://www.reddit.com", "short_url": "https://redd.it",
    "comment_kind": "t1", "message_kind": "t4", "redditor_kind": "t2", "submission_kind": "t3",
    "subreddit_kind": "t5", "trophy_kind": "t6", "ratelimit_seconds": 5, "timeout": 16, "window_size": 600,
    "check_for_async": False, "username": None, "password": None, "refresh_token": None, "redirect_uri": None,
}


class _Unavailable(Exception):
    """The account cannot be collected (suspended, missing, private...)."""


class RedditCollector(Collector):
    """Collects Reddit users and subreddits through praw (see the module docstring)."""

    platform = PLATFORM

    def __init__(
        self, credentials: RedditCredentials, policy: RequestPolicy, *, more_limit: int = MORE_LIMIT,
        progress: Progress | None = None, refresh_days: float = REFRESH_DAYS,
    ) -> None:
        self._credentials, self._policy, self._more_limit = credentials, policy, more_limit
        self._refresh_days = refresh_days
        self._progress = progress or policy.progress
        self._org_users: set[str] = set()  # the organization's users, whose posts in its subreddit are its own
        session = PolicySession(policy, labels={TOKEN_PATH: "token"})
        try:
            with warnings.catch_warnings(record=True) as caught:  # praw warns of a praw.ini that sets the hosts
                warnings.simplefilter("always")
                self._reddit = praw.Reddit(
                    site_name="DEFAULT", client_id=credentials.client_id.value,
                    client_secret=credentials.client_secret.value, user_agent=credentials.user_agent,
                    check_for_updates=False, requestor_kwargs={"session": session}, **PINNED,
                )
            if any("praw.ini" in str(w.message) for w in caught):
                logger.warning("a praw.ini sets Reddit's hosts; ignored: socialstage only talks to %s and %s",
                               PINNED["reddit_url"], PINNED["oauth_url"])
        except (prawcore.exceptions.PrawcoreException, praw.exceptions.PRAWException) as exc:
            raise CredentialError(
                f"praw refused the Reddit settings ({type(exc).__name__}): check REDDIT_CLIENT_ID, "
                "REDDIT_CLIENT_SECRET and REDDIT_USER_AGENT (e.g. 'socialstage/0.1 by u/yourname')"
            ) from None

    def collect(
        self, accounts: Sequence[OrgAccount], store: PageStore, *, since: datetime | None = None
    ) -> list[CollectionReport]:
        """Collect each account (one report per account, in order)."""
        reports = [CollectionReport(PLATFORM, a.handle) for a in accounts]
        self._policy.remember(store)
        self._org_users = {normalize_handle(a.handle) for a in accounts if not _is_subreddit(a.handle)}
        stopped = False
        for report in reports:
            if stopped:
                report.fail(SKIPPED, "not started: the run stopped at --max-wait; run the same command again")
                continue
            before, waited = Counter(self._policy.requests), self._policy.waited
            try:
                name = report.account.strip().lstrip("/")
                if _is_subreddit(name):
                    self._collect_subreddit(name[2:], report, store, since)
                else:
                    self._collect_user(normalize_handle(name) if "/" in name else name, report, store, since)
            except _Unavailable as exc:
                report.fail(UNAVAILABLE, f"not collected: {exc}")
            except RateLimitStop as stop:
                report.fail(STOPPED, str(stop))
                stopped = True
            except (ServerFailure, NetworkFailure) as exc:
                report.fail(FAILED, str(exc))
            except prawcore.exceptions.ResponseException as exc:
                report.fail(FAILED, f"Reddit answered {exc.response.status_code} {exc.response.reason or ''}".strip())
            finally:
                report.requests = dict(self._policy.requests - before)
                report.waited_seconds = self._policy.waited - waited
        return reports

    # -- requests --------------------------------------------------------------------------------

    def _call(self, endpoint: str, fetch: Callable[[], Any]) -> Any:
        try:
            with self._policy.on(endpoint):
                return fetch()
        except prawcore.exceptions.RequestException as exc:  # prawcore wraps whatever the session raised
            original = exc.original_exception
            if isinstance(original, RateLimitStop | ServerFailure | NetworkFailure):
                raise original from None
            raise NetworkFailure(f"reddit {endpoint}: the request failed ({type(original).__name__})") from None
        except prawcore.exceptions.OAuthException:
            raise self._rejected() from None
        except prawcore.exceptions.ResponseException as exc:
            status, url = exc.response.status_code, str(exc.response.url)
            if TOKEN_PATH in url and status not in (400, 401, 403):
                what = "was not found (404)" if status == 404 else f"answered {status} {exc.response.reason or ''}"
                raise CollectorError(
                    f"Reddit's token endpoint {PINNED['reddit_url']}{TOKEN_PATH} {what.strip()}; the credentials "
                    "were not checked: try again later, or check that nothing between you and Reddit (a proxy) "
                    "intercepts the request"
                ) from None
            if status == 401 or TOKEN_PATH in url:
                raise self._rejected() from None
            raise

    def _rejected(self) -> CredentialError:
        return CredentialError(
            f"Reddit rejected the app credentials {self._credentials.client_id} and "
            f"{self._credentials.client_secret} (401): check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET "
            "(a 'script' or 'web app' at https://www.reddit.com/prefs/apps) in the environment or .env"
        )

    def _about(self, endpoint: str, path: str, label: str) -> dict[str, Any]:
        try:
            data = self._call(endpoint, lambda: self._reddit.request(method="GET", path=path))
        except prawcore.exceptions.Redirect:
            raise _Unavailable(f"{label} does not exist (Reddit redirects to its search page)") from None
        except prawcore.exceptions.Forbidden:
            raise _Unavailable(f"{label} is private (403); only its members can read it") from None
        except prawcore.exceptions.NotFound as exc:
            reason = _reason(exc)
            what = "is banned" if reason == "banned" else "does not exist"
            raise _Unavailable(f"{label} {what} (404{', ' + reason if reason else ''})") from None
        return thing_data(data)

    # -- a user ------------------------------------------------------------------------------------

    def _collect_user(self, name: str, report: CollectionReport, store: PageStore, since: datetime | None) -> None:
        data = self._about("profile", f"user/{name}/about", f"u/{name}")
        if data.get("is_suspended"):
            raise _Unavailable(f"u/{data.get('name', name)} is suspended")
        account, report.profile = user_account(data)
        store.save_page(None, accounts=[account])
        name, key, label = account.handle, account.handle, f"reddit:u/{account.handle}"

        def save_submissions(things: list[Any], cursor: PageCursor | None) -> UpsertCounts:
            records = [submission_record(t) for t in things]
            queue = [(PLATFORM, key, TREE, p.post_id) for p, _ in records]
            return self._save(store, cursor, records, enqueue=queue)

        def save_comments(things: list[Any], cursor: PageCursor | None) -> UpsertCounts:
            records = [comment_record(t) for t in things]
            own = {p.post_id for p, _ in records}
            parents = {(p.in_reply_to_id or "", thing_data(t).get("parent_id") or "") for (p, _), t in
                       zip(records, things, strict=True)}
            have = own | store.stored_ids(PLATFORM, [pid for pid, _ in parents])
            queue = [(PLATFORM, key, PARENT, full) for pid, full in sorted(parents) if pid and pid not in have]
            known = [(PLATFORM, pid) for pid, _ in sorted(parents) if pid]
            return self._save(store, cursor, records, enqueue=queue, reply_parents=known)

        for endpoint, listing, save in (("submissions", "submitted", save_submissions),
                                        ("comments", "comments", save_comments)):
            try:
                self._listing(store, report, key, label, endpoint, f"user/{name}/{listing}", since, save)
            except prawcore.exceptions.Forbidden:
                report.missing.append(f"{endpoint}: Reddit answered 403 Forbidden")
        report.refuse_if_all_missing(2, "Reddit")
        if report.status != OK:
            return
        self._refresh(store, report, key, label, None, author=name)
        self._parents(store, report, key, label)
        self._trees(store, report, key, label, None)

    # -- a subreddit -------------------------------------------------------------------------------

    def _collect_subreddit(self, name: str, report: CollectionReport, store: PageStore, since: datetime | None) -> None:
        data = self._about("subreddit", f"r/{name}/about", f"r/{name}")
        account, report.profile = subreddit_account(data)
        store.save_page(None, accounts=[account])
        key, label = report.account.lstrip("/"), f"reddit:{account.handle}"

        def save_posts(things: list[Any], cursor: PageCursor | None) -> UpsertCounts:
            records = [submission_record(t, addressed_to=self._addressed(t, account.handle)) for t in things]
            queue = [(PLATFORM, key, TREE, p.post_id) for p, _ in records]
            return self._save(store, cursor, records, enqueue=queue)

        try:
            self._listing(store, report, key, label, "subreddit_posts", f"r/{name}/new", since, save_posts)
        except prawcore.exceptions.Forbidden:
            raise _Unavailable(f"r/{name} is private (403); only its members can read it") from None
        self._refresh(store, report, key, label, account.handle, community=name)
        self._trees(store, report, key, label, account.handle)

    # -- listings, trees, parents -------------------------------------------------------------------

    def _addressed(self, submission: Any, owned: str | None) -> str | None:
        """``owned`` (the organization's subreddit) unless one of the organization's users wrote the post."""
        author = name_of(thing_data(submission).get("author"))
        return None if owned is None or normalize_handle(author or "") in self._org_users else owned

    def _save(
        self, store: PageStore, cursor: PageCursor | None, records: list[tuple[Post, PostMeta]], **queue: Any
    ) -> UpsertCounts:
        counts = store.save_page(cursor, [p for p, _ in records], meta=[m for _, m in records], **queue)
        return counts

    def _listing(
        self, store: PageStore, report: CollectionReport, key: str, label: str, endpoint: str, path: str,
        since: datetime | None, save: Callable[[list[Any], PageCursor | None], UpsertCounts],
    ) -> None:
        saved = store.load_progress(PLATFORM, key, endpoint)
        if saved is not None:  # a resumed run keeps the date floor it started under
            since_id, newest, after, fetched = saved.since_id, saved.newest_id, saved.resume, saved.fetched
            since = since or saved.floor
        else:
            since_id, newest, after, fetched = store.get_cursor(PLATFORM, key, endpoint), None, None, 0
        while True:
            params: dict[str, str | int] = {"sort": "new", "limit": PAGE_SIZE}
            if after:
                params["after"] = after
            listing = self._call(endpoint, lambda p=params: self._reddit.get(path, params=p))
            things = list(listing.children)
            fresh = []
            for thing in things:
                data = thing_data(thing)
                old = since_id is not None and base36(str(data["id"])) <= base36(since_id)
                if old or (since is not None and float(data["created_utc"]) < since.timestamp()):
                    break
                fresh.append(thing)
            if fresh and (newest is None or base36(str(thing_data(fresh[0])["id"])) > base36(newest)):
                newest = str(thing_data(fresh[0])["id"])
            after = listing.after
            done = len(fresh) < len(things) or not after or not things
            fetched += len(fresh)
            cursor = PageCursor(PLATFORM, key, endpoint, since_id, newest, None if done else after, fetched, since)
            report.saved(save(fresh, cursor))
            report.count(endpoint, len(fresh))
            self._progress.page(label, endpoint, len(fresh))
            if done:
                break
        if since_id is None and since is None and not after and fetched >= LISTING_CAP - PAGE_SIZE:
            report.note(
                f"{endpoint}: Reddit serves only the newest ~{LISTING_CAP:,} items of a listing; {fetched:,} "
                "collected, older ones are out of reach", store,
            )

    def _refresh(
        self, store: PageStore, report: CollectionReport, key: str, label: str, owned: str | None, *,
        author: str | None = None, community: str | None = None,
    ) -> None:
        """Queue again the trees of stored submissions within the horizon whose comment count changed."""
        if not self._refresh_days:
            return
        since = datetime.fromtimestamp(self._policy.clock.now() - self._refresh_days * 86400, UTC)
        pending = set(store.queued(PLATFORM, key, TREE))  # fetched by this run anyway
        known = [(pid, n) for pid, n in store.recent_thread_starts(PLATFORM, since, author=author, community=community)
                 if pid not in pending]
        for start in range(0, len(known), INFO_BATCH):
            counts = dict(known[start : start + INFO_BATCH])
            names = [f"t3_{pid}" for pid in counts]
            things = self._call("refresh", lambda b=names: list(self._reddit.info(fullnames=b)))
            records = [submission_record(t, addressed_to=self._addressed(t, owned)) for t in things]
            changed = [p.post_id for p, _ in records if p.reply_count != counts.get(p.post_id)]
            report.saved(self._save(store, None, records, requeue=[(PLATFORM, key, TREE, c) for c in changed]))
            report.count("refresh", len(records))
            self._progress.page(label, "refresh", len(records))

    def _parents(self, store: PageStore, report: CollectionReport, key: str, label: str) -> None:
        pending = store.queued(PLATFORM, key, PARENT)
        for start in range(0, len(pending), INFO_BATCH):
            batch = pending[start : start + INFO_BATCH]
            things = self._call("parents", lambda b=batch: list(self._reddit.info(fullnames=b)))
            records = [comment_record(t) if is_comment(t) else submission_record(t) for t in things]
            report.saved(store.save_page(
                None, [p for p, _ in records], meta=[m for _, m in records],
                dequeue=[(PLATFORM, key, PARENT, f) for f in batch],
                reply_parents=[(PLATFORM, p.post_id) for p, _ in records],
            ))
            report.count("parents", len(records))
            self._progress.page(label, "parents", len(records))

    def _trees(self, store: PageStore, report: CollectionReport, key: str, label: str, owned: str | None) -> None:
        left = 0
        for submission_id in store.queued(PLATFORM, key, TREE):
            submission = self._reddit.submission(submission_id)
            try:
                forest = self._call("comment_trees", lambda s=submission: s.comments)
            except prawcore.exceptions.NotFound:
                store.save_page(None, dequeue=[(PLATFORM, key, TREE, submission_id)])
                report.errors.append(f"comment tree of {submission_id}: the submission is gone (404)")
                continue
            left += len(self._call("more_comments", lambda f=forest: f.replace_more(limit=self._more_limit)))
            comments = forest.list()
            post, meta = submission_record(submission, addressed_to=self._addressed(submission, owned))
            authors = {post.post_id: post.author}
            authors.update({str(thing_data(c)["id"]): name_of(thing_data(c).get("author")) or "[deleted]"
                            for c in comments})
            records = [(post, meta)]
            for comment in comments:
                parent = str(thing_data(comment).get("parent_id") or "")
                records.append(comment_record(comment, parent_author=authors.get(parent.split("_", 1)[-1])))
            report.saved(self._save(store, None, records, dequeue=[(PLATFORM, key, TREE, submission_id)]))
            report.count("comment_trees", len(comments))
            self._progress.page(label, "comment trees", len(comments))
        if left:
            report.note(
                f"comment trees: {left} 'more comments' link{'s' if left != 1 else ''} left unexpanded "
                f"(at most {self._more_limit} expansions per submission)", store,
            )


def _is_subreddit(handle: str) -> bool:
    return handle.strip().lstrip("/").lower().startswith("r/")


def _reason(exc: prawcore.exceptions.ResponseException) -> str:
    try:
        return str(exc.response.json().get("reason") or "")
    except ValueError:
        return ""
