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
* **department** of an account: the one given in the organization definition, else inferred from its
  handle, display name and bio (``features.departments``; profiles come from ``profiles``), else
  ``general``. A post's department is its account's, except that a signed post (an agent sign-off,
  ``features.text.signatures``) of a ``general`` account counts for ``support``: signatures are
  support voices, also when agents answer from the main account.
* **conversation** of a post: its ``conversation_id``, else that of the first post of its reply chain
  among the loaded posts, else the id of that first post's (absent) parent, else the first post's own id.
* **sentiment** of inbound posts: an optional ``sentiment`` column of ``posts`` (stored scores) where
  present, else computed (``features.sentiment``); ``sentiment_class`` follows VADER's thresholds.
* **message type** of org posts (information, action, dialogue): an optional ``message_type`` column of
  ``posts`` (stored values) where it holds one of them (and, where ``message_type_addressed`` is given, the
  post is addressed as that column says), else classified (``features.message_types``).
* **signature** of org posts: an optional ``signature`` column (stored values, ``""`` for none) where present,
  else read from the text. ``features.enrichment`` computes all these stored columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from collectors.records import POST_COLUMNS, Organization, normalize_handle, normalize_platform
from features import message_types, signals
from features import sentiment as sentiments
from features import text as textsig
from features.codes import STR
from features.departments import DEFAULT_DEPARTMENT, explain, infer_departments
from features.inbound import ANSWER_WINDOW as ANSWER_WINDOW  # where it was defined first
from features.inbound import (
    AccountCodes,
    answer,
    find_inbound,
    mentions_of,
    org_post_rows,
    org_posts,
)
from features.post_keys import distinct_keys, first_of_each, positions
from features.targets import ENRICHMENT_COLUMNS as ENRICHMENT_COLUMNS  # where batch.dataset reads it
from features.targets import resolve_targets

#: From this many posts on, :func:`prepare` runs two steps at a time (``mentions_of`` beside the
#: resolution of targets, ``org_posts`` beside ``find_inbound``: Arrow, Polars and numpy release the GIL);
#: fewer posts are prepared in one thread.
PARALLEL_POSTS = 20_000
ACCOUNT_COLUMNS = ["org", "platform", "handle", "handle_key", "department", "department_source", "department_match",
                   "department_reason"]


@dataclass(frozen=True)
class OrgFrames:
    """Prepared tables for feature calculation; every table has an ``org`` column."""

    orgs: pd.Index
    accounts: pd.DataFrame
    org_posts: pd.DataFrame
    inbound: pd.DataFrame
    windows: pd.DataFrame
    #: Loaded non-repost posts per (platform, conversation): columns platform, conversation, conversation_key
    #: (``features.post_keys``, as in ``org_posts``), posts.
    conversations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"platform": pd.Series(dtype=object), "conversation": pd.Series(dtype=object),
         "conversation_key": pd.Series(dtype=np.int64), "posts": pd.Series(dtype=float)}))

    #: Values several features read (a text signal of the org posts), computed once: see :meth:`cached`.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def cached(self, name: str, compute: Callable[[], Any]) -> Any:
        """``compute()``, computed the first time ``name`` is asked for and then remembered."""
        if name not in self.memo:
            self.memo[name] = compute()
        return self.memo[name]

    def org_texts(self) -> textsig.DistinctTexts:
        """The distinct texts of the org posts, coded once for every text signal read over them."""
        return signals.Reader(self.org_posts, self.cached).texts()

    def text_signal(self, name: str) -> pd.Series | np.ndarray:
        """The text signal ``name`` of the org posts (``features.signals.SIGNALS``), computed once."""
        return self.cached(f"signal:{name}", lambda: signals.SIGNALS[name](signals.Reader(self.org_posts,
                                                                                          self.cached)))

    def read_text_signals(self, names: Iterable[str]) -> None:
        """Compute the text signals ``names`` not computed yet, together (``features.signals.read_together``:
        in two threads from many org posts on), for :meth:`text_signal` to give."""
        todo = [name for name in dict.fromkeys(names) if f"signal:{name}" not in self.memo]
        for name, value in signals.read_together(signals.Reader(self.org_posts, self.cached), todo).items():
            self.memo[f"signal:{name}"] = value

    def per_org(self, values: pd.Series, fill: float | None = None) -> pd.Series:
        """``values`` (indexed by org) re-indexed to every organization; absent ones get ``fill``."""
        series = values.reindex(self.orgs).astype(float)
        return series if fill is None else series.fillna(fill)


