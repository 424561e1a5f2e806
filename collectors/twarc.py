"""twarc2 output as socialstage posts, with the X collector's own mapping (:func:`collectors.twitter.tweet_post`).

twarc2 writes JSON Lines in two shapes, both read here line by line:

* **response pages** (``twarc2 search``, ``timeline``, ``mentions``...): each line is one X API v2 page,
  ``{"data": [...], "includes": {"users": [...], "tweets": [...]}, "meta": {...}, "__twarc": {...}}``.
  Its ``data`` tweets are posts; the referenced tweets in ``includes.tweets`` (the parent of a reply, the
  reposted or quoted tweet) are posts too when they are complete (id, author and time), exactly as the
  live collector stores them.
* **flattened** (``twarc2 flatten``): one tweet per line with its expansions inline: ``author`` (the user
  object), ``in_reply_to_user``, and ``referenced_tweets`` entries that carry the referenced tweet's own
  fields (older twarc versions put them under ``tweet``), and ``__twarc``.

A tweet of ``data`` (or a flattened line) without an id, author or time, or with a time that is not ISO
8601, is a bad row; a referenced tweet that is incomplete is not a post (X often sends only its id).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from collectors.records import Post

# collectors.twitter (and so tweepy) is imported in the functions that map tweets: detecting a file's
# format, or auditing any other file, does not load it.

PAGE = "twarc2"
FLAT = "twarc2 flattened"


@dataclass
class LinePosts:
    """What one line gave: its posts and the problems of its bad tweets (one reason each)."""

    posts: list[Post] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    references_skipped: int = 0


def line_kind(obj: Mapping[str, Any]) -> str | None:
    """``twarc2`` (a response page), ``twarc2 flattened`` (a tweet), or None (neither)."""
    if "platform" in obj or "post_id" in obj:  # the socialstage import format
        return None
    if "id" in obj:
        flat = "text" in obj and (isinstance(obj.get("author"), dict) or "__twarc" in obj or "author_id" in obj)
        return FLAT if flat else None
    if isinstance(obj.get("data"), list | dict) and ("includes" in obj or "meta" in obj or "__twarc" in obj):
        return PAGE
    if "__twarc" in obj and any(k in obj for k in ("data", "meta", "errors", "includes")):
        return PAGE  # a page without results
    return None


def line_posts(obj: Mapping[str, Any]) -> LinePosts:
    """The posts of one twarc2 line (a page, or a flattened tweet: one with an ``id``) and its problems."""
    return _flat(obj) if "id" in obj else _page(obj)


def _unresolved(data: list[Any], tweets: Mapping[str, Any]) -> int:
    """How many tweets the ``data`` tweets reference that are not complete posts (X sent only their ids)."""
    wanted = {str(r["id"]) for t in data if isinstance(t, dict) for r in t.get("referenced_tweets") or []
              if isinstance(r, dict) and r.get("id")}
    return sum(not _complete(tweets.get(i)) for i in wanted)


def _checked(tweet: Any, users: dict[str, str | None], tweets: dict[str, dict[str, Any]]) -> Post:
    """A tweet as a Post, or ValueError naming what is wrong with it."""
    from collectors.twitter import TWEET_REQUIRED, parse_time, tweet_post

    if not isinstance(tweet, dict):
        raise ValueError("not a tweet object")
    missing = [name for name in TWEET_REQUIRED if not tweet.get(name)]
    if missing:
        raise ValueError(f"missing required value{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    try:
        parse_time(str(tweet["created_at"]))
    except ValueError:
        raise ValueError(f"created_at {tweet['created_at']!r} is not an ISO 8601 time") from None
    metrics = tweet.get("public_metrics") or {}
    if not isinstance(metrics, dict):
        raise ValueError("public_metrics is not an object")
    for name in ("like_count", "retweet_count", "reply_count"):
        value = metrics.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"public_metrics.{name} {value!r} is not a whole number")
    post = tweet_post(tweet, users, tweets)
    assert post is not None  # the required fields were checked above
    return post


def _label(index: int | None, tweet: Any) -> str:
    ident = tweet.get("id") if isinstance(tweet, dict) else None
    where = f"data[{index}]" if index is not None else "the tweet"
    return f"{where} (id {ident})" if ident else where


def _complete(tweet: Any) -> bool:
    return isinstance(tweet, dict) and all(tweet.get(name) for name in ("id", "author_id", "created_at"))


def _page(obj: Mapping[str, Any]) -> LinePosts:
    out = LinePosts()
    data = obj.get("data")
    if data is None:  # an empty page (no results) or an errors-only page: no posts, nothing wrong
        return out
    if isinstance(data, dict):  # a single-tweet lookup
        data = [data]
    if not isinstance(data, list):
        out.problems.append("data is neither a list of tweets nor a tweet")
        return out
    if not isinstance(obj.get("includes") or {}, dict):
        out.problems.append("includes is not an object")
        return out
    from collectors.twitter import page_index

    users, tweets = page_index(dict(obj))
    found: dict[str, Post] = {}
    for tweet in tweets.values():  # the referenced posts first, so a tweet of data wins over its copy
        if _complete(tweet):
            try:
                post = _checked(tweet, users, tweets)
            except ValueError:
                continue
            found[post.post_id] = post
    out.references_skipped = _unresolved(data, tweets)
    for index, tweet in enumerate(data):
        try:
            post = _checked(tweet, users, tweets)
        except ValueError as exc:
            out.problems.append(f"{_label(index, tweet)}: {exc}")
            continue
        found[post.post_id] = post
    out.posts = list(found.values())
    return out


def _flat(obj: Mapping[str, Any]) -> LinePosts:
    out = LinePosts()
    users: dict[str, str | None] = {}
    tweets: dict[str, dict[str, Any]] = {}

    def add_user(user: Any) -> None:
        if isinstance(user, dict) and user.get("id") and user.get("username"):
            users[str(user["id"])] = user["username"]

    def index(tweet: Mapping[str, Any]) -> None:
        add_user(tweet.get("author"))
        add_user(tweet.get("in_reply_to_user"))
        for mention in (tweet.get("entities") or {}).get("mentions") or []:
            add_user(mention)

    tweet = dict(obj)
    if not tweet.get("author_id") and isinstance(tweet.get("author"), dict) and tweet["author"].get("id"):
        tweet["author_id"] = tweet["author"]["id"]
    index(tweet)
    for ref in tweet.get("referenced_tweets") or []:
        if not isinstance(ref, dict) or not ref.get("id"):
            continue
        embedded = ref["tweet"] if isinstance(ref.get("tweet"), dict) else {k: v for k, v in ref.items() if k != "type"}
        if not embedded.get("author_id") and isinstance(embedded.get("author"), dict):
            embedded = {**embedded, "author_id": embedded["author"].get("id")}
        tweets[str(ref["id"])] = embedded
        index(embedded)
    try:
        main = _checked(tweet, users, tweets)
    except ValueError as exc:
        out.problems.append(f"{_label(None, tweet)}: {exc}")
        return out
    found: dict[str, Post] = {}
    for ref_id, embedded in tweets.items():
        if _complete(embedded) and ref_id != main.post_id:
            try:
                post = _checked(embedded, users, tweets)
            except ValueError:
                continue
            found[post.post_id] = post
    out.references_skipped = _unresolved([tweet], tweets)
    found[main.post_id] = main
    out.posts = list(found.values())
    return out
