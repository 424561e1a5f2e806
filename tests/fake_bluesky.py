"""An HTTP-level fake of Bluesky's XRPC API, for the ``responses`` library: the atproto SDK's real code talks to it.

It holds a small world (actors, posts, reposts) and answers, in the wire format of the lexicons
(shapes from shared/data/api_recordings/bluesky; bodies from tests/fixtures/api/bluesky), what the
collector asks the public AppView (``getProfile``, ``getAuthorFeed``, ``getPostThread``, ``getQuotes``,
``getRepostedBy``, ``getPosts``) and the PDS (``createSession``, ``searchPosts`` with the session's token).
Feeds page newest first by ``sortAt`` (the earlier of createdAt and indexedAt, a repost's time) with a
time cursor, search and lists with an offset cursor. Every answer carries ``ratelimit-*`` headers;
failures (429 with or without a reset, 502, dropped connections) are scripted per method.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

API = Path(__file__).parent / "fixtures" / "api" / "bluesky"
APPVIEW = "https://public.api.bsky.app/xrpc"
PDS = "https://bsky.social/xrpc"
_B32 = "234567abcdefghijklmnopqrstuvwxyz"


def body(name: str) -> dict[str, Any]:
    """A fixture body from tests/fixtures/api/bluesky."""
    return json.loads((API / name).read_text(encoding="utf-8"))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'typ': 'at+jwt', 'alg': 'ES256K'})}.{part(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


@dataclass
class FakePost:
    uri: str
    did: str
    text: str
    created: datetime
    indexed: datetime
    parent: str | None = None
    root: str | None = None
    quote: str | None = None
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    likes: int = 0

    @property
    def sort_at(self) -> datetime:
        return min(self.created, self.indexed)


@dataclass
class FakeRepost:
    uri: str
    did: str
    of: str
    at: datetime


@dataclass
class FakeBluesky:
    """The fake API; ``install`` registers it on a ``responses.RequestsMock``."""

    clock: Any
    login_handle: str = "auditor.example.net"
    app_password: str = "abcd-efgh-ijkl-mnop"
    actors: dict[str, dict[str, Any]] = field(default_factory=dict)  # by DID
    suspended: set[str] = field(default_factory=set)  # DIDs taken down
    posts: dict[str, FakePost] = field(default_factory=dict)
    reposts: list[FakeRepost] = field(default_factory=list)
    scripted: dict[str, deque[Any]] = field(default_factory=lambda: defaultdict(deque))
    remaining: int = 2999
    interrupt_at: int | None = None  # raise KeyboardInterrupt (a killed run) at this request number
    served: int = 0
    pages: list[tuple[str, str]] = field(default_factory=list)  # (method, params) of every answer
    by_method: Counter[str] = field(default_factory=Counter)
    tokens: list[str] = field(default_factory=list)
    _tid: int = 0

    def install(self, rsps: responses.RequestsMock) -> None:
        for base in (APPVIEW, PDS):
            rsps.add_callback(responses.GET, re.compile(rf"{re.escape(base)}/[\w.]+(\?.*)?$"), callback=self._get)
        rsps.add_callback(responses.POST, f"{PDS}/com.atproto.server.createSession", callback=self._session)

    # -- world building --------------------------------------------------------------------------

    def actor(self, handle: str, **overrides: Any) -> str:
        did = "did:plc:" + "".join(_B32[b % 32] for b in hashlib.sha256(handle.encode()).digest()[:24])
        profile = body("profile.json")
        profile.pop("pinnedPost", None)
        profile.update(did=did, handle=handle, displayName=handle.split(".")[0].title(), postsCount=0)
        profile.update(overrides)
        self.actors[did] = profile
        return did

    def did(self, handle: str) -> str:
        return next(d for d, a in self.actors.items() if a["handle"] == handle)

    def _next_tid(self, moment: datetime) -> str:
        self._tid += 1
        value = (int(moment.timestamp() * 1_000_000) << 10) | (self._tid & 1023)
        return "".join(_B32[(value >> (5 * i)) & 31] for i in reversed(range(13)))

    def post(
        self, handle: str, text: str, created: datetime, *, reply_to: str | None = None, quote: str | None = None,
        links: tuple[str, ...] = (), likes: int = 0, indexed: datetime | None = None,
    ) -> str:
        did = self.did(handle)
        uri = f"at://{did}/app.bsky.feed.post/{self._next_tid(created)}"
        root = None
        if reply_to:
            parent = self.posts[reply_to]
            root = parent.root or parent.uri
        mentioned = tuple(self.did(h) for h in re.findall(r"@([\w.-]+\w)", text)
                          if any(a["handle"] == h for a in self.actors.values()))
        self.posts[uri] = FakePost(uri, did, text, created, indexed or created + timedelta(milliseconds=400),
                                   reply_to, root, quote, mentioned, links, likes)
        return uri

    def repost(self, handle: str, of: str, at: datetime) -> str:
        did = self.did(handle)
        uri = f"at://{did}/app.bsky.feed.repost/{self._next_tid(at)}"
        self.reposts.append(FakeRepost(uri, did, of, at))
        return uri

    def script(self, method: str, *answers: Any) -> None:
        """Queue answers for the next requests of ``method`` (``getAuthorFeed``...): a (status, headers,
        body-dict) tuple, or an exception instance to raise."""
        self.scripted[method].extend(answers)

    # -- views -----------------------------------------------------------------------------------

    def _basic(self, did: str) -> dict[str, Any]:
        actor = self.actors[did]
        return {k: actor[k] for k in ("did", "handle", "displayName", "avatar", "associated", "viewer", "labels",
                                      "createdAt") if k in actor}

    def _record(self, post: FakePost) -> dict[str, Any]:
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": iso(post.created), "langs": ["en"],
                                  "text": post.text}
        facets = []
        raw = post.text.encode()
        for did in post.mentions:
            mention = f"@{self.actors[did]['handle']}".encode()
            start = raw.find(mention)
            facets.append({"$type": "app.bsky.richtext.facet", "index": {"byteStart": start,
                           "byteEnd": start + len(mention)},
                           "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}]})
        for link in post.links:
            facets.append({"index": {"byteStart": 0, "byteEnd": 1},
                           "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}]})
        if facets:
            record["facets"] = facets
        if post.parent:
            root = self.posts[post.root or post.parent]
            record["reply"] = {"root": {"uri": root.uri, "cid": self._cid(root.uri)},
                               "parent": {"uri": post.parent, "cid": self._cid(post.parent)}}
        if post.quote:
            record["embed"] = {"$type": "app.bsky.embed.record",
                               "record": {"uri": post.quote, "cid": self._cid(post.quote)}}
        return record

    @staticmethod
    def _cid(uri: str) -> str:
        return "bafyrei" + "".join(_B32[b % 32] for b in hashlib.sha256(uri.encode()).digest()[:40])

    def _counts(self, uri: str) -> dict[str, int]:
        return {
            "replyCount": sum(p.parent == uri for p in self.posts.values()),
            "repostCount": sum(r.of == uri for r in self.reposts),
            "likeCount": self.posts[uri].likes,
            "quoteCount": sum(p.quote == uri for p in self.posts.values()),
        }

    def view(self, uri: str) -> dict[str, Any]:
        post = self.posts[uri]
        view = copy.deepcopy(body("post_view.json"))
        view.update(uri=uri, cid=self._cid(uri), author=self._basic(post.did), record=self._record(post),
                    indexedAt=iso(post.indexed), **self._counts(uri))
        if post.quote and post.quote in self.posts:
            quoted = self.posts[post.quote]
            view["embed"] = {"$type": "app.bsky.embed.record#view", "record": {
                "$type": "app.bsky.embed.record#viewRecord", "uri": quoted.uri, "cid": self._cid(quoted.uri),
                "author": self._basic(quoted.did), "value": self._record(quoted), "labels": [],
                "indexedAt": iso(quoted.indexed), "embeds": [], **self._counts(quoted.uri)}}
        return view

    # -- answers ---------------------------------------------------------------------------------

    def _headers(self, remaining: int | None = None, reset: float | None = None) -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8", "ratelimit-limit": "3000",
            "ratelimit-remaining": str(self.remaining if remaining is None else remaining),
            "ratelimit-reset": str(int(reset if reset is not None else self.clock.now() + 300)),
            "ratelimit-policy": "3000;w=300",
        }

    def _json(self, status: int, data: dict[str, Any]) -> tuple[int, dict[str, str], str]:
        return status, self._headers(), json.dumps(data)

    def _early(self, method: str) -> Any:
        self.served += 1
        if self.served == self.interrupt_at:
            raise KeyboardInterrupt
        self.by_method[method] += 1
        if self.scripted[method]:
            answer = self.scripted[method].popleft()
            if isinstance(answer, BaseException):
                raise answer
            status, headers, data = answer
            return status, {"content-type": "application/json; charset=utf-8", **headers}, json.dumps(data)
        return None

    def _session(self, request: Any) -> Any:
        early = self._early("createSession")
        if early:
            return early
        sent = json.loads(request.body)
        if sent.get("identifier") != self.login_handle or sent.get("password") != self.app_password:
            return self._json(401, body("auth_required_401.json"))
        session = body("create_session.json")
        exp = int(time.time()) + 7200  # atproto checks the expiry against the real clock
        access = _jwt({"scope": "com.atproto.appPass", "sub": session["did"], "iat": exp - 7200, "exp": exp,
                       "aud": "did:web:bsky.social", "n": len(self.tokens)})
        session.update(accessJwt=access, refreshJwt=_jwt({"scope": "com.atproto.refresh", "sub": session["did"],
                                                          "exp": exp + 86400, "jti": "refresh-token-id"}))
        self.tokens.append(access)
        return self._json(200, session)

    def _get(self, request: Any) -> Any:
        url = urlparse(request.url)
        method = url.path.rsplit(".", 1)[-1]
        params = {k: v if k == "uris" else v[0] for k, v in parse_qs(url.query).items()}
        early = self._early(method)
        if early:
            return early
        self.pages.append((method, json.dumps(params, sort_keys=True)))
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return self._json(501, {"error": "MethodNotImplemented", "message": f"Method Not Implemented: {method}"})
        if method == "searchPosts" and request.headers.get("Authorization") not in {f"Bearer {t}" for t in self.tokens}:
            return self._json(401, body("auth_missing_401.json"))
        return handler(params)

    def _actor_did(self, actor: str) -> str | None:
        if actor in self.actors:
            return actor
        return next((d for d, a in self.actors.items() if a["handle"] == actor), None)

    def _getProfile(self, params: dict[str, Any]) -> Any:
        did = self._actor_did(params["actor"])
        if did is None:
            return self._json(400, body("profile_not_found_400.json"))
        if did in self.suspended:
            return self._json(400, body("account_takedown_400.json"))
        profile = copy.deepcopy(self.actors[did])
        profile["postsCount"] = sum(p.did == did for p in self.posts.values())
        return self._json(200, profile)

    def _getAuthorFeed(self, params: dict[str, Any]) -> Any:
        assert params.get("filter") == "posts_with_replies"
        did = self._actor_did(params["actor"])
        if did is None:
            return self._json(400, body("profile_not_found_400.json"))
        items: list[tuple[datetime, dict[str, Any]]] = []
        for post in self.posts.values():
            if post.did == did:
                item: dict[str, Any] = {"post": self.view(post.uri)}
                if post.parent and post.parent in self.posts:
                    root = post.root or post.parent
                    item["reply"] = {"root": {"$type": "app.bsky.feed.defs#postView", **self.view(root)},
                                     "parent": {"$type": "app.bsky.feed.defs#postView", **self.view(post.parent)}}
                items.append((post.sort_at, item))
        for repost in self.reposts:
            if repost.did == did and repost.of in self.posts:
                items.append((repost.at, {"post": self.view(repost.of), "reason": {
                    "$type": "app.bsky.feed.defs#reasonRepost", "by": self._basic(did), "uri": repost.uri,
                    "cid": self._cid(repost.uri), "indexedAt": iso(repost.at)}}))
        items.sort(key=lambda pair: pair[0], reverse=True)
        if "cursor" in params:
            items = [pair for pair in items if iso(pair[0]) < params["cursor"]]
        page = items[: int(params.get("limit", 50))]
        answer: dict[str, Any] = {"feed": [item for _, item in page]}
        if len(page) < len(items):
            answer["cursor"] = iso(page[-1][0])
        return self._json(200, answer)

    def _offset_page(self, params: dict[str, Any], rows: list[Any], key: str, extra: dict[str, Any]) -> Any:
        offset = int(params.get("cursor", 0))
        size = int(params.get("limit", 25))
        answer = {**extra, key: rows[offset : offset + size]}
        if offset + size < len(rows):
            answer["cursor"] = str(offset + size)
        return self._json(200, answer)

    def _getPostThread(self, params: dict[str, Any]) -> Any:
        if params["uri"] not in self.posts:
            return self._json(400, body("post_not_found_400.json"))
        depth = int(params.get("depth", 6))

        def node(uri: str, level: int) -> dict[str, Any]:
            found: dict[str, Any] = {"$type": "app.bsky.feed.defs#threadViewPost", "post": self.view(uri)}
            if level < depth:
                children = sorted((p for p in self.posts.values() if p.parent == uri), key=lambda p: p.created)
                found["replies"] = [node(child.uri, level + 1) for child in children]
            return found

        return self._json(200, {"thread": node(params["uri"], 0)})

    def _getQuotes(self, params: dict[str, Any]) -> Any:
        quotes = sorted((p for p in self.posts.values() if p.quote == params["uri"]), key=lambda p: p.sort_at,
                        reverse=True)
        return self._offset_page(params, [self.view(p.uri) for p in quotes], "posts",
                                 {"uri": params["uri"], "cid": self._cid(params["uri"])})

    def _getRepostedBy(self, params: dict[str, Any]) -> Any:
        who = [r.did for r in sorted(self.reposts, key=lambda r: r.at, reverse=True) if r.of == params["uri"]]
        profiles = [{k: v for k, v in self.actors[d].items() if k not in ("followersCount", "followsCount",
                                                                          "postsCount")} for d in who]
        return self._offset_page(params, profiles, "repostedBy", {"uri": params["uri"]})

    def _getPosts(self, params: dict[str, Any]) -> Any:
        assert len(params["uris"]) <= 25
        return self._json(200, {"posts": [self.view(u) for u in params["uris"] if u in self.posts]})

    def _searchPosts(self, params: dict[str, Any]) -> Any:
        handle = params.get("mentions") or params["q"].removeprefix("mentions:")
        did = self._actor_did(handle)
        found = sorted((p for p in self.posts.values() if did in p.mentions), key=lambda p: p.sort_at, reverse=True)
        if "since" in params:
            found = [p for p in found if iso(p.sort_at) >= params["since"]]
        return self._offset_page(params, [self.view(p.uri) for p in found], "posts", {"hitsTotal": len(found)})
