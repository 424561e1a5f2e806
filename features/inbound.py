"""The org posts, the inbound posts and their answers, found by joins on integer keys (a step of
``features.frames.prepare``).

Definitions (``features.frames``' module docstring): an **org post** is authored by one of the organization's
accounts (platform + handle, case-insensitive); an **inbound** post is a non-org post that replies to an org post,
or is a reply whose target is an org account, or mentions an org handle, and never a repost; it is **answered**
when an org post replies to it (``in_reply_to_id``) 0 to 7 days (inclusive) after it, the response time being the
time to the first such reply. Accounts are coded by platform and handle (:class:`AccountCodes`), posts by
``post_key`` (``features.post_keys``); organizations by their position among the accounts' ``org`` values.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from features import text as textsig
from features.post_keys import first_of_each, join_rows, pair_keys, positions

ANSWER_WINDOW = pd.Timedelta(days=7)
#: A missing moment (NaT) as an integer.
NAT = np.iinfo(np.int64).min


@dataclass(frozen=True)
class AccountCodes:
    """The organizations' accounts (``members``: org, platform, handle_key, department) as integer keys, so
    that finding the account of a handle on a platform is an array look-up."""

    handles: pd.Index  # only the accounts' handles can join
    stride: int  # platforms
    #: The platform code of each post of the posts table.
    post_platform: np.ndarray
    #: The account key of each member row, and the code of its org (a position in ``org_names``).
    member: np.ndarray
    orgs: np.ndarray
    org_names: pd.Index

    @classmethod
    def of(cls, data: pd.DataFrame, members: pd.DataFrame) -> AccountCodes:
        """The codes of ``members``' accounts and of ``data``'s platforms (a posts table)."""
        platforms, _ = pd.factorize(pd.concat([data["platform"], members["platform"]], ignore_index=True))
        handles = pd.Index(members["handle_key"].unique())
        stride = int(platforms.max(initial=0)) + 1
        orgs, org_names = pd.factorize(members["org"])
        codes = cls(handles, stride, platforms[:len(data)], np.zeros(0, dtype=np.int64), orgs, pd.Index(org_names))
        member = codes.coded(members["handle_key"], platforms[len(data):])
        return cls(handles, stride, codes.post_platform, member, orgs, pd.Index(org_names))

    @property
    def size(self) -> int:
        """More than any account key."""
        return len(self.handles) * self.stride

    def coded(self, values: pd.Series, platform: np.ndarray) -> np.ndarray:
        """Handles as account keys (platform and handle), -1 for a handle that is no account's."""
        found = positions(values, self.handles)
        return np.where(found >= 0, found.astype(np.int64) * self.stride + platform, -1)

    def is_own(self, org: np.ndarray, account: np.ndarray) -> np.ndarray:
        """Whether each ``account`` key is one of the accounts of the org coded ``org``."""
        return np.isin(pair_keys(org, account, self.size), pair_keys(self.orgs, self.member, self.size))


