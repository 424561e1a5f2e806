"""Prepare a posts DataFrame for feature calculation over one or many organizations.

:func:`prepare` resolves who each post answers or amplifies, which posts belong to which
organization, which are inbound to it, and when each inbound post was first answered. It does
this once, with vectorized joins, so that every feature is a small aggregation.

Definitions (design section 6):

* **org post**: authored by one of the organization's accounts (platform + handle, case-insensitive).
* **target** of a post: the author it replies to (``in_reply_to_author``, else the author of the
  parent when the parent is loaded, else the handle a reply text opens with), reposts or quotes
  (``repost_of_author``/``quote_of_author``, else the target's author when loaded, else the
  ``RT @name:`` prefix). A target may stay unknown; an unknown target counts as non-org.
* **inbound**: a non-org post that replies to an org post, or is a reply whose target is an org
  account, or mentions an org handle (``@handle`` not inside an e-mail address, any case). A
  repost is never inbound (its ``RT @handle:`` prefix is not addressed to anyone, and nobody
  expects an answer to it); a quote of an org post is inbound only when its own text mentions
  the handle.
* **answered**: an org post replies to it (``in_reply_to_id``) 0 to 7 days (inclusive) after it. Answers are
  looked for among all loaded posts, also after the window's end, so inbound posts late in the
  window are not penalised. The response time is the time to the first such org reply.
* **window**: ``since``/``until`` when given (a time without an offset is UTC), else from the first
  to the last org or inbound post. Org posts and inbound posts are counted only inside the window
  (both ends inclusive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from collectors.records import POST_COLUMNS, Organization, normalize_platform
from features import text as textsig

ANSWER_WINDOW = pd.Timedelta(days=7)
DEFAULT_DEPARTMENT = "general"


@dataclass(frozen=True)
class OrgFrames:
    """Prepared tables for feature calculation; every table has an ``org`` column."""

    orgs: pd.Index
    accounts: pd.DataFrame
    org_posts: pd.DataFrame
    inbound: pd.DataFrame
    windows: pd.DataFrame

    def per_org(self, values: pd.Series, fill: float | None = None) -> pd.Series:
        """``values`` (indexed by org) re-indexed to every organization; absent ones get ``fill``."""
        series = values.reindex(self.orgs).astype(float)
        return series if fill is None else series.fillna(fill)


def accounts_frame(orgs: list[Organization]) -> pd.DataFrame:
    """One row per (org, account): org, platform, handle, handle_key, department, department_source."""
    rows = []
    for org in orgs:
        for account in org.accounts:
            platform, key = account.key
            rows.append(
                {
                    "org": org.name,
                    "platform": platform,
                    "handle": account.handle.lstrip("@"),
                    "handle_key": key,
                    "department": account.department or DEFAULT_DEPARTMENT,
                    "department_source": "given" if account.department else "default",
                }
            )
    columns = ["org", "platform", "handle", "handle_key", "department", "department_source"]
    return pd.DataFrame(rows, columns=columns).drop_duplicates(["org", "platform", "handle_key"])


def prepare(
    posts: pd.DataFrame,
    orgs: list[Organization],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> OrgFrames:
    """Prepare ``posts`` (``POST_COLUMNS``) for the given organizations and window."""
    names = pd.Index([o.name for o in orgs], name="org")
    accounts = accounts_frame(orgs)
    data = _resolve_targets(posts)
    members = accounts[["org", "platform", "handle_key", "department"]]
    own = data.merge(members, left_on=["platform", "author_key"], right_on=["platform", "handle_key"])
    own = own.drop(columns="handle_key").rename(columns={"author_key": "account"})
    own = _classify_org_posts(own, members)
    inbound = _find_inbound(data, own, members)
    inbound = _answer(inbound, own)
    windows = _windows(names, own, inbound, since, until)
    own = _in_window(own, windows)
    inbound = _in_window(inbound, windows)
    accounts = accounts.assign(posted=accounts.set_index(["org", "platform", "handle_key"]).index.isin(
        own.set_index(["org", "platform", "account"]).index))
    return OrgFrames(names, accounts, own.reset_index(drop=True), inbound.reset_index(drop=True), windows)


def empty_posts() -> pd.DataFrame:
    """A posts DataFrame with no rows and the right columns and types."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in POST_COLUMNS})
    frame["created_at"] = pd.Series(dtype="datetime64[ns, UTC]")
    return frame


def _resolve_targets(posts: pd.DataFrame) -> pd.DataFrame:
    data = posts.reindex(columns=list(POST_COLUMNS)).copy()
    data["platform"] = data["platform"].astype(str).map(normalize_platform)
    data["created_at"] = pd.to_datetime(data["created_at"], utc=True)
    data["text"] = data["text"].fillna("").astype(str)
    data["author_key"] = data["author"].astype(str).str.lstrip("@").str.lower()
    for column in ("post_id", "in_reply_to_id", "repost_of_id", "quote_of_id"):
        data[column] = data[column].astype(object).where(data[column].notna(), None)
        data[column] = data[column].map(lambda v: None if v is None else str(v))
    authors = data.drop_duplicates(["platform", "post_id"]).set_index(["platform", "post_id"])["author_key"]

    def loaded_author(id_column: str) -> pd.Series:
        index = pd.MultiIndex.from_arrays([data["platform"], data[id_column]])
        return pd.Series(authors.reindex(index).to_numpy(), index=data.index)

    def given(column: str) -> pd.Series:
        return data[column].astype(object).where(data[column].notna(), np.nan).str.lstrip("@").str.lower()

    is_reply = data["in_reply_to_id"].notna() | data["in_reply_to_author"].notna()
    reply_target = given("in_reply_to_author").fillna(loaded_author("in_reply_to_id"))
    reply_target = reply_target.fillna(textsig.leading_mention(data["text"]).where(is_reply))
    rt_prefix = data["text"].str.extract(r"^RT @([A-Za-z0-9_]{1,40}):", expand=False).str.lower()
    repost_target = given("repost_of_author").fillna(loaded_author("repost_of_id")).fillna(rt_prefix)
    quote_target = given("quote_of_author").fillna(loaded_author("quote_of_id"))
    data["kind"] = np.select(
        [data["repost_of_id"].notna(), data["quote_of_id"].notna(), is_reply],
        ["repost", "quote", "reply"],
        "original",
    )
    data["target"] = np.select(
        [data["kind"] == "repost", data["kind"] == "quote", data["kind"] == "reply"],
        [repost_target, quote_target, reply_target],
        None,
    )
    data["target"] = data["target"].where(pd.notna(data["target"]), None)
    return data


