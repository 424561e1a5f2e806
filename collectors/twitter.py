"""X (Twitter) collector: tweepy's ``Client`` on API v2 with an app-only bearer token.

For each account:

* **profile**: one users lookup per 100 accounts (``get_users`` with ``created_at``, ``description``,
  ``protected`` and ``public_metrics``). A suspended or missing account comes back as HTTP 200 with an
  ``errors`` entry; it is reported for that account and the others go on.
* **timeline** (``get_users_tweets``), **mentions** (``get_users_mentions``) and **replies** to the
  account (recent search ``to:HANDLE``), 100 posts per page, with the fields and expansions that tell
  replies, reposts and quotes apart, their targets and their authors, conversation ids, expanded URLs
  and polls. The posts they reference (the parent of a reply, the reposted or quoted post) arrive in
  ``includes.tweets`` and are stored too, so an answered customer post is in the store with the answer.
* **cursors**: the newest id per (account, endpoint); the next run asks only for newer posts
  (``since_id``), one request when nothing is new. Each page is saved in one transaction with where the
  run stands; a run interrupted mid-paging resumes with ``until_id`` = the oldest id saved (and the same
  ``since_id``), so no page is fetched twice and nothing is skipped.
* **--since**: X refuses ``start_time`` together with ``since_id``/``until_id``, so a date is turned into
  the smallest post id of that moment (ids are snowflakes: milliseconds since 2010-11-04 shifted left by
  22 bits) and used as ``since_id``. Recent search refuses ids older than its 7-day window: such a
  ``since_id`` is dropped (every post in the window is newer anyway), and a resumed search whose
  ``until_id`` has left the window is finished.
* **history caps**: X serves only the newest ~3,200 posts of a timeline and ~800 mentions, and recent
  search covers the last 7 days; a first collection that reaches a cap says so in its notes.
* **usage cap**: a 429 with X's ``UsageCapExceeded`` problem (the plan's monthly post cap is spent) stops
  the run at once (status ``stopped``, exit 3), said to be the cap: no wait within a run would end it.
* **access level**: an endpoint the access level forbids (HTTP 403) is skipped and reported as missing;
  the rest is collected. A rejected token (401) stops the run with the variable named, the token masked.

Retries and rate limits are :mod:`collectors.ratelimit`'s (tweepy's own waiting is off).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
import tweepy

from collectors.base import FAILED, OK, SKIPPED, STOPPED, UNAVAILABLE, CollectionReport, Collector, Progress
from collectors.credentials import CredentialError, Secret
from collectors.page_store import PageCursor, PageStore
from collectors.ratelimit import (
    NetworkFailure,
    PolicySession,
    RateLimitStop,
    RequestPolicy,
    ServerFailure,
    x_usage_cap,
)
from collectors.records import Account, OrgAccount, Post, normalize_handle

logger = logging.getLogger(__name__)

PLATFORM = "twitter"
PAGE_SIZE = 100
LOOKUP_SIZE = 100
TIMELINE_CAP = 3200
MENTIONS_CAP = 800
SEARCH_DAYS = 7
SNOWFLAKE_EPOCH_MS = 1288834974657
TWEET_FIELDS = [
    "created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "entities",
    "attachments", "public_metrics",
]
EXPANSIONS = [
    "author_id", "in_reply_to_user_id", "referenced_tweets.id", "referenced_tweets.id.author_id",
    "attachments.poll_ids",
]
USER_FIELDS = ["username", "name"]
PROFILE_FIELDS = ["created_at", "description", "protected", "public_metrics"]
FIELDS: dict[str, Any] = {"tweet_fields": TWEET_FIELDS, "expansions": EXPANSIONS, "user_fields": USER_FIELDS}


def parse_time(value: str) -> datetime:
    """X's ``2024-05-01T12:00:00.000Z``."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def snowflake_for(moment: datetime) -> str:
    """The smallest X post id of ``moment``."""
    return str(max(0, int(moment.timestamp() * 1000) - SNOWFLAKE_EPOCH_MS) << 22)


