"""Mastodon.py's client wired to the one request policy, and what its failures mean.

Mastodon.py talks HTTP through a ``requests.Session``: it is given a
:class:`~collectors.ratelimit.PolicySession` (its documented ``session`` argument), so every request goes
through :mod:`collectors.ratelimit`: the instance's ``X-RateLimit-*`` headers (one budget per instance),
429s, server errors and dropped connections are handled there, before Mastodon.py sees the answer. The
session hides the rate-limit headers from Mastodon.py and its ``ratelimit_method`` is ``"throw"``, so it never
sleeps on its own; version checks are off (no extra ``/api/v1/instance`` request). Mastodon.py wraps any
exception of the session in ``MastodonNetworkError``: the policy's own (a stop at ``--max-wait``, a server
that kept failing) are unwrapped here. Everything it returns is turned into plain JSON values (the wire
format: ids as strings, times as ISO text) and every API error into :class:`Refusal`: nothing from
Mastodon.py leaves this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import requests
from mastodon import Mastodon
from mastodon import errors as mastodon_errors

from collectors.base import CollectorError
from collectors.credentials import CredentialError, MastodonToken
from collectors.ratelimit import NetworkFailure, PolicySession, RequestPolicy

logger = logging.getLogger(__name__)

#: Hosts reached over plain HTTP (a local instance); every other instance is reached over HTTPS only.
LOOPBACK = frozenset({"localhost", "127.0.0.1"})
USER_AGENT = "socialstage (social-media maturity audits; +https://pypi.org/project/socialstage/)"


class Refusal(Exception):
    """The instance answered with an error (its HTTP status and the ``error`` it gave)."""

    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(f"{status or ''} {reason}".strip())
        self.status, self.reason = status, reason


def plain(value: Any) -> Any:
    """Mastodon.py's entities as JSON values: dicts, lists, strings (ids), ISO times."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if value is None or isinstance(value, bool | int | float | str):
        return value if not isinstance(value, str) else str(value)
    return str(value)


class _Session(PolicySession):
    """The policy's session, keeping the last answer: Mastodon.py's errors do not always carry its ``error``."""

    last: requests.Response | None = None

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        """``PolicySession.request``, remembering the answer."""
        self.last = super().request(method, url, *args, **kwargs)
        return self.last


def _refusal(exc: mastodon_errors.MastodonAPIError, last: requests.Response | None) -> Refusal:
    args = list(exc.args)
    status = args[1] if len(args) > 1 and isinstance(args[1], int) else None
    reason = next((str(a) for a in reversed(args[2:]) if a), "") or (str(args[0]) if args else type(exc).__name__)
    if last is not None and last.status_code == status:
        try:
            sent = last.json()
        except ValueError:
            sent = None
        if isinstance(sent, dict) and sent.get("error"):
            reason = str(sent["error"])
    return Refusal(status, reason[:160])


class Instances:
    """One Mastodon.py client per instance (the token's instance gets the token), all under one policy."""

    def __init__(self, policy: RequestPolicy, token: MastodonToken | None = None, *, scheme: str = "https") -> None:
        self._policy, self.token, self._scheme = policy, token, scheme
        self._session = _Session(policy)
        self._clients: dict[str, Mastodon] = {}
        self._owners: dict[str, dict[str, Any]] = {}

    def authorized(self, instance: str) -> bool:
        """Whether the token belongs to ``instance``."""
        return self.token is not None and self.token.instance == instance

    def client(self, instance: str) -> Mastodon:
        """The client of ``instance`` (with the token only when it is the token's instance)."""
        if instance not in self._clients:
            token = self.token.token.value if self.token is not None and self.authorized(instance) else None
            host = instance.rsplit(":", 1)[0] if instance.rsplit(":", 1)[-1].isdigit() else instance
            scheme = "http" if host in LOOPBACK else self._scheme  # a local instance (development, a test fake)
            self._clients[instance] = Mastodon(
                api_base_url=f"{scheme}://{instance}", access_token=token, session=self._session,
                ratelimit_method="throw", version_check_mode="none", request_timeout=self._session.timeout,
                user_agent=USER_AGENT,
            )
        return self._clients[instance]

    def call(self, instance: str, endpoint: str, method: Callable[[Mastodon], Any]) -> tuple[Any, str | None]:
        """One API call counted under ``endpoint``: its answer as JSON values and the next page's ``max_id``."""
        client = self.client(instance)
        try:
            with self._policy.on(endpoint, bucket=instance):
                answer = method(client)
        except mastodon_errors.MastodonNetworkError as exc:
            inner = exc.__context__
            if isinstance(inner, CollectorError):
                raise inner from None
            raise NetworkFailure(f"Mastodon {instance} {endpoint}: the request failed ({type(inner).__name__}); "
                                 "everything fetched so far is saved, run the same command again to resume") from None
        except mastodon_errors.MastodonAPIError as exc:
            raise _refusal(exc, self._session.last) from None
        following = client.get_pagination_info(answer, "next") if isinstance(answer, list) else None
        next_id = following.get("max_id") if following else None
        return plain(answer), (str(next_id) if next_id not in (None, "") else None)

    def owner(self, instance: str) -> dict[str, Any]:
        """The account the token belongs to (``verify_credentials``, once); CredentialError when rejected."""
        if instance not in self._owners:
            try:
                self._owners[instance], _ = self.call(instance, "login",
                                                      lambda c: c.account_verify_credentials())
            except Refusal as refusal:
                raise CredentialError(
                    f"{instance} rejected {self.token.token if self.token else 'the token'} ({refusal}): check "
                    "MASTODON_ACCESS_TOKEN (a token of an application with the read scope, from Preferences > "
                    "Development on that instance) and MASTODON_INSTANCE in the environment or .env"
                ) from None
        return self._owners[instance]
