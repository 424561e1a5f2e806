"""API credentials from the environment or a ``.env`` file, never shown in full.

Values come from the process environment first; a ``.env`` file in the current directory (or the
file named by ``SOCIALSTAGE_ENV_FILE``) fills in what the environment lacks and never overrides it.
The file is read, not loaded into ``os.environ``.

A credential is held in a :class:`Secret`, whose ``str`` and ``repr`` are masked, and every value
read is registered so that :func:`redact` (and the log filter installed by :func:`install_log_redaction`,
which covers tweepy's debug log of request headers) replaces it wherever it would appear.

=====================  ======================================================================
variable               used for
=====================  ======================================================================
``X_BEARER_TOKEN``     X API v2 app-only bearer token (``TWITTER_BEARER_TOKEN`` is accepted too)
``REDDIT_CLIENT_ID``   Reddit app ("script" or "web app") client id
``REDDIT_CLIENT_SECRET`` its secret
``REDDIT_USER_AGENT``  a descriptive user agent, e.g. ``socialstage/0.1 by u/yourname``
``BLUESKY_HANDLE``     optional: a Bluesky account's handle, to search the posts that mention an account
``BLUESKY_APP_PASSWORD`` its app password (Settings > Privacy and security > App passwords)
``BLUESKY_PDS``        optional: the server that login goes to, when not ``https://bsky.social``
``MASTODON_ACCESS_TOKEN`` optional: a user access token (scope ``read``) of one Mastodon instance, to read the
                       mentions of the token's own account (its notifications)
``MASTODON_INSTANCE``  the instance the token belongs to (``mastodon.social``): the token is sent there only
=====================  ======================================================================
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from collectors.base import CollectorError

ENV_FILE_VAR = "SOCIALSTAGE_ENV_FILE"
X_TOKEN_VARS = ("X_BEARER_TOKEN", "TWITTER_BEARER_TOKEN")
REDDIT_VARS = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USER_AGENT")
BLUESKY_VARS = ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD")
MASTODON_VARS = ("MASTODON_ACCESS_TOKEN", "MASTODON_INSTANCE")
#: Loggers that could see a credential (tweepy logs request headers at DEBUG); a logger's filter covers
#: the records it creates itself, so each is named.
_LOGGERS = (
    "tweepy.client", "praw", "prawcore", "urllib3.connectionpool", "collectors.ratelimit", "collectors.twitter",
    "collectors.reddit", "socialstage.audit.collection", "collectors.bluesky", "atproto_client", "httpx", "httpcore",
    "collectors.mastodon", "collectors.mastodon_client", "mastodon",
)

_SECRETS: set[str] = set()


class CredentialError(CollectorError):
    """Credentials are missing or were rejected; the message names the variable, the value masked."""


def mask(value: str) -> str:
    """A credential shown safely: its last four characters at most (none for short values)."""
    return "****" + value[-4:] if len(value) >= 16 else "****"


def redact(text: str) -> str:
    """``text`` with every registered credential value replaced by its masked form."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, mask(secret))
    return text


def register_secret(value: str) -> None:
    """Treat ``value`` as a credential from now on (masked by :func:`redact` and in logs)."""
    if len(value) >= 4:
        _SECRETS.add(value)


@dataclass(frozen=True)
class Secret:
    """A credential value and the variable it came from; shown masked."""

    name: str
    value: str

    def __post_init__(self) -> None:
        register_secret(self.value)

    def __str__(self) -> str:
        return f"{self.name} ({mask(self.value)})"

    def __repr__(self) -> str:
        return f"Secret({self.name}, {mask(self.value)})"


@dataclass(frozen=True)
class RedditCredentials:
    """Read-only Reddit app credentials."""

    client_id: Secret
    client_secret: Secret
    user_agent: str


