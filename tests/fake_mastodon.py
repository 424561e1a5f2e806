"""An HTTP-level fake of Mastodon's REST API, for the ``responses`` library: Mastodon.py's real code talks to it.

It holds a small world (accounts on instances, statuses, boosts) and answers, in the wire format (shapes from
shared/data/api_recordings/mastodon; bodies from tests/fixtures/api/mastodon), what the collector asks an
instance: ``accounts/lookup``, ``accounts/verify_credentials`` (with the token), ``accounts/:id/statuses``
(newest first, ``max_id``/``since_id``, a ``Link`` header with the next page when a page is full, as Mastodon
does), ``statuses/:id/context``, ``statuses?id[]=`` and ``notifications?types[]=mention`` (the token owner's). Ids are
snowflake-like numbers; a status has the same id on every instance of the world. Every answer carries
``X-RateLimit-*`` headers (the reset an ISO time) and a ``Date``; failures (429 with or without a reset, 503,
dropped connections) are scripted per endpoint.
"""

from __future__ import annotations

import copy
import html
import json
import re
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import responses

API = Path(__file__).parent / "fixtures" / "api" / "mastodon"
HOST = "social.example"


def body(name: str) -> Any:
    """A fixture body from tests/fixtures/api/mastodon."""
    return json.loads((API / name).read_text(encoding="utf-8"))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class FakeStatus:
    id: str
    handle: str  # user@instance
    text: str
    created: datetime
    parent: str | None = None
    reblog: str | None = None
    quote: str | None = None
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    poll: bool = False
    likes: int = 0
    visibility: str = "public"


