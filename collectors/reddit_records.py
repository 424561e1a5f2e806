"""Reddit things (praw's Submission, Comment, Redditor and Subreddit data) as socialstage records.

Conventions (the import format's columns, for Reddit):

* ``post_id`` is the base-36 id without its type prefix (``2gmzqe``, not ``t3_2gmzqe``); submissions
  and comments share the ``reddit`` platform. ``in_reply_to_id`` and ``conversation_id`` are stripped
  the same way: a comment's ``in_reply_to_id`` is its parent (comment or submission), its
  ``conversation_id`` the submission it belongs to.
* ``author`` is the username; a deleted author is ``[deleted]``. ``author_id`` is the account id
  without ``t2_``.
* A submission's text is its title, then a blank line and its self text; its ``urls`` are the link it
  points to (link posts) and the ``http(s)`` links in its text; a comment's ``urls`` the links in its body.
* ``like_count`` is the score; ``reply_count`` a submission's comment count; ``repost_count`` its
  crosspost count. A crosspost is a repost of its parent (``repost_of_id``/``repost_of_author``); a
  submission with a poll has ``is_poll``.
* A submission in a subreddit that belongs to the organization is addressed to it:
  ``in_reply_to_author`` is ``r/NAME`` (and ``in_reply_to_id`` empty), which makes it inbound to the
  organization's ``reddit:r/NAME`` account.
* ``distinguished``, the author's flair and the subreddit are kept beside the post (:class:`PostMeta`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from collectors.records import Account, Post, PostMeta

PLATFORM = "reddit"
DELETED = "[deleted]"
#: "more comments" links expanded per comment tree (each one request), largest first.
MORE_LIMIT = 10
#: Days back an incremental run re-reads the comment trees of submissions whose comment count changed.
REFRESH_DAYS = 30
_URL_RE = re.compile(r"https?://[^\s)\]>\"'<]+")


def thing_data(thing: Any) -> dict[str, Any]:
    """A praw object's (or a raw thing's) data as a plain dict, without triggering a fetch."""
    if isinstance(thing, Mapping):
        return dict(thing.get("data", thing))
    return dict(vars(thing))


def strip_prefix(fullname: str | None) -> str | None:
    """``t3_2gmzqe`` -> ``2gmzqe`` (None stays None)."""
    if not fullname:
        return None
    return fullname.split("_", 1)[1] if re.match(r"^t\d_", fullname) else fullname


def base36(value: str) -> int:
    """A Reddit id as a number (ids grow with time)."""
    return int(value, 36)


def name_of(value: Any) -> str | None:
    """A username or subreddit name from a string or a praw Redditor/Subreddit (None: deleted)."""
    if value is None or isinstance(value, str):
        return None if value in (None, "", DELETED) else value
    data = vars(value)
    return data.get("name") or data.get("display_name")


def _time(data: Mapping[str, Any]) -> datetime:
    return datetime.fromtimestamp(float(data["created_utc"]), UTC)


def _links(text: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(m.rstrip(".,;:!?") for m in _URL_RE.findall(text or "")))


def _meta(data: Mapping[str, Any]) -> PostMeta:
    return PostMeta(PLATFORM, str(data["id"]), data.get("distinguished"), data.get("author_flair_text"),
                    name_of(data.get("subreddit")))


def submission_record(thing: Any, *, addressed_to: str | None = None) -> tuple[Post, PostMeta]:
    """A submission as a Post (``addressed_to``: the owned subreddit it was posted in) and its PostMeta."""
    data = thing_data(thing)
    selftext = data.get("selftext") or ""
    title = data.get("title") or ""
    text = f"{title}\n\n{selftext}" if selftext else title
    urls = _links(selftext)
    if not data.get("is_self", True) and data.get("url"):
        urls = tuple(dict.fromkeys((data["url"], *urls)))
    parents = data.get("crosspost_parent_list") or []
    author = name_of(data.get("author"))
    post = Post(
        platform=PLATFORM,
        post_id=str(data["id"]),
        author=author or DELETED,
        author_id=strip_prefix(data.get("author_fullname")),
        created_at=_time(data),
        text=text,
        in_reply_to_author=addressed_to,
        repost_of_id=strip_prefix(data.get("crosspost_parent")),
        repost_of_author=name_of(parents[0].get("author")) if parents else None,
        conversation_id=str(data["id"]),
        urls=urls,
        is_poll=data.get("poll_data") is not None,
        like_count=data.get("score"),
        repost_count=data.get("num_crossposts"),
        reply_count=data.get("num_comments"),
    )
    return post, _meta(data)


def comment_record(thing: Any, *, parent_author: str | None = None) -> tuple[Post, PostMeta]:
    """A comment as a Post (``parent_author``: the parent's author when known) and its PostMeta.

    A comment that answers a submission knows the submission's author from ``link_author`` (listed
    in a user's comments); otherwise ``parent_author`` is used.
    """
    data = thing_data(thing)
    parent_id = data.get("parent_id") or ""
    if parent_author is None and parent_id.startswith("t3_"):
        parent_author = name_of(data.get("link_author"))
    post = Post(
        platform=PLATFORM,
        post_id=str(data["id"]),
        author=name_of(data.get("author")) or DELETED,
        author_id=strip_prefix(data.get("author_fullname")),
        created_at=_time(data),
        text=data.get("body") or "",
        in_reply_to_id=strip_prefix(parent_id),
        in_reply_to_author=parent_author,
        conversation_id=strip_prefix(data.get("link_id")),
        urls=_links(data.get("body")),
        like_count=data.get("score"),
    )
    return post, _meta(data)


def is_comment(thing: Any) -> bool:
    """Whether a praw object or raw thing is a comment (it has a body and a parent)."""
    data = thing_data(thing)
    return "body" in data and "parent_id" in data


def user_account(data: Mapping[str, Any]) -> tuple[Account, dict[str, object]]:
    """A user's ``about`` data as an Account and the profile facts reported (karma, moderator...)."""
    page = data.get("subreddit") or {}
    created = data.get("created_utc")
    account = Account(
        platform=PLATFORM, handle=str(data["name"]), account_id=data.get("id"),
        display_name=page.get("title") or None, bio=page.get("public_description") or None,
        created_at=datetime.fromtimestamp(float(created), UTC) if created else None,
        followers=page.get("subscribers"),
    )
    profile: dict[str, object] = {
        "id": data.get("id"), "created_at": account.created_at, "link_karma": data.get("link_karma"),
        "comment_karma": data.get("comment_karma"), "total_karma": data.get("total_karma"),
        "is_moderator": data.get("is_mod"), "is_employee": data.get("is_employee"),
        "verified_email": data.get("has_verified_email"),
    }
    return account, profile


def subreddit_account(data: Mapping[str, Any]) -> tuple[Account, dict[str, object]]:
    """A subreddit's ``about`` data as an Account (handle ``r/NAME``) and the profile facts reported."""
    created = data.get("created_utc")
    account = Account(
        platform=PLATFORM, handle=f"r/{data['display_name']}", account_id=data.get("id"),
        display_name=data.get("title") or None, bio=data.get("public_description") or None,
        created_at=datetime.fromtimestamp(float(created), UTC) if created else None,
        followers=data.get("subscribers"),
    )
    profile: dict[str, object] = {
        "id": data.get("id"), "created_at": account.created_at, "subscribers": data.get("subscribers"),
        "type": data.get("subreddit_type"),
    }
    return account, profile