def accounts_frame(orgs: list[Organization], profiles: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (org, account): org, platform, handle, handle_key, department and how it was decided.

    ``department_source`` is ``given``, ``handle``, ``display name``, ``bio`` (inferred from that field of
    the account's profile in ``profiles``: columns platform, handle, display_name, bio) or ``default``;
    ``department_match`` the text that matched; ``department_reason`` says it for people
    (``inferred from handle 'AcmeHelp' (help)``).
    """
    rows = [
        {"org": org.name, "platform": account.key[0], "handle": account.handle.lstrip("@"),
         "handle_key": account.key[1], "given": account.department}
        for org in orgs for account in org.accounts
    ]
    frame = pd.DataFrame(rows, columns=["org", "platform", "handle", "handle_key", "given"])
    frame = frame.drop_duplicates(["org", "platform", "handle_key"]).reset_index(drop=True)
    profile = _profiles(profiles).reindex(pd.MultiIndex.from_frame(frame[["platform", "handle_key"]]))
    display_name = pd.Series(profile["display_name"].to_numpy(), index=frame.index, dtype=object)
    bio = pd.Series(profile["bio"].to_numpy(), index=frame.index, dtype=object)
    given = frame["given"].notna()
    unknown = ~given  # departments are inferred only where none is given
    inferred = infer_departments(frame["handle"][unknown], display_name[unknown], bio[unknown]).reindex(frame.index)
    frame["department"] = frame["given"].where(given, inferred["department"])
    frame["department_source"] = np.where(given, "given", inferred["department_source"].fillna("default"))
    frame["department_match"] = inferred["department_match"].where(~given)
    frame["department_reason"] = explain(frame["department_source"], frame["handle"], display_name,
                                         frame["department_match"])
    return frame[ACCOUNT_COLUMNS]


def _profiles(profiles: pd.DataFrame | None) -> pd.DataFrame:
    """Profiles indexed by (platform, handle_key), one per account (the last given wins)."""
    columns = ["platform", "handle", "display_name", "bio"]
    data = pd.DataFrame(columns=columns) if profiles is None else profiles.reindex(columns=columns)
    keys = pd.MultiIndex.from_arrays(
        [data["platform"].astype(str).map(normalize_platform), data["handle"].astype(str).map(normalize_handle)],
        names=["platform", "handle_key"],
    )
    indexed = data[["display_name", "bio"]].astype(object).set_axis(keys)
    return indexed[~indexed.index.duplicated(keep="last")]


def prepare(
    posts: pd.DataFrame,
    orgs: list[Organization],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    profiles: pd.DataFrame | None = None,
    sentiment: bool = True,
) -> OrgFrames:
    """Prepare ``posts`` (``POST_COLUMNS``, optionally ``ENRICHMENT_COLUMNS``) for the given organizations
    and window. ``profiles`` (platform, handle, display_name, bio) feed department inference;
    ``sentiment=False`` skips scoring inbound posts that carry no stored score."""
    names = pd.Index([o.name for o in orgs], name="org")
    accounts = accounts_frame(orgs, profiles)
    members = accounts[["org", "platform", "handle_key", "department"]]
    parallel = len(posts) >= PARALLEL_POSTS
    with ThreadPoolExecutor(1) as pool:  # Arrow, Polars and numpy release the GIL: two steps at a time
        found = pool.submit(mentions_of, posts, members) if parallel else None
        data = resolve_targets(posts, parallel)  # while the mentions are searched
        mentions = mentions_of(posts, members) if found is None else found.result()
        codes = AccountCodes.of(data, members)
        author = codes.coded(data["author_key"], codes.post_platform)
        target = codes.coded(data["target"], codes.post_platform)
        own_rows, own_member = org_post_rows(codes, author)
        own_org = codes.orgs[own_member]
        target_is_org = codes.is_own(own_org, target[own_rows])

        def own_posts() -> pd.DataFrame:
            return _classify_org_posts(org_posts(data, members, own_rows, own_member), target_is_org)

        building = pool.submit(own_posts) if parallel else None
        inbound, inbound_org = find_inbound(data, own_rows, own_org, codes, author, target, mentions)
        sizes = _conversation_sizes(data)
        own = own_posts() if building is None else building.result()
    inbound = answer(inbound, inbound_org, own, own_org)
    windows = _windows(names, own, inbound, since, until)
    own = in_window(own, windows).reset_index(drop=True)
    with ThreadPoolExecutor(1) as pool:  # the org texts are coded for the text signals while the rest is typed
        coding = pool.submit(textsig.DistinctTexts.of, own["text"]) if parallel else None
        own["message_type"] = message_types.org_post_types(own)
        inbound = in_window(inbound, windows)
        if sentiment:
            inbound["sentiment"] = sentiments.fill_missing(inbound["text"], inbound["sentiment"])
        inbound["sentiment_class"] = sentiments.sentiment_class(inbound["sentiment"])
        accounts = posted_accounts(accounts, own)
        memo = {} if coding is None else {signals.ORG_TEXTS: coding.result()}
    return OrgFrames(names, accounts, own, inbound.reset_index(drop=True), windows, sizes, memo=memo)


def empty_posts() -> pd.DataFrame:
    """A posts DataFrame with no rows and the right columns and types."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in POST_COLUMNS})
    frame["created_at"] = pd.Series(dtype="datetime64[ns, UTC]")
    return frame


def _conversation_sizes(data: pd.DataFrame) -> pd.DataFrame:
    """Loaded non-repost posts per (platform, conversation): reposts are not turns of a conversation."""
    rows = np.flatnonzero((data["kind"] != "repost").to_numpy(dtype=bool))
    rows = rows[first_of_each(data["post_key"].to_numpy()[rows])]  # each post once
    keys = data["conversation_key"].to_numpy()[rows]
    rows, keys = rows[keys >= 0], keys[keys >= 0]
    conversations, first, posts = distinct_keys(keys)
    return pd.DataFrame({"platform": _taken(data["platform"], rows[first]),
                         "conversation": _taken(data["conversation"], rows[first]),
                         "conversation_key": conversations, "posts": posts.astype(float)})


def _taken(values: pd.Series, rows: np.ndarray) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """The values of ``rows`` for a new column, typed as pandas types an object array of them."""
    taken = values.iloc[rows]
    return taken.array if len(taken) and isinstance(taken.dtype, pd.StringDtype) else taken.to_numpy(dtype=object)


def _classify_org_posts(own: pd.DataFrame, target_is_org: np.ndarray) -> pd.DataFrame:
    """Category, signature and department of the org posts; ``target_is_org``: whether each targets an account
    of its own organization."""
    own["target_is_org"] = target_is_org
    outward = ~target_is_org
    reply = (own["kind"] == "reply").to_numpy(dtype=bool)
    shared = own["kind"].isin(["repost", "quote"]).to_numpy(dtype=bool)
    category = np.where(reply & outward, 1, np.where(shared & outward, 2, 0))
    own["category"] = _named(category, CATEGORIES, own.index)
    own["signature"] = _signatures(own)
    own["account_department"] = own["department"]
    signed_general = own["signature"].notna() & (own["department"] == DEFAULT_DEPARTMENT)
    own["department"] = own["department"].where(~signed_general, "support")
    return own


#: The categories of org posts, by code: to others' posts a reply is dialogue, a repost or quote amplification.
CATEGORIES = ("broadcast", "dialogue", "amplification")


def _named(codes: np.ndarray, names: tuple[str, ...], index: pd.Index) -> pd.Series:
    """The name of each code, as a ``str`` Series (a Series with no row: ``str`` as numpy's strings give it)."""
    if len(codes) == 0:
        return pd.Series(np.array([], dtype=f"<U{max(map(len, names))}"), index=index)
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(names, pa.large_string()).take(codes)]),
                                                dtype=STR), index=index)


