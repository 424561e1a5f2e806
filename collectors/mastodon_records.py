"""Mastodon entities (``Status``, ``Account``, ``Notification`` JSON, as the API sends it) as socialstage records.

Conventions (the import format's columns, for Mastodon):

* An account is named ``user@instance`` (``acme@mastodon.social``): a local account's ``acct`` (``acme``) gets
  the domain of the instance it was read from; a remote one's ``acct`` (``jo@other.social``) is kept. Domains
  are lowercased.
* ``post_id`` is instance-qualified: ``INSTANCE/ID`` (``mastodon.social/113024...``), the status's id on the
  instance it was read from (every part of one account's collection is read from its home instance, so reply
  links are exact without extra requests); ``author_id`` is ``INSTANCE/ACCOUNT_ID`` likewise.
* ``in_reply_to_id`` is ``INSTANCE/in_reply_to_id``; ``in_reply_to_author`` the account named by
  ``in_reply_to_account_id``: the status's own author (a thread), one of its ``mentions`` (Mastodon mentions
  the account replied to), or an account seen so far; else the store fills it from the stored parent.
* ``conversation_id`` is the thread's root: the status itself when it replies to nothing, else the first
  ancestor of its context (:mod:`collectors.mastodon` fills it in from the context or the stored parent).
* A boost is a status of its own (``reblog`` set): ``repost_of_id`` the boosted status, its time the boost's.
  A quote (Mastodon 4.5: ``quote.quoted_status``, or a shallow ``quote.quoted_status_id``) gives
  ``quote_of_id``.
* A status that mentions one of the organization's accounts without replying to anything is addressed to it:
  ``in_reply_to_author`` is that account (``in_reply_to_id`` empty), as for Bluesky.
* Only public statuses (``public``, ``unlisted``) are kept: a token can read followers-only and direct ones.
* ``text`` is the HTML ``content`` as text (:func:`html_text`); ``urls`` the links that are neither mentions
  nor hashtags, and the preview card's URL; ``is_poll`` a poll; counts: ``favourites_count``,
  ``reblogs_count``, ``replies_count``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from html.parser import HTMLParser
from typing import Any

from collectors.records import Account, Post
from collectors.records import api_time as parse_time

PLATFORM = "mastodon"
PUBLIC = frozenset({"public", "unlisted"})
Entity = dict[str, Any]
_BLOCKS = frozenset({"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})


class _TextParser(HTMLParser):
    """Mastodon's status HTML as text: ``<br>`` a line break, paragraphs apart by a blank line, a mention or
    hashtag as its text (``@user``, ``#tag``), any other link as its URL, everything else as its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._link: str | None = None  # the href of an open plain link: its text is replaced by the URL
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self._block()
        elif tag == "a":
            found = dict(attrs)
            classes = set((found.get("class") or "").split())
            href = found.get("href") or ""
            if self._link is None and href and not classes & {"mention", "hashtag"}:
                self._link, self._depth = href, 0
                self.links.append(href)
                self.parts.append(href)
            elif self._link is not None:
                self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self._block()
        elif tag == "a" and self._link is not None:
            if self._depth:
                self._depth -= 1
            else:
                self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is None:
            self.parts.append(data)

    def _block(self) -> None:
        if self.parts and not "".join(self.parts[-2:]).endswith("\n\n"):
            self.parts.append("\n\n")

    def text(self) -> str:
        lines = "".join(self.parts).replace("\r", "").split("\n")
        return "\n".join(line.rstrip() for line in lines).strip("\n").strip()


def html_text(html: str | None) -> tuple[str, tuple[str, ...]]:
    """A status's HTML ``content`` as (text, the URLs of its plain links)."""
    if not html:
        return "", ()
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return parser.text(), tuple(dict.fromkeys(parser.links))


def id_key(status_id: str) -> tuple[int, str]:
    """Sort key of instance ids: Mastodon's are numbers as strings (longer is newer), others sort as text."""
    return (len(status_id), status_id) if status_id.isdigit() else (0, status_id)


def split_account(handle: str) -> tuple[str, str] | None:
    """``acme@mastodon.social`` (or ``@acme@mastodon.social``) -> (``acme``, ``mastodon.social``), else None; an
    instance may have a port (``acme@localhost:3000``)."""
    user, _, domain = handle.strip().lstrip("@").partition("@")
    host = domain.rsplit(":", 1)[0] if domain.rsplit(":", 1)[-1].isdigit() else domain
    if not user or not host or "@" in domain or ":" in host or ("." not in host and host != "localhost"):
        return None
    return user, domain.lower()


class Authors:
    """The full ``user@instance`` name of every account id seen on one instance, and the organization's (by id on
    this instance, and by name on every instance: ``org_names``)."""

    def __init__(self, instance: str, org: Mapping[str, str] | None = None, org_names: Iterable[str] = ()) -> None:
        self.instance = instance
        self.org: dict[str, str] = dict(org or {})  # account id -> handle
        self.names: MutableMapping[str, str] = dict(self.org)
        self.org_names = {n.lower(): n for n in (*self.org.values(), *org_names)}

    def name(self, acct: str) -> str:
        """``acme`` -> ``acme@INSTANCE``; ``jo@Other.Social`` -> ``jo@other.social``."""
        user, _, domain = str(acct).lstrip("@").partition("@")
        return f"{user}@{(domain or self.instance).lower()}"

    def see(self, account: object) -> str | None:
        """Remember an account entity (or a mention: ``{id, acct}``); returns its name."""
        if not isinstance(account, Mapping) or not account.get("id") or not account.get("acct"):
            return None
        name = self.name(str(account["acct"]))
        self.names[str(account["id"])] = name
        return name

    def qualified(self, local_id: object) -> str | None:
        """``123`` -> ``INSTANCE/123``."""
        return f"{self.instance}/{local_id}" if local_id not in (None, "") else None


def quoted_status(status: Mapping[str, Any]) -> tuple[Entity | None, str | None]:
    """The status a status quotes (its entity when the API embeds it) and that status's local id, or Nones."""
    quote = status.get("quote")
    if not isinstance(quote, Mapping):
        return None, None
    inner = quote.get("quoted_status")
    if isinstance(inner, Mapping) and inner.get("id"):
        return dict(inner), str(inner["id"])
    shallow = quote.get("quoted_status_id")
    return None, (str(shallow) if shallow else None)


def status_record(status: Mapping[str, Any], authors: Authors, *, parent_author: str | None = None,
                  conversation: str | None = None) -> Post | None:
    """A ``Status`` as a Post (a boost as the booster's repost; see the module docstring); None when it lacks
    what a post needs (an id, an account, a time)."""
    author = authors.see(status.get("account"))
    created = parse_time(status.get("created_at"))
    if not status.get("id") or author is None or created is None:
        return None
    for mention in status.get("mentions") or []:
        authors.see(mention)
    post_id = authors.qualified(status["id"])
    reblog = status.get("reblog")
    if isinstance(reblog, Mapping) and reblog.get("id"):
        return Post(platform=PLATFORM, post_id=str(post_id), author=author,
                    author_id=authors.qualified(status["account"]["id"]), created_at=created,
                    repost_of_id=authors.qualified(reblog["id"]), repost_of_author=authors.see(reblog.get("account")))
    text, links = html_text(status.get("content"))
    card = status.get("card") or {}
    if isinstance(card, Mapping) and card.get("url"):
        links = (*links, str(card["url"]))
    parent = status.get("in_reply_to_id")
    parent_account = status.get("in_reply_to_account_id")
    replied = parent_author or (authors.names.get(str(parent_account)) if parent_account else None)
    addressed = None
    if not parent and author.lower() not in authors.org_names:
        mentioned = sorted(authors.org_names[name] for m in status.get("mentions") or [] if m.get("acct")
                           and (name := authors.name(str(m["acct"])).lower()) in authors.org_names)
        addressed = mentioned[0] if mentioned else None
    quoted, quoted_id = quoted_status(status)
    return Post(
        platform=PLATFORM,
        post_id=str(post_id),
        author=author,
        author_id=authors.qualified(status["account"]["id"]),
        created_at=created,
        text=text,
        in_reply_to_id=authors.qualified(parent),
        in_reply_to_author=replied if parent else addressed,
        quote_of_id=authors.qualified(quoted_id),
        quote_of_author=authors.see(quoted.get("account")) if quoted else None,
        conversation_id=conversation or (None if parent else post_id),
        urls=tuple(dict.fromkeys(links)),
        is_poll=bool(status.get("poll")),
        like_count=status.get("favourites_count"),
        repost_count=status.get("reblogs_count"),
        reply_count=status.get("replies_count"),
    )


def is_public(status: Mapping[str, Any]) -> bool:
    """Whether a status is public (``public`` or ``unlisted``; not followers-only or direct): only those are kept."""
    return str(status.get("visibility") or "public") in PUBLIC


def status_records(status: Mapping[str, Any], authors: Authors, **kwargs: Any) -> list[Post]:
    """A status and the statuses it carries (the boosted status, the quoted one), as Posts; nothing for a status
    that is not public (a token can read followers-only and direct ones: they are not the public record)."""
    if not is_public(status):
        return []
    posts: list[Post] = []
    reblog = status.get("reblog")
    inner = reblog if isinstance(reblog, Mapping) and reblog.get("id") else None
    for carried in (inner, quoted_status(inner or status)[0]):
        found = status_record(carried, authors) if carried and is_public(carried) else None
        if found is not None:
            posts.append(found)
    own = status_record(status, authors, **kwargs)
    return [*posts, own] if own is not None else posts


def account_record(account: Mapping[str, Any], authors: Authors) -> Account:
    """An ``Account`` entity as an Account."""
    return Account(
        platform=PLATFORM, handle=authors.see(account) or authors.name(str(account.get("acct"))),
        account_id=authors.qualified(account.get("id")), display_name=account.get("display_name") or None,
        bio=html_text(account.get("note"))[0] or None, created_at=parse_time(account.get("created_at")),
        followers=account.get("followers_count"), following=account.get("following_count"),
        post_count=account.get("statuses_count"),
    )