def environment(
    environ: Mapping[str, str] | None = None, env_file: str | os.PathLike[str] | None = None
) -> dict[str, str]:
    """The variables to read credentials from: ``environ`` (default ``os.environ``) over the ``.env`` file."""
    environ = os.environ if environ is None else environ
    path = Path(env_file or environ.get(ENV_FILE_VAR) or ".env")
    values: dict[str, str] = {}
    if path.is_file():
        values = {k: v for k, v in dotenv_values(path).items() if v is not None}
    values.update({k: v for k, v in environ.items() if v})
    return values


def x_bearer_token(env: Mapping[str, str]) -> Secret:
    """The X bearer token, or CredentialError saying which variable to set."""
    for name in X_TOKEN_VARS:
        value = env.get(name, "").strip()
        if value:
            return Secret(name, value)
    raise CredentialError(
        f"{X_TOKEN_VARS[0]} is not set: put your X API bearer token in the environment or in a .env file "
        f"({X_TOKEN_VARS[0]}=...; {X_TOKEN_VARS[1]} is accepted too)"
    )


def reddit_credentials(env: Mapping[str, str]) -> RedditCredentials:
    """The Reddit app credentials, or CredentialError naming every missing variable."""
    missing = [name for name in REDDIT_VARS if not env.get(name, "").strip()]
    if missing:
        raise CredentialError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: create a Reddit app at "
            "https://www.reddit.com/prefs/apps and put its id, secret and a user agent in the environment or .env"
        )
    user_agent = env["REDDIT_USER_AGENT"].strip()
    return RedditCredentials(
        Secret("REDDIT_CLIENT_ID", env["REDDIT_CLIENT_ID"].strip()),
        Secret("REDDIT_CLIENT_SECRET", env["REDDIT_CLIENT_SECRET"].strip()),
        user_agent,
    )


def _both_or_neither(env: Mapping[str, str], names: Sequence[str], what: str) -> dict[str, str] | None:
    """The two variables' values when both are set, None when neither is (public endpoints only), else
    CredentialError naming the missing one and what the pair is (``what``)."""
    values = {name: env.get(name, "").strip() for name in names}
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        given = next(n for n in names if n not in missing)
        raise CredentialError(f"{missing[0]} is not set but {given} is: set both ({what}) in the environment or "
                              ".env, or neither to collect without mentions")
    return values


@dataclass(frozen=True)
class BlueskyLogin:
    """A Bluesky account and its app password (to search posts: ``searchPosts`` needs a login)."""

    handle: str
    password: Secret


def bluesky_login(env: Mapping[str, str]) -> BlueskyLogin | None:
    """The Bluesky login when both variables are set, None when neither is (public endpoints only), else
    CredentialError naming the one missing."""
    values = _both_or_neither(env, BLUESKY_VARS, "a Bluesky handle and an app password from Settings > Privacy "
                              "and security > App passwords")
    if values is None:
        return None
    password = Secret("BLUESKY_APP_PASSWORD", values["BLUESKY_APP_PASSWORD"])
    return BlueskyLogin(values["BLUESKY_HANDLE"].lstrip("@"), password)


@dataclass(frozen=True)
class MastodonToken:
    """A user access token and the one instance it is for (it is never sent anywhere else)."""

    instance: str
    token: Secret


def mastodon_token(env: Mapping[str, str]) -> MastodonToken | None:
    """The Mastodon token when both variables are set, None when neither is (public endpoints only), else
    CredentialError naming the one missing."""
    values = _both_or_neither(env, MASTODON_VARS, "a user access token with the read scope, from Preferences > "
                              "Development, and the instance it belongs to, e.g. MASTODON_INSTANCE=mastodon.social")
    if values is None:
        return None
    token = Secret("MASTODON_ACCESS_TOKEN", values["MASTODON_ACCESS_TOKEN"])
    instance = values["MASTODON_INSTANCE"].lower().removeprefix("https://").removeprefix("http://").strip("/")
    return MastodonToken(instance, token)


class RedactingFilter(logging.Filter):
    """Replaces registered credential values in a log record's message (the record is changed in place)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
        return True


_FILTER = RedactingFilter()


def install_log_redaction() -> None:
    """Attach the redacting filter to the loggers of tweepy, praw, prawcore, urllib3 and the collectors."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
