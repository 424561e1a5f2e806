"""Bluesky views (``app.bsky`` JSON, as the API sends it) as socialstage records.

Conventions (the import format's columns, for Bluesky):

* ``post_id`` is the post's AT URI (``at://did:plc:.../app.bsky.feed.post/3k...``); ``author`` its author's
  handle and ``author_id`` the author's DID. ``created_at`` is the record's ``createdAt`` (the
  ``indexedAt`` when that is missing or unreadable; a time without an offset is UTC).
* A reply's ``in_reply_to_id`` is its record's ``reply.parent`` URI and its ``conversation_id`` the
  ``reply.root`` URI; a post that replies to nothing is the root of its own conversation. The parent's
  author comes from the view the post arrived in (the feed's ``reply.parent``, the thread node above it),
  else from the handles of the DIDs seen so far. An author whose handle no longer resolves
  (``handle.invalid``) is named by its DID.
* A quote (an ``app.bsky.embed.record`` or ``recordWithMedia`` embed of a post) has ``quote_of_id`` = the
  quoted post's URI and ``quote_of_author`` its author's handle.
* A repost is a post of its own: ``post_id`` the repost record's URI (the feed's ``reason.uri``; older
  answers without it get ``REPOSTED_URI/reposted-by/DID``), ``repost_of_id`` the reposted post, its time
  the ``reason.indexedAt``. ``getRepostedBy`` says who reposted a post but not when: such reposts are
  stored with the reposted post's time (the earliest they can be).
* A post that mentions one of the organization's accounts (a rich-text mention facet of its DID) without
  replying to anything is addressed to it: ``in_reply_to_author`` is that account's handle (and
  ``in_reply_to_id`` empty), as for a post in an organization's subreddit.
* ``urls``: the link facets and an external embed's link. ``like_count``, ``repost_count`` and
  ``reply_count`` are the view's counts. Bluesky has no polls.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from datetime import datetime
from typing import Any

from collectors.records import Account, Post
from collectors.records import api_time as parse_time

PLATFORM = "bluesky"
Item = dict[str, Any]  # a feed item (post, reason, reply) or, for search, {"post": postView}
POST_COLLECTION = "app.bsky.feed.post"
INVALID_HANDLE = "handle.invalid"
_QUOTE_EMBEDS = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")


def sort_time(item: Item) -> datetime | None:
    """Where an item sits in a feed or search: a repost's time, else the earlier of createdAt and indexedAt."""
    reason, post = item.get("reason") or {}, item.get("post") or {}
    if str(reason.get("$type", "")).endswith("reasonRepost"):
        return parse_time(reason.get("indexedAt"))
    times = [t for t in (parse_time((post.get("record") or {}).get("createdAt")), parse_time(post.get("indexedAt")))
             if t is not None]
    return min(times) if times else None


def uri_did(uri: str | None) -> str | None:
    """``at://did:plc:abc/app.bsky.feed.post/3k`` -> ``did:plc:abc``."""
    if not uri or not uri.startswith("at://"):
        return None
    return uri[5:].split("/", 1)[0] or None


def is_post_uri(uri: str | None) -> bool:
    """Whether an AT URI names a post (not a feed generator, list or other record)."""
    return bool(uri) and f"/{POST_COLLECTION}/" in str(uri)


def _ref_uri(ref: object) -> str | None:
    return ref.get("uri") if isinstance(ref, Mapping) else None


def quoted_uri(record_embed: object) -> str | None:
    """The post a record's embed quotes (``app.bsky.embed.record`` or ``recordWithMedia``), or None."""
    if not isinstance(record_embed, Mapping) or record_embed.get("$type") not in _QUOTE_EMBEDS:
        return None
    inner = record_embed.get("record") or {}
    if record_embed.get("$type") == "app.bsky.embed.recordWithMedia":
        inner = inner.get("record") if isinstance(inner, Mapping) else None
    uri = _ref_uri(inner)
    return uri if is_post_uri(uri) else None


def quoted_view(view_embed: object) -> dict[str, Any] | None:
    """The ``viewRecord`` of the quoted post in a post view's embed (``...embed.record#view``), or None."""
    if not isinstance(view_embed, Mapping):
        return None
    kind = str(view_embed.get("$type") or "")
    inner = view_embed.get("record")
    if kind.startswith("app.bsky.embed.recordWithMedia") and isinstance(inner, Mapping):
        inner = inner.get("record")
    if not isinstance(inner, Mapping) or not is_post_uri(inner.get("uri")) or "value" not in inner:
        return None
    return dict(inner)


def mentioned_dids(record: Mapping[str, Any]) -> set[str]:
    """The DIDs a post's rich-text mention facets point at."""
    found = set()
    for facet in record.get("facets") or []:
        for feature in (facet or {}).get("features") or []:
            if str(feature.get("$type", "")).endswith("#mention") and feature.get("did"):
                found.add(str(feature["did"]))
    return found


