"""Example posts for the audit report: the slowest answers, the unanswered inbound posts, the latest replies.

The text is returned as it was posted (cut to ``MAX_CHARS``); the template escapes it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from socialstage.display.wording import plural

MAX_CHARS = 320
ROWS = 6


def example_tables(org_posts: pd.DataFrame, inbound: pd.DataFrame, rows: int = ROWS) -> list[dict[str, Any]]:
    """Up to three tables (title, note, columns, rows of cells); a table with no rows is left out."""
    tables = [_slowest(org_posts, inbound, rows), _unanswered(inbound, rows), _replies(org_posts, rows)]
    return [t for t in tables if t["rows"]]


def _cut(text: Any) -> str:
    value = "" if text is None or (isinstance(text, float) and pd.isna(text)) else str(text)
    return value if len(value) <= MAX_CHARS else value[: MAX_CHARS - 1] + "…"


def _when(value: Any) -> str:
    return pd.Timestamp(value).tz_convert("UTC").strftime("%Y-%m-%d %H:%M")


def _hours(value: float) -> str:
    if value < 1:
        return f"{value * 60:.0f} min"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


def _slowest(org_posts: pd.DataFrame, inbound: pd.DataFrame, rows: int) -> dict[str, Any]:
    answered = inbound[inbound["answered"].astype(bool)].nlargest(rows, "response_hours")
    replies = org_posts[org_posts["kind"] == "reply"][["platform", "in_reply_to_id", "created_at", "text", "author"]]
    replies = replies.rename(columns={"in_reply_to_id": "post_id", "created_at": "reply_at", "text": "reply_text",
                                      "author": "reply_author"})
    joined = answered.merge(replies, how="left", on=["platform", "post_id", "reply_at"])
    joined = joined.drop_duplicates(["platform", "post_id"]).sort_values("response_hours", ascending=False)
    return {
        "key": "slowest", "title": "Slowest answers",
        "note": "Inbound posts that waited longest for the organization's first reply (within 7 days).",
        "columns": ["posted (UTC)", "from", "inbound post", "sentiment", "answered after", "first reply"],
        "classes": ["when", "handle", "post", "", "num", "post"],
        "rows": [[_when(r.created_at), "@" + str(r.author_key), _cut(r.text), r.sentiment_class or "–",
                  _hours(float(r.response_hours)),
                  _cut(f"@{r.reply_author}: {r.reply_text}" if isinstance(r.reply_text, str) else "")]
                 for r in joined.itertuples()],
    }


def _unanswered(inbound: pd.DataFrame, rows: int) -> dict[str, Any]:
    waiting = inbound[~inbound["answered"].astype(bool)].assign(
        negative=lambda f: f["sentiment_class"].eq("negative"))
    waiting = waiting.sort_values(["negative", "created_at"], ascending=[False, False]).head(rows)
    total = int((~inbound["answered"].astype(bool)).sum())
    return {
        "key": "unanswered", "title": "Unanswered inbound posts",
        "note": f"{plural(total, 'inbound post')} got no reply within 7 days; the most recent criticism first.",
        "columns": ["posted (UTC)", "from", "inbound post", "sentiment"],
        "classes": ["when", "handle", "post", ""],
        "rows": [[_when(r.created_at), "@" + str(r.author_key), _cut(r.text), r.sentiment_class or "–"]
                 for r in waiting.itertuples()],
    }


def _replies(org_posts: pd.DataFrame, rows: int) -> dict[str, Any]:
    dialogue = org_posts[org_posts["category"] == "dialogue"].sort_values("created_at", ascending=False).head(rows)
    return {
        "key": "replies", "title": "Latest replies by the organization",
        "note": "The organization's most recent replies to other people.",
        "columns": ["posted (UTC)", "account", "department", "signature", "reply"],
        "classes": ["when", "handle", "", "", "post"],
        "rows": [[_when(r.created_at), "@" + str(r.author).lstrip("@"), str(r.department),
                  r.signature if isinstance(r.signature, str) else "–", _cut(r.text)]
                 for r in dialogue.itertuples()],
    }