def _signatures(own: pd.DataFrame) -> pd.Series:
    """Stored signatures (``""``: none) where present, the others computed; none is missing."""
    stored = own["signature"].astype(object)
    todo = stored.isna()
    if todo.all():
        return textsig.signatures(own["text"])
    if todo.any():
        stored[todo] = textsig.signatures(own.loc[todo, "text"]).astype(object)
    return stored.where(stored != "", np.nan)


def _windows(
    names: pd.Index, own: pd.DataFrame, inbound: pd.DataFrame, since: datetime | None, until: datetime | None
) -> pd.DataFrame:
    times = pd.concat([own[["org", "created_at"]], inbound[["org", "created_at"]]])
    bounds = times.groupby("org")["created_at"].agg(["min", "max"]).reindex(names)
    start = pd.Series(_utc(since) if since else bounds["min"], index=names)
    end = pd.Series(_utc(until) if until else bounds["max"], index=names)
    return window_table(start, end)


def window_table(start: pd.Series, end: pd.Series) -> pd.DataFrame:
    """Windows (``OrgFrames.windows``) from their first and last moments (both inclusive), indexed like
    ``start``: columns start, end, days (length) and weeks (7-day periods from the start, at least 1)."""
    windows = pd.DataFrame({"start": start, "end": end}, index=start.index)
    windows["days"] = (windows["end"] - windows["start"]).dt.total_seconds() / 86400.0
    windows["weeks"] = np.ceil(windows["days"] / 7.0).clip(lower=1)
    return windows


def posted_accounts(accounts: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    """``accounts`` with ``posted``: whether the account has a post among the org posts ``own``."""
    return accounts.assign(posted=accounts.set_index(["org", "platform", "handle_key"]).index.isin(
        own.set_index(["org", "platform", "account"]).index))


def _utc(moment: datetime) -> pd.Timestamp:
    """``moment`` in UTC; a time without an offset is taken as UTC (as in the import format)."""
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def in_window(frame: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` inside their org's window (both ends inclusive), with ``week``: the 7-day period
    of the window they fall in."""
    at = positions(frame["org"], windows.index)  # -1: an org without a window (no row is kept)

    def bound(column: str) -> pd.Series:
        return pd.Series(windows[column].array.take(at, allow_fill=True), index=frame.index)

    start, end = bound("start"), bound("end")
    keep = (frame["created_at"] >= start) & (frame["created_at"] <= end)
    weeks = np.append(windows["weeks"].to_numpy(dtype=float), np.nan)[at][keep.to_numpy()]
    frame = frame[keep]  # a new frame (copy-on-write): adding the week leaves the given one unchanged
    offset = (frame["created_at"] - start[keep]).dt.total_seconds()
    frame["week"] = np.minimum(np.floor(offset / (7 * 86400.0)), weeks - 1)
    return frame
