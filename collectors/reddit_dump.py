"""Reddit dumps (Pushshift, Arctic Shift) as socialstage posts, with the live collector's mapping.

A dump is NDJSON, one submission or comment per line, each the thing's ``data`` as Reddit's API served
it. The same :func:`collectors.reddit_records.submission_record` and
:func:`collectors.reddit_records.comment_record` map it, so a dump imports to the same posts as the same
things collected live through praw (ids without ``t1_``/``t3_``, the submission as the conversation, the
title and self text as the text, the score as ``like_count``...).

A line is a **comment** when it has ``body`` or ``parent_id`` (or a ``t1_`` name), a **submission** when
it has ``title`` (or a ``t3_`` name). Required: ``id``, ``author`` (``[deleted]`` for a deleted one),
``created_utc`` (seconds, a number or a numeric string), and for a submission ``title``, for a comment
``body``, ``link_id`` (``t3_...``) and ``parent_id`` (``t1_...`` or ``t3_...``). Anything else missing
is left empty; a row that breaks these rules is a bad row with the reason.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from collectors.records import Post, PostMeta
from collectors.reddit_records import comment_record, submission_record

LAYOUT = "reddit dump"
SUBMISSION_REQUIRED = ("id", "author", "created_utc", "title")
COMMENT_REQUIRED = ("id", "author", "created_utc", "body", "link_id", "parent_id")
_ID_RE = re.compile(r"^[0-9a-z]{1,16}$")
_COUNTS = ("score", "num_comments", "num_crossposts")
_LATEST = 4102444800  # 2100-01-01: a later created_utc is not a Reddit time


def is_reddit_thing(obj: Mapping[str, Any]) -> bool:
    """Whether a JSON object looks like a dumped submission or comment."""
    if "platform" in obj or "post_id" in obj:  # the socialstage import format
        return False
    return "created_utc" in obj and any(k in obj for k in ("subreddit", "subreddit_id", "link_id", "permalink"))


def _kind(obj: Mapping[str, Any]) -> str:
    name = str(obj.get("name") or "")
    if name.startswith("t1_") or "body" in obj or "parent_id" in obj:
        return "comment"
    if name.startswith("t3_") or "title" in obj:
        return "submission"
    raise ValueError("neither a submission (no title) nor a comment (no body, parent_id)")


def _seconds(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"created_utc {value!r} is not a time in seconds")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"created_utc {value!r} is not a time in seconds") from None
    if not math.isfinite(number) or number < 0 or number > _LATEST:
        raise ValueError(f"created_utc {value!r} is out of range")
    return number


def _count(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise ValueError(f"{name} {value!r} is not a whole number")


def dump_record(obj: Mapping[str, Any]) -> tuple[Post, PostMeta]:
    """One dumped thing as a Post and its PostMeta, or ValueError with the reason it is a bad row."""
    kind = _kind(obj)
    required = COMMENT_REQUIRED if kind == "comment" else SUBMISSION_REQUIRED
    absent = [f for f in required if f not in obj or obj[f] is None]
    if absent:
        raise ValueError(f"{kind} without {', '.join(absent)}")
    empty = [f for f in required if f not in ("body", "title") and not str(obj[f]).strip()]
    if empty:
        raise ValueError(f"missing required value{'s' if len(empty) > 1 else ''}: {', '.join(empty)}")
    data = dict(obj)
    data.pop("data", None)  # thing_data() would take a "data" field for the thing itself
    data["id"] = str(data["id"]).strip()
    if not _ID_RE.match(data["id"]):
        raise ValueError(f"id {obj['id']!r} is not a base-36 Reddit id")
    prefix = "t1_" if kind == "comment" else "t3_"
    if data.get("name") and str(data["name"]) != prefix + data["id"]:
        raise ValueError(f"name {data['name']!r} does not match the {kind} id {data['id']!r}")
    data["created_utc"] = _seconds(data["created_utc"])
    for name in _COUNTS:
        if name in data:
            data[name] = _count(name, data[name])
    if not isinstance(data.get("author"), str):
        raise ValueError(f"author {obj['author']!r} is not a username")
    if kind == "submission":
        if not isinstance(data["title"], str) or not isinstance(data.get("selftext") or "", str):
            raise ValueError("title or selftext is not text")
        return submission_record(data)
    if not isinstance(data["body"], str):
        raise ValueError("body is not text")
    if not re.fullmatch(r"t3_[0-9a-z]+", str(data["link_id"])):
        raise ValueError(f"link_id {data['link_id']!r} is not a submission (t3_...)")
    if not re.fullmatch(r"t[13]_[0-9a-z]+", str(data["parent_id"])):
        raise ValueError(f"parent_id {data['parent_id']!r} is not a comment (t1_...) or a submission (t3_...)")
    return comment_record(data)
