"""The atproto SDK's clients wired to the one request policy, and what their failures mean.

atproto's ``Client`` talks HTTP through httpx. :class:`PolicyTransport` is the httpx transport it is given
(atproto's documented ``Request(**httpx_client_kwargs)``): it sends every request through a
:class:`~collectors.ratelimit.PolicySession`, so Bluesky's rate-limit headers, its 429s, server errors and
dropped connections are handled by :mod:`collectors.ratelimit` like every other platform's, before
atproto sees the answer. Everything atproto returns is turned into plain JSON dicts (the wire format) at
:meth:`Xrpc.call`, and every atproto error into :class:`Refusal`: nothing from atproto leaves this module.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
from atproto_client import Client
from atproto_client import exceptions as atproto_errors
from atproto_client.models.utils import get_model_as_dict
from atproto_client.request import Request

from collectors.credentials import BlueskyLogin, CredentialError, register_secret
from collectors.ratelimit import PolicySession, RequestPolicy

logger = logging.getLogger(__name__)
# httpx logs each request at INFO; urllib3 (which sends them, through requests) already does at DEBUG.
logging.getLogger("httpx").setLevel(logging.WARNING)

#: Bluesky's public AppView: every read but search, no login.
PUBLIC_API = "https://public.api.bsky.app/xrpc"
#: Where an app password logs in (the PDS of most accounts); searchPosts goes through it.
DEFAULT_PDS = "https://bsky.social/xrpc"
_DROPPED_HEADERS = frozenset({"host", "content-length", "accept-encoding", "connection", "transfer-encoding"})
_DECODED_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class Refusal(Exception):
    """Bluesky answered a request with an error (its HTTP status and XRPC error name and message)."""

    def __init__(self, status: int | None, error: str, message: str) -> None:
        super().__init__(f"{status or ''} {error}{': ' + message if message else ''}".strip())
        self.status, self.error, self.message = status, error, message

    @property
    def reason(self) -> str:
        """The message, else the error name."""
        return self.message or self.error


class PolicyTransport(httpx.BaseTransport):
    """An httpx transport that sends each request through a :class:`PolicySession` (``requests``)."""

    def __init__(self, session: PolicySession) -> None:
        self._session = session

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` under the policy; the answer's body arrives already decoded."""
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _DROPPED_HEADERS}
        answer = self._session.request(request.method, str(request.url), headers=headers,
                                       data=request.read() or None)
        kept = [(k, v) for k, v in answer.headers.items() if k.lower() not in _DECODED_HEADERS]
        return httpx.Response(answer.status_code, headers=kept, content=answer.content, request=request)


def xrpc_url(base: str) -> str:
    """``https://host`` or ``https://host/xrpc`` -> ``https://host/xrpc``."""
    return base.strip().rstrip("/").removesuffix("/xrpc") + "/xrpc"


def _refusal(exc: atproto_errors.AtProtocolError) -> Refusal:
    response = getattr(exc, "response", None)
    if response is None:
        return Refusal(None, type(exc).__name__, str(exc)[:160])
    content = response.content
    error = getattr(content, "error", None) or ""
    message = getattr(content, "message", None) or ""
    if not error and isinstance(content, dict):
        error, message = str(content.get("error") or ""), str(content.get("message") or "")
    return Refusal(response.status_code, error or f"HTTP {response.status_code}", message[:160])


class Xrpc:
    """The public AppView client, and a logged-in one for search when a login is given."""

    def __init__(self, policy: RequestPolicy, login: BlueskyLogin | None = None, *, pds: str = DEFAULT_PDS,
                 appview: str = PUBLIC_API) -> None:
        self._policy, self.login, self._pds = policy, login, pds
        self._session = PolicySession(policy, labels={"com.atproto.server.createSession": "login",
                                                      "com.atproto.server.refreshSession": "login"})
        self.public = self._client(appview)
        self._authed: Client | None = None

    def _client(self, base_url: str) -> Client:
        return Client(base_url, request=Request(transport=PolicyTransport(self._session)))

    def call(self, endpoint: str, method: Callable[..., Any], params: dict[str, Any]) -> dict[str, Any]:
        """One XRPC query counted under ``endpoint``; its answer as the wire-format dict."""
        try:
            with self._policy.on(endpoint):
                return get_model_as_dict(method(params))
        except atproto_errors.AtProtocolError as exc:
            raise _refusal(exc) from None

    def searcher(self) -> Client:
        """The logged-in client (logging in on first use); CredentialError when the login is rejected."""
        if self._authed is not None:
            return self._authed
        if self.login is None:
            raise CredentialError("no Bluesky login: set BLUESKY_HANDLE and BLUESKY_APP_PASSWORD")
        client = self._client(self._pds)
        client.on_session_change(lambda _event, session: _register_session(session))
        try:
            with self._policy.on("login"):
                client.login(self.login.handle, self.login.password.value, fetch_bsky_profile=False)
        except atproto_errors.AtProtocolError as exc:
            refusal = _refusal(exc)
            raise CredentialError(
                f"Bluesky rejected the login of {self.login.handle} with {self.login.password} "
                f"({refusal}): check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD (an app password from "
                "Settings > Privacy and security > App passwords) in the environment or .env"
            ) from None
        self._authed = client
        return client


def _register_session(session: Any) -> None:
    """The session's tokens are credentials too: masked wherever they could appear."""
    for token in (getattr(session, "access_jwt", None), getattr(session, "refresh_jwt", None)):
        if token:
            register_secret(str(token))
