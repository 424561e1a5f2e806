"""Plain typed records that every collector yields and the store keeps.

Nothing from tweepy or praw appears here: a collector turns platform objects into these
frozen dataclasses, and everything downstream works with them (or with DataFrames whose
columns are exactly ``POST_COLUMNS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

PLATFORM_ALIASES: dict[str, str] = {"x": "twitter", "twitter": "twitter", "reddit": "reddit"}

#: Column order of a posts DataFrame and of the store's ``posts`` table.
POST_COLUMNS: tuple[str, ...] = (
    "platform",
    "post_id",
    "author",
    "author_id",
    "created_at",
    "text",
    "in_reply_to_id",
    "in_reply_to_author",
    "repost_of_id",
    "repost_of_author",
    "quote_of_id",
    "quote_of_author",
    "conversation_id",
    "urls",
    "is_poll",
    "like_count",
    "repost_count",
    "reply_count",
)


def normalize_platform(name: str) -> str:
    """Return the canonical lowercase platform name (``x`` is an alias of ``twitter``)."""
    key = name.strip().lower()
    return PLATFORM_ALIASES.get(key, key)


def normalize_handle(handle: str) -> str:
    """Return a handle in the form used for matching: no ``@`` or ``u/`` prefix, lowercase."""
    value = handle.strip()
    for prefix in ("@", "u/", "/u/"):
        if value.lower().startswith(prefix):
            value = value[len(prefix) :]
    return value.lower()


@dataclass(frozen=True, slots=True)
class Post:
    """One public post on any platform; ``created_at`` is timezone-aware UTC."""

    platform: str
    post_id: str
    author: str
    created_at: datetime
    text: str = ""
    author_id: str | None = None
    in_reply_to_id: str | None = None
    in_reply_to_author: str | None = None
    repost_of_id: str | None = None
    repost_of_author: str | None = None
    quote_of_id: str | None = None
    quote_of_author: str | None = None
    conversation_id: str | None = None
    urls: tuple[str, ...] = ()
    is_poll: bool = False
    like_count: int | None = None
    repost_count: int | None = None
    reply_count: int | None = None

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None:
            object.__setattr__(self, "created_at", self.created_at.replace(tzinfo=UTC))
        else:
            object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))

    def as_row(self) -> dict[str, object]:
        """The post as a flat dict with ``POST_COLUMNS`` keys (urls space-separated)."""
        row = {name: getattr(self, name) for name in POST_COLUMNS}
        row["urls"] = " ".join(self.urls) if self.urls else None
        return row


@dataclass(frozen=True, slots=True)
class Account:
    """A public account's profile as last seen."""

    platform: str
    handle: str
    account_id: str | None = None
    display_name: str | None = None
    bio: str | None = None
    created_at: datetime | None = None
    followers: int | None = None
    following: int | None = None
    post_count: int | None = None


@dataclass(frozen=True, slots=True)
class OrgAccount:
    """One account of an organization, optionally tagged with a department."""

    platform: str
    handle: str
    department: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(platform, normalized handle): how posts are matched to this account."""
        return (normalize_platform(self.platform), normalize_handle(self.handle))

    def __str__(self) -> str:
        suffix = f" ({self.department})" if self.department else ""
        return f"{self.platform}:{self.handle}{suffix}"


@dataclass(frozen=True, slots=True)
class Organization:
    """An organization: a name and its accounts."""

    name: str
    accounts: tuple[OrgAccount, ...] = field(default_factory=tuple)

    @property
    def keys(self) -> frozenset[tuple[str, str]]:
        """The (platform, handle) keys of all its accounts."""
        return frozenset(account.key for account in self.accounts)


@dataclass(frozen=True, slots=True)
class PostMeta:
    """Platform details of a post kept beside it: Reddit's ``distinguished`` mark, the author's flair and
    the community (subreddit) it was posted in. Not part of ``POST_COLUMNS``."""

    platform: str
    post_id: str
    distinguished: str | None = None
    flair: str | None = None
    community: str | None = None


def format_time(value: datetime) -> str:
    """A UTC time (a datetime or a pandas Timestamp) as fixed-width ISO 8601 text, so that text order is time
    order; a naive time is taken as UTC."""
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def api_time(value: object) -> datetime | None:
    """An API time (``2024-05-01T12:00:00.000Z``, with an offset, a datetime; no offset: UTC) in UTC, or None
    when it is missing or not a time."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