def snowflake_time(post_id: str) -> datetime:
    """When the X post ``post_id`` was created (to the millisecond)."""
    return datetime.fromtimestamp(((int(post_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, UTC)


def _newer(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return a if int(a) >= int(b) else b


def page_index(body: dict[str, Any]) -> tuple[dict[str, str | None], dict[str, dict[str, Any]]]:
    """An API v2 page's ``includes``: usernames by user id and the referenced tweets by id."""
    includes = body.get("includes") or {}
    users = {u["id"]: u.get("username") for u in includes.get("users") or [] if isinstance(u, dict) and "id" in u}
    tweets = {t["id"]: t for t in includes.get("tweets") or [] if isinstance(t, dict) and "id" in t}
    return users, tweets


def page_posts(body: dict[str, Any]) -> list[Post]:
    """The posts of one API v2 page: its ``data`` and the referenced posts in ``includes.tweets``."""
    users, tweets = page_index(body)
    found: dict[str, Post] = {}
    for tweet in [*tweets.values(), *(body.get("data") or [])]:
        post = tweet_post(tweet, users, tweets)
        if post is not None:
            found[post.post_id] = post
    return list(found.values())


#: The fields a tweet needs to be a post.
TWEET_REQUIRED = ("id", "author_id", "created_at")


def tweet_post(tweet: dict[str, Any], users: dict[str, str | None], tweets: dict[str, dict[str, Any]]) -> Post | None:
    """One API v2 tweet as a Post (None without the fields a post needs: ``TWEET_REQUIRED``)."""
    if not all(tweet.get(name) for name in TWEET_REQUIRED):
        return None
    refs = {r.get("type"): r.get("id") for r in tweet.get("referenced_tweets") or []}

    def author_of(tweet_id: str | None) -> str | None:
        target = tweets.get(tweet_id or "")
        return users.get(target.get("author_id", "")) if target else None

    reply_to, repost_of, quote_of = refs.get("replied_to"), refs.get("retweeted"), refs.get("quoted")
    metrics = tweet.get("public_metrics") or {}
    entities = tweet.get("entities") or {}
    urls = tuple(url for u in entities.get("urls", []) if (url := u.get("expanded_url") or u.get("url")))
    return Post(
        platform=PLATFORM,
        post_id=str(tweet["id"]),
        author=users.get(tweet["author_id"]) or str(tweet["author_id"]),
        author_id=str(tweet["author_id"]),
        created_at=parse_time(tweet["created_at"]),
        text=tweet.get("text") or "",
        in_reply_to_id=reply_to,
        in_reply_to_author=users.get(tweet.get("in_reply_to_user_id") or "") or author_of(reply_to),
        repost_of_id=repost_of,
        repost_of_author=author_of(repost_of),
        quote_of_id=quote_of,
        quote_of_author=author_of(quote_of),
        conversation_id=tweet.get("conversation_id"),
        urls=urls,
        is_poll=bool((tweet.get("attachments") or {}).get("poll_ids")),
        like_count=metrics.get("like_count"),
        repost_count=metrics.get("retweet_count"),
        reply_count=metrics.get("reply_count"),
    )


def user_account(user: dict[str, Any]) -> Account:
    """An API v2 user as an Account."""
    metrics = user.get("public_metrics") or {}
    created = user.get("created_at")
    return Account(
        platform=PLATFORM, handle=user["username"], account_id=user.get("id"), display_name=user.get("name"),
        bio=user.get("description"), created_at=parse_time(created) if created else None,
        followers=metrics.get("followers_count"), following=metrics.get("following_count"),
        post_count=metrics.get("tweet_count"),
    )


def _api_problem(exc: tweepy.HTTPException) -> str:
    """``403 Forbidden: Client Forbidden, client-not-enrolled``: the status and the problem's title and reason."""
    response = exc.response
    status = f"{response.status_code} {response.reason or ''}".strip()
    try:
        body = response.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    text = ", ".join(str(body[k]) for k in ("title", "reason") if body.get(k)) or str(body.get("detail") or "")
    text = text or "; ".join(str(m) for m in exc.api_messages)
    return f"{status}: {text[:160]}" if text and text.lower() not in status.lower() else status


class TwitterCollector(Collector):
    """Collects X accounts through tweepy (see the module docstring)."""

    platform = PLATFORM

    def __init__(self, token: Secret, policy: RequestPolicy, *, progress: Progress | None = None) -> None:
        self._token, self._policy = token, policy
        policy.usage_cap = policy.usage_cap or x_usage_cap  # a spent monthly cap stops at once, never waited on
        self._progress = progress or policy.progress
        self._client = tweepy.Client(bearer_token=token.value, return_type=requests.Response, wait_on_rate_limit=False)
        self._client.session = PolicySession(policy)

    def collect(
        self, accounts: Sequence[OrgAccount], store: PageStore, *, since: datetime | None = None
    ) -> list[CollectionReport]:
        """Collect each account (one report per account, in order)."""
        reports = [CollectionReport(PLATFORM, a.handle) for a in accounts]
        self._policy.remember(store)
        try:
            users = self._profiles(reports)
        except RateLimitStop as stop:
            for report in reports:
                report.fail(STOPPED, str(stop))
            return reports
        stopped = False
        for report in reports:
            if report.status != OK:
                continue
            if stopped:
                report.fail(SKIPPED, "not started: the run stopped at --max-wait; run the same command again")
                continue
            before, waited = Counter(self._policy.requests), self._policy.waited
            try:
                self._collect_account(users[normalize_handle(report.account)], report, store, since)
            except RateLimitStop as stop:
                report.fail(STOPPED, str(stop))
                stopped = True
            finally:
                for endpoint, count in (self._policy.requests - before).items():
                    report.requests[endpoint] = report.requests.get(endpoint, 0) + count
                report.waited_seconds = self._policy.waited - waited
        return reports

    # -- profiles --------------------------------------------------------------------------------

    def _call(
        self, endpoint: str, method: Callable[..., requests.Response], *args: Any, **params: Any
    ) -> dict[str, Any]:
        try:
            with self._policy.on(endpoint):
                return method(*args, **params).json()
        except tweepy.Unauthorized:
            raise CredentialError(
                f"{self._token} was rejected by X (401 Unauthorized): set a valid app-only bearer token from "
                "the X developer portal in the environment or .env"
            ) from None

    def _profiles(self, reports: list[CollectionReport]) -> dict[str, dict[str, Any]]:
        users: dict[str, dict[str, Any]] = {}
        by_key = {normalize_handle(r.account): r for r in reports}
        keys = list(by_key)
        for start in range(0, len(keys), LOOKUP_SIZE):
            batch = keys[start : start + LOOKUP_SIZE]
            first = by_key[batch[0]]
            before = self._policy.requests["profile"]
            try:
                body = self._call(
                    "profile", self._client.get_users, usernames=[by_key[k].account for k in batch],
                    user_fields=PROFILE_FIELDS,
                )
            except (ServerFailure, NetworkFailure, tweepy.HTTPException) as exc:
                message = str(exc) if isinstance(exc, ServerFailure | NetworkFailure) else _api_problem(exc)
                for key in batch:
                    by_key[key].fail(FAILED, f"profile lookup failed: {message}")
                continue
            finally:  # one lookup serves the whole batch: its requests are counted on the batch's first account
                first.requests["profile"] = self._policy.requests["profile"] - before
            for user in body.get("data") or []:
                users[normalize_handle(user["username"])] = user
            for error in body.get("errors") or []:
                key = normalize_handle(str(error.get("value") or error.get("resource_id") or ""))
                if key in by_key and key not in users:
                    by_key[key].fail(UNAVAILABLE, f"not collected: X says {error.get('detail') or error.get('title')}")
        for key, report in by_key.items():
            if report.status == OK and key not in users:
                report.fail(UNAVAILABLE, "not collected: X returned no such account")
            elif key in users and users[key].get("protected"):
                report.fail(UNAVAILABLE, "not collected: the account is protected (its posts are not public)")
        return users

    # -- one account -----------------------------------------------------------------------------

    def _collect_account(
        self, user: dict[str, Any], report: CollectionReport, store: PageStore, since: datetime | None
    ) -> None:
        account = user_account(user)
        report.profile = {
            "id": account.account_id, "name": account.display_name, "created_at": account.created_at,
            "followers": account.followers, "following": account.following, "posts": account.post_count,
        }
        store.save_page(None, accounts=[account])
        handle, user_id = user["username"], user["id"]
        now = datetime.fromtimestamp(self._policy.clock.now(), UTC)
        window = now - timedelta(days=SEARCH_DAYS) + timedelta(minutes=1)
        parts = [
            ("timeline", self._client.get_users_tweets, user_id, None, "pagination_token", TIMELINE_CAP),
            ("mentions", self._client.get_users_mentions, user_id, None, "pagination_token", MENTIONS_CAP),
            ("replies", self._client.search_recent_tweets, f"to:{handle}", window, "next_token", None),
        ]
        for endpoint, method, arg, window_start, token_name, cap in parts:
            try:
                backfill = self._endpoint(store, report, handle, endpoint, (method, arg, token_name), since,
                                          window_start)
            except tweepy.Forbidden as exc:
                report.missing.append(f"{endpoint}: forbidden by your X access level ({_api_problem(exc)})")
                continue
            except tweepy.HTTPException as exc:
                report.fail(FAILED, f"{endpoint}: X answered {_api_problem(exc)}")
                continue
            except (ServerFailure, NetworkFailure) as exc:
                report.fail(FAILED, str(exc))
                return
            self._cap_note(report, store, endpoint, backfill, cap)
        report.refuse_if_all_missing(len(parts), "X")

    def _endpoint(
        self, store: PageStore, report: CollectionReport, handle: str, endpoint: str,
        call: tuple[Callable[..., requests.Response], str, str], since: datetime | None,
        window_start: datetime | None,
    ) -> int | None:
        """Page through one endpoint; returns the items a first (backfill, no date floor) run fetched, else None.

        ``since``: the date floor (``--since``; a resumed run keeps the floor it started under), turned into the
        smallest id wanted; ``window_start``: the oldest time the endpoint serves (recent search), before which
        no id may be sent.
        """
        method, arg, token_name = call
        saved = store.load_progress(PLATFORM, handle, endpoint)
        if saved is not None:
            since_id, newest, oldest, fetched = saved.since_id, saved.newest_id, saved.resume, saved.fetched
            since = since or saved.floor
        else:
            since_id, newest, oldest, fetched = store.get_cursor(PLATFORM, handle, endpoint), None, None, 0
        floor = snowflake_for(since) if since else None
        lowest = _newer(since_id, floor)
        if window_start is not None:
            if oldest and snowflake_time(oldest) <= window_start:
                # What was left to resume has aged out of the window: finish that run, then ask for what is new.
                store.save_page(PageCursor(PLATFORM, handle, endpoint, since_id, newest, None, fetched))
                return self._endpoint(store, report, handle, endpoint, call, since, window_start)
            lowest = lowest if lowest and snowflake_time(lowest) > window_start else None
        query = {**FIELDS, "max_results": PAGE_SIZE}
        query.update({k: v for k, v in (("since_id", lowest), ("until_id", oldest)) if v})
        token: str | None = None
        while True:
            body = self._call(endpoint, method, arg, **query, **({token_name: token} if token else {}))
            if "data" not in body and body.get("errors") and "meta" not in body:
                problems = "; ".join(str(e.get("detail") or e.get("title")) for e in body["errors"])
                report.fail(UNAVAILABLE, f"{endpoint}: X says {problems}")
                return None
            data, meta = body.get("data") or [], body.get("meta") or {}
            newest = _newer(newest, meta.get("newest_id"))
            oldest = meta.get("oldest_id") or oldest
            token = meta.get("next_token")
            fetched += len(data)
            cursor = PageCursor(PLATFORM, handle, endpoint, since_id, newest, oldest if token else None, fetched,
                                since)
            counts = store.save_page(cursor if oldest or not token else None, page_posts(body))
            report.count(endpoint, len(data))
            report.saved(counts)
            self._progress.page(f"x:{handle}", endpoint, len(data))
            if not token:
                return fetched if since_id is None and since is None else None

    @staticmethod
    def _cap_note(
        report: CollectionReport, store: PageStore, endpoint: str, backfill: int | None, cap: int | None
    ) -> None:
        if backfill is None:
            return
        if endpoint == "replies":
            report.note(f"replies: X's recent search covers the last {SEARCH_DAYS} days only", store)
        elif cap and backfill >= cap - PAGE_SIZE:
            what = "timeline posts" if endpoint == "timeline" else "mentions"
            report.note(
                f"{endpoint}: X serves only the newest ~{cap:,} {what}; {backfill:,} collected, older ones are "
                "out of reach", store,
            )