@dataclass
class FakeMastodon:
    """The fake API; ``install`` registers it on a ``responses.RequestsMock`` for each instance host."""

    clock: Any
    hosts: tuple[str, ...] = (HOST,)
    token: str = "ZmFrZS10b2tlbi1mb3ItdGhlLXRlc3RzLTAwNDI"
    token_owner: str = "acme@social.example"
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by handle
    suspended: set[str] = field(default_factory=set)
    statuses: dict[str, FakeStatus] = field(default_factory=dict)
    scripted: dict[str, deque[Any]] = field(default_factory=lambda: defaultdict(deque))
    remaining: int = 299
    exhausted: set[str] = field(default_factory=set)  # hosts whose every answer says the budget is spent
    interrupt_at: int | None = None
    served: int = 0
    pages: list[tuple[str, str]] = field(default_factory=list)
    by_method: Counter[str] = field(default_factory=Counter)
    authorizations: list[str | None] = field(default_factory=list)
    _seq: int = 0
    _host: str = HOST

    def install(self, rsps: responses.RequestsMock) -> None:
        for host in self.hosts:
            rsps.add_callback(responses.GET, re.compile(rf"https://{re.escape(host)}/api/v1/.*"),
                              callback=lambda request, h=host: self._get(h, request))

    # -- world building --------------------------------------------------------------------------

    def account(self, handle: str, **overrides: Any) -> str:
        self._seq += 1
        entity = body("account.json")
        user = handle.split("@")[0]
        entity.update(id=str(110000000000000000 + self._seq), username=user, display_name=user.title(), **overrides)
        self.accounts[handle] = entity
        return entity["id"]

    def status(self, handle: str, text: str, created: datetime, *, reply_to: str | None = None,
               quote: str | None = None, links: tuple[str, ...] = (), poll: bool = False, likes: int = 0,
               visibility: str = "public") -> str:
        self._seq += 1
        sid = str((int(created.timestamp() * 1000) << 16) | (self._seq & 0xFFFF))
        mentioned = [h for h in re.findall(r"@([\w.]+@[\w.:-]+\w)", text) if h in self.accounts]
        if reply_to and self.statuses[reply_to].handle != handle and self.statuses[reply_to].handle not in mentioned:
            mentioned.insert(0, self.statuses[reply_to].handle)
        self.statuses[sid] = FakeStatus(sid, handle, text, created, reply_to, None, quote, tuple(mentioned), links,
                                        poll, likes, visibility)
        return sid

    def boost(self, handle: str, of: str, at: datetime) -> str:
        self._seq += 1
        sid = str((int(at.timestamp() * 1000) << 16) | (self._seq & 0xFFFF))
        self.statuses[sid] = FakeStatus(sid, handle, "", at, reblog=of)
        return sid

    def script(self, endpoint: str, *answers: Any) -> None:
        """Queue answers for the next requests of ``endpoint`` (``statuses``, ``context``, ``lookup``,
        ``mentions``, ``login``): a (status, headers, body) tuple or an exception instance to raise."""
        self.scripted[endpoint].extend(answers)

    # -- entities ----------------------------------------------------------------------------------

    @staticmethod
    def acct(handle: str, host: str) -> str:
        user, domain = handle.split("@")
        return user if domain == host else handle

    def account_entity(self, handle: str, host: str) -> dict[str, Any]:
        entity = copy.deepcopy(self.accounts[handle])
        user, domain = handle.split("@")
        entity.update(acct=self.acct(handle, host), url=f"https://{domain}/@{user}", uri=f"https://{domain}/users/{user}",
                      statuses_count=sum(s.handle == handle for s in self.statuses.values()))
        return entity

    def _content(self, status: FakeStatus, host: str) -> str:
        paragraphs = []
        for paragraph in status.text.split("\n\n"):
            escaped = html.escape(paragraph, quote=False)
            for handle in status.mentions:
                user, domain = handle.split("@")
                shown = self.acct(handle, host).split("@")[0]
                card = (f'<span class="h-card" translate="no"><a href="https://{domain}/@{user}" '
                        f'class="u-url mention">@<span>{shown}</span></a></span>')
                escaped = escaped.replace(f"@{handle}", card)
            for link in status.links:
                scheme, rest = link.split("://", 1)
                anchor = (f'<a href="{html.escape(link)}" target="_blank" rel="nofollow noopener">'
                          f'<span class="invisible">{scheme}://</span><span class="ellipsis">'
                          f'{html.escape(rest[:20])}</span><span class="invisible">{html.escape(rest[20:])}</span></a>')
                escaped = escaped.replace(link, anchor)
            escaped = re.sub(r"#(\w+)", lambda m: f'<a href="https://{host}/tags/{m.group(1).lower()}" class='
                             f'"mention hashtag" rel="tag">#<span>{m.group(1)}</span></a>', escaped)
            paragraphs.append("<p>" + escaped.replace("\n", "<br />") + "</p>")
        return "".join(paragraphs)

    def entity(self, sid: str, host: str) -> dict[str, Any]:
        status = self.statuses[sid]
        data = body("status.json")
        user, domain = status.handle.split("@")
        data.update(
            id=sid, created_at=iso(status.created), uri=f"https://{domain}/users/{user}/statuses/{sid}",
            url=f"https://{domain}/@{user}/{sid}", account=self.account_entity(status.handle, host),
            in_reply_to_id=status.parent,
            in_reply_to_account_id=self.accounts[self.statuses[status.parent].handle]["id"] if status.parent else None,
            replies_count=sum(s.parent == sid for s in self.statuses.values()),
            reblogs_count=sum(s.reblog == sid for s in self.statuses.values()),
            quotes_count=sum(s.quote == sid for s in self.statuses.values()),
            favourites_count=status.likes, content=self._content(status, host), visibility=status.visibility,
            mentions=[{"id": self.accounts[h]["id"], "username": h.split("@")[0], "url": f"https://{h.split('@')[1]}/@"
                       f"{h.split('@')[0]}", "acct": self.acct(h, host)} for h in status.mentions],
        )
        if status.reblog:
            data.update(content="", uri=data["uri"] + "/activity", reblog=self.entity(status.reblog, host),
                        replies_count=0, reblogs_count=0)
        if status.quote:
            data["quote"] = {"state": "accepted", "quoted_status": self.entity(status.quote, host)}
        if status.poll:
            data["poll"] = {"id": "7", "expires_at": None, "expired": False, "multiple": False, "votes_count": 0,
                            "voters_count": 0, "options": [{"title": "yes", "votes_count": 0},
                                                           {"title": "no", "votes_count": 0}], "emojis": []}
        return data

    # -- answers ---------------------------------------------------------------------------------

    def headers(self, remaining: int | None = None, reset: float | None = None) -> dict[str, str]:
        now = self.clock.now()
        window = reset if reset is not None else (now // 300 + 1) * 300
        return {
            "content-type": "application/json; charset=utf-8", "x-ratelimit-limit": "300",
            "x-ratelimit-remaining": str((0 if self._host in self.exhausted else self.remaining) if remaining is None
                                         else remaining),
            "x-ratelimit-reset": datetime.fromtimestamp(window, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "date": formatdate(now, usegmt=True),
        }

    def _json(self, status: int, data: Any, extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        return status, {**self.headers(), **(extra or {})}, json.dumps(data)

    def _endpoint(self, path: str) -> str:
        if path.endswith("/lookup"):
            return "lookup"
        if path.endswith("/verify_credentials"):
            return "login"
        if path == "/api/v1/statuses":
            return "refresh"
        if path.endswith("/statuses"):
            return "statuses"
        if path.endswith("/context"):
            return "context"
        return "mentions" if path.endswith("/notifications") else path

    def _get(self, host: str, request: Any) -> Any:
        url = urlparse(request.url)
        params = {k: v if k.endswith("[]") else v[0] for k, v in parse_qs(url.query).items()}
        endpoint = self._endpoint(url.path)
        self._host = host
        self.served += 1
        if self.served == self.interrupt_at:
            raise KeyboardInterrupt
        self.by_method[endpoint] += 1
        self.authorizations.append(request.headers.get("Authorization"))
        if self.scripted[endpoint]:
            answer = self.scripted[endpoint].popleft()
            if isinstance(answer, BaseException):
                raise answer
            status, headers, data = answer
            return status, {"content-type": "application/json; charset=utf-8", **headers}, json.dumps(data)
        self.pages.append((endpoint, json.dumps({"host": host, "path": url.path, **params}, sort_keys=True)))
        authorized = request.headers.get("Authorization") == f"Bearer {self.token}"
        if endpoint == "lookup":
            handle = f"{params['acct'].split('@')[0]}@{host}"
            if handle not in self.accounts:
                return self._json(404, body("record_not_found_404.json"))
            if handle in self.suspended:
                entity = body("suspended_account.json")
                entity.update(id=self.accounts[handle]["id"], username=handle.split("@")[0],
                              acct=handle.split("@")[0])
                return self._json(200, entity)
            return self._json(200, self.account_entity(handle, host))
        if endpoint in ("login", "mentions") and not authorized:
            return self._json(401, body("token_invalid_401.json"))
        if endpoint == "login":
            return self._json(200, self.account_entity(self.token_owner, host))
        if endpoint == "statuses":
            account_id = url.path.split("/")[-2]
            handle = next(h for h, a in self.accounts.items() if a["id"] == account_id)
            found = [s for s in self.statuses.values() if s.handle == handle]
            return self._page(host, url.path, params, found, lambda s: self.entity(s.id, host), 40)
        if endpoint == "context":
            return self._context(host, url.path.split("/")[-2])
        if endpoint == "refresh":
            assert len(params["id[]"]) <= 20
            return self._json(200, [self.entity(i, host) for i in params["id[]"] if i in self.statuses])
        if endpoint == "mentions":
            assert params.get("types[]") == ["mention"]
            owner = self.token_owner
            found = [s for s in self.statuses.values() if owner in s.mentions]
            return self._page(host, url.path, params, found, lambda s: self._notification(s, host), 80,
                              ident=self._notification_id)
        return self._json(404, body("record_not_found_404.json"))

    def _notification_id(self, status: FakeStatus) -> str:
        return str(int(status.id) >> 8)

    def _notification(self, status: FakeStatus, host: str) -> dict[str, Any]:
        data = body("notification.json")
        data.update(id=self._notification_id(status), created_at=iso(status.created),
                    group_key=f"ungrouped-{self._notification_id(status)}",
                    account=self.account_entity(status.handle, host), status=self.entity(status.id, host))
        return data

    def _page(self, host: str, path: str, params: dict[str, Any], found: list[FakeStatus], render: Any, most: int,
              ident: Any = None) -> Any:
        ident = ident or (lambda s: s.id)
        rows = sorted(found, key=lambda s: int(ident(s)), reverse=True)
        if "max_id" in params:
            rows = [s for s in rows if int(ident(s)) < int(params["max_id"])]
        if "since_id" in params:
            rows = [s for s in rows if int(ident(s)) > int(params["since_id"])]
        limit = min(int(params.get("limit", 20)), most)
        page = rows[:limit]
        extra = {}
        if page:
            keep = {k: v for k, v in params.items() if k in ("limit", "types[]")}
            links = []
            if len(page) == limit:
                links.append(f'<https://{host}{path}?{urlencode({**keep, "max_id": ident(page[-1])}, doseq=True)}>; '
                             'rel="next"')
            links.append(f'<https://{host}{path}?{urlencode({**keep, "min_id": ident(page[0])}, doseq=True)}>; '
                         'rel="prev"')
            extra["link"] = ", ".join(links)
        return self._json(200, [render(s) for s in page], extra)

    def _context(self, host: str, sid: str) -> Any:
        if sid not in self.statuses:
            return self._json(404, body("record_not_found_404.json"))
        ancestors, cursor = [], self.statuses[sid].parent
        while cursor:
            ancestors.insert(0, self.entity(cursor, host))
            cursor = self.statuses[cursor].parent
        descendants: list[dict[str, Any]] = []

        def walk(parent: str) -> None:
            for child in sorted((s for s in self.statuses.values() if s.parent == parent), key=lambda s: int(s.id)):
                descendants.append(self.entity(child.id, host))
                walk(child.id)

        walk(sid)
        return self._json(200, {"ancestors": ancestors, "descendants": descendants})