def _urls(record: Mapping[str, Any]) -> tuple[str, ...]:
    links = [
        str(feature["uri"])
        for facet in record.get("facets") or []
        for feature in (facet or {}).get("features") or []
        if str(feature.get("$type", "")).endswith("#link") and feature.get("uri")
    ]
    embed = record.get("embed") or {}
    if embed.get("$type") == "app.bsky.embed.recordWithMedia":
        embed = embed.get("media") or {}
    if embed.get("$type") == "app.bsky.embed.external" and (embed.get("external") or {}).get("uri"):
        links.append(str(embed["external"]["uri"]))
    return tuple(dict.fromkeys(links))


class Authors:
    """The handle of every DID seen so far (authors of views), and the organization's accounts by DID."""

    def __init__(self, org: Mapping[str, str] | None = None) -> None:
        self.org: dict[str, str] = dict(org or {})
        self.handles: MutableMapping[str, str] = dict(self.org)

    def see(self, author: object) -> str | None:
        """Remember a view's author (``{did, handle}``); returns its handle."""
        if not isinstance(author, Mapping) or not author.get("did"):
            return None
        handle = str(author.get("handle") or "")
        if not handle or handle == INVALID_HANDLE:  # a handle that no longer resolves: the DID keeps accounts apart
            handle = str(author["did"])
        self.handles[str(author["did"])] = handle
        return handle

    def of(self, uri: str | None) -> str | None:
        """The handle of the author of the record at ``uri``, if known."""
        did = uri_did(uri)
        return self.handles.get(did) if did else None


def post_record(
    view: Mapping[str, Any], authors: Authors, *, record_key: str = "record", parent_author: str | None = None,
) -> Post | None:
    """A ``postView`` (or, with ``record_key="value"``, an embed's ``viewRecord``) as a Post.

    None when the view lacks what a post needs (a URI and an author). ``parent_author``: the parent's
    author when the caller knows it (the view above it in a thread, the feed's ``reply.parent``).
    """
    uri, author = view.get("uri"), view.get("author")
    handle = authors.see(author)
    if not is_post_uri(uri) or handle is None:
        return None
    record = view.get(record_key) or {}
    record = record if isinstance(record, Mapping) else {}
    created = parse_time(record.get("createdAt")) or parse_time(view.get("indexedAt"))
    if created is None:
        return None
    reply = record.get("reply") or {}
    parent, root = _ref_uri(reply.get("parent")), _ref_uri(reply.get("root"))
    quote = quoted_uri(record.get("embed"))
    quote_view = quoted_view(view.get("embed") or (view.get("embeds") or [None])[0])
    quote_author = authors.see(quote_view.get("author")) if quote_view else None
    addressed = None
    if parent is None:  # a post that replies to nothing but mentions an org account is addressed to it
        org_mentioned = sorted(authors.org[d] for d in mentioned_dids(record) if d in authors.org)
        addressed = org_mentioned[0] if org_mentioned and author.get("did") not in authors.org else None
    return Post(
        platform=PLATFORM,
        post_id=str(uri),
        author=handle,
        author_id=str(author["did"]),
        created_at=created,
        text=str(record.get("text") or ""),
        in_reply_to_id=parent,
        in_reply_to_author=(parent_author or authors.of(parent)) if parent else addressed,
        quote_of_id=quote,
        quote_of_author=(quote_author or authors.of(quote)) if quote else None,
        conversation_id=root or (str(uri) if parent is None else None),
        urls=_urls(record),
        like_count=view.get("likeCount"),
        repost_count=view.get("repostCount"),
        reply_count=view.get("replyCount"),
    )


def repost_record(reposted: Post, by: Mapping[str, Any], authors: Authors, *, uri: str | None = None,
                  at: datetime | None = None) -> Post | None:
    """``by``'s repost of ``reposted`` (see the module docstring for its id and time)."""
    handle = authors.see(by)
    if handle is None:
        return None
    return Post(
        platform=PLATFORM,
        post_id=uri or f"{reposted.post_id}/reposted-by/{by['did']}",
        author=handle,
        author_id=str(by["did"]),
        created_at=at or reposted.created_at,
        repost_of_id=reposted.post_id,
        repost_of_author=reposted.author,
    )


def profile_account(profile: Mapping[str, Any]) -> Account:
    """A ``profileViewDetailed`` as an Account."""
    return Account(
        platform=PLATFORM, handle=str(profile["handle"]), account_id=str(profile["did"]),
        display_name=profile.get("displayName") or None, bio=profile.get("description") or None,
        created_at=parse_time(profile.get("createdAt")), followers=profile.get("followersCount"),
        following=profile.get("followsCount"), post_count=profile.get("postsCount"),
    )