def _classify_org_posts(own: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    keys = members.assign(target_is_org=True).rename(columns={"handle_key": "target"})
    own = own.merge(keys[["org", "platform", "target", "target_is_org"]], how="left",
                    on=["org", "platform", "target"])
    own["target_is_org"] = own["target_is_org"].fillna(False).astype(bool)
    outward = ~own["target_is_org"]
    own["category"] = np.select(
        [(own["kind"] == "reply") & outward, own["kind"].isin(["repost", "quote"]) & outward],
        ["dialogue", "amplification"],
        "broadcast",
    )
    own["signature"] = textsig.signatures(own["text"])
    return own


def _find_inbound(data: pd.DataFrame, own: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    keys = members[["org", "platform", "handle_key"]]
    by_target = data.merge(keys, left_on=["platform", "target"], right_on=["platform", "handle_key"])
    by_target = by_target[by_target["kind"] == "reply"]
    parents = own[["org", "platform", "post_id"]].rename(columns={"post_id": "in_reply_to_id"})
    by_parent = data.merge(parents, on=["platform", "in_reply_to_id"])
    mentioned = data[["platform", "post_id"]].assign(handle_key=textsig.mentions(data["text"]))
    mentioned = mentioned.explode("handle_key").dropna(subset=["handle_key"])
    mentioned = mentioned.merge(keys, on=["platform", "handle_key"])[["org", "platform", "post_id"]]
    by_mention = data.merge(mentioned, on=["platform", "post_id"])
    candidates = pd.concat([by_target, by_parent, by_mention], ignore_index=True)
    candidates = candidates.drop_duplicates(["org", "platform", "post_id"])
    not_own = candidates.merge(
        keys.rename(columns={"handle_key": "author_key"}).assign(is_org=True),
        how="left", on=["org", "platform", "author_key"],
    )
    inbound = not_own[not_own["is_org"].isna() & (not_own["kind"] != "repost")]
    columns = ["org", "platform", "post_id", "author_key", "created_at", "text", "kind"]
    return inbound[columns].assign(is_question=textsig.has_question(inbound["text"]))


def _answer(inbound: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    replies = own.loc[own["kind"] == "reply", ["org", "platform", "in_reply_to_id", "created_at"]]
    replies = replies.rename(columns={"in_reply_to_id": "post_id", "created_at": "reply_at"})
    pairs = inbound[["org", "platform", "post_id", "created_at"]].merge(replies, on=["org", "platform", "post_id"])
    delay = pairs["reply_at"] - pairs["created_at"]
    pairs = pairs[(delay >= pd.Timedelta(0)) & (delay <= ANSWER_WINDOW)]
    first = pairs.groupby(["org", "platform", "post_id"], as_index=False)["reply_at"].min()
    inbound = inbound.merge(first, how="left", on=["org", "platform", "post_id"])
    inbound["answered"] = inbound["reply_at"].notna()
    inbound["response_hours"] = (inbound["reply_at"] - inbound["created_at"]).dt.total_seconds() / 3600.0
    return inbound


def _windows(
    names: pd.Index, own: pd.DataFrame, inbound: pd.DataFrame, since: datetime | None, until: datetime | None
) -> pd.DataFrame:
    times = pd.concat([own[["org", "created_at"]], inbound[["org", "created_at"]]])
    bounds = times.groupby("org")["created_at"].agg(["min", "max"]).reindex(names)
    start = pd.Series(_utc(since) if since else bounds["min"], index=names)
    end = pd.Series(_utc(until) if until else bounds["max"], index=names)
    windows = pd.DataFrame({"start": start, "end": end}, index=names)
    windows["days"] = (windows["end"] - windows["start"]).dt.total_seconds() / 86400.0
    windows["weeks"] = np.ceil(windows["days"] / 7.0).clip(lower=1)
    return windows


def _utc(moment: datetime) -> pd.Timestamp:
    """``moment`` in UTC; a time without an offset is taken as UTC (as in the import format)."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _in_window(frame: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    bounds = windows.reindex(frame["org"].to_numpy()).set_axis(frame.index)
    keep = (frame["created_at"] >= bounds["start"]) & (frame["created_at"] <= bounds["end"])
    frame, bounds = frame[keep].copy(), bounds[keep]
    offset = (frame["created_at"] - bounds["start"]).dt.total_seconds()
    frame["week"] = np.minimum(np.floor(offset / (7 * 86400.0)), bounds["weeks"].astype(float) - 1)
    return frame