def org_post_rows(codes: AccountCodes, author: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The org posts among posts whose authors have the account keys ``author``: one pair per post and org of its
    account, in the order of the posts (as an inner merge on platform and author), the row of the post and the row
    of the account among the members."""
    return join_rows(author, codes.member)


def org_posts(data: pd.DataFrame, members: pd.DataFrame, rows: np.ndarray, member: np.ndarray) -> pd.DataFrame:
    """The org posts of :func:`org_post_rows`: ``data``'s columns (``author_key`` named ``account``), then org and
    department."""
    own = data.iloc[rows].reset_index(drop=True).rename(columns={"author_key": "account"})
    for column in ("org", "department"):
        own[column] = pd.Series(members[column].array.take(member), dtype=members[column].dtype)
    return own


def mentions_of(posts: pd.DataFrame, members: pd.DataFrame) -> pd.Series:
    """The mentions in the texts of ``posts`` (``features.text.mention_rows``, by position), sure to hold every
    mention of a handle of ``members``."""
    text = posts["text"] if "text" in posts.columns else pd.Series("", index=posts.index)
    return textsig.mention_rows(text, set(members["handle_key"]))


def find_inbound(data: pd.DataFrame, own_rows: np.ndarray, own_org: np.ndarray, codes: AccountCodes,
                 author: np.ndarray, target: np.ndarray, handles: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    """The inbound posts of each organization, with the org code of each row; ``author`` and ``target`` are the
    account keys of ``data``'s authors and targets, ``handles`` the mentions of its texts (:func:`mentions_of`);
    ``own_rows`` the rows of the org posts and ``own_org`` their org codes.
    Rows come in the order of the joins they are found by."""
    mention_rows = handles.index.to_numpy(dtype=np.int64)
    mention = codes.coded(handles, codes.post_platform[mention_rows])
    post_key = data["post_key"].to_numpy()
    is_reply, is_repost = ((data["kind"] == kind).to_numpy(dtype=bool) for kind in ("reply", "repost"))

    replies = np.flatnonzero(is_reply)
    reply_rows, reply_members = join_rows(target[replies], codes.member)
    parent_rows, parents = join_rows(data["reply_key"].to_numpy(), post_key[own_rows])
    mention_at, mention_members = join_rows(mention, codes.member)
    mention_posts, mentioned = join_rows(post_key, post_key[mention_rows[mention_at]])
    rows = np.concatenate([replies[reply_rows], parent_rows, mention_posts])
    org = np.concatenate([codes.orgs[reply_members], own_org[parents],
                          codes.orgs[mention_members[mentioned]]]).astype(np.int64)
    # each (org, post) once, its first row kept (a post without an id is one post: its key shifted to 0); then
    # not the org's own posts, and never a repost
    each = first_of_each(pair_keys(org, post_key[rows] + 1))
    rows, org = rows[each], org[each]
    keep = ~codes.is_own(org, author[rows]) & ~is_repost[rows]
    rows, org = rows[keep], org[keep]
    columns = ["platform", "post_id", "post_key", "author_key", "created_at", "text", "kind", "sentiment"]
    inbound = data[columns].iloc[rows].reset_index(drop=True)
    inbound.insert(0, "org", codes.org_names.to_numpy(dtype=object)[org])
    return inbound.assign(is_question=textsig.has_question(inbound["text"])), org


def answer(inbound: pd.DataFrame, inbound_org: np.ndarray, own: pd.DataFrame, own_org: np.ndarray) -> pd.DataFrame:
    """``inbound`` with reply_at (the first answer), answered and response_hours; ``inbound_org`` and
    ``own_org`` the org codes of the rows of ``inbound`` and ``own``."""
    replying = (own["kind"] == "reply").to_numpy(dtype=bool)
    asked_posts, answered_posts = inbound["post_key"].to_numpy(), own["reply_key"].to_numpy()[replying]
    size = int(max(asked_posts.max(initial=0), answered_posts.max(initial=0))) + 1  # more than any post key
    asked = pair_keys(inbound_org, asked_posts, size)  # org and post as one key; a missing one joins nothing
    answering = pair_keys(own_org[replying], answered_posts, size)
    replies = own["created_at"].array[replying]
    unit = replies.unit
    asked_at, reply_at = inbound["created_at"].array.as_unit(unit).asi8, replies.asi8
    rows, by = join_rows(asked, answering)  # ordered by inbound row
    delay = reply_at[by] - asked_at[rows]
    known = (reply_at[by] != NAT) & (asked_at[rows] != NAT)
    within = known & (delay >= 0) & (delay <= ANSWER_WINDOW // pd.Timedelta(1, unit=unit))
    rows, at = rows[within], reply_at[by][within]
    first = np.full(len(inbound), NAT, dtype=np.int64)
    if len(rows):
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
        first[rows[starts]] = np.minimum.reduceat(at, starts)  # the first answer of each inbound post
    inbound = inbound.assign(reply_at=pd.DatetimeIndex(first.view(f"M8[{unit}]")).tz_localize(replies.tz).array)
    inbound["answered"] = inbound["reply_at"].notna()
    inbound["response_hours"] = (inbound["reply_at"] - inbound["created_at"]).dt.total_seconds() / 3600.0
    return inbound
