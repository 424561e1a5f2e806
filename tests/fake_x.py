"""An HTTP-level fake of the X API v2, for the ``responses`` library: tweepy's real code talks to it.

It holds a small world (users and their tweets) and answers the four endpoints the collector uses
in the real wire format (shapes from shared/data/api_recordings/tweepy and the API reference):
``/2/users/by``, ``/2/users/:id/tweets``, ``/2/users/:id/mentions`` and ``/2/tweets/search/recent``,
with ``since_id``/``until_id``/``start_time``/``max_results``/pagination tokens, ``includes`` (users,
referenced tweets), ``meta``, rate-limit headers, partial errors, and scripted failures (429, 503,
dropped connections, 403) queued per endpoint.
"""

from __future__ import annotations

import copy
import json
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

API = Path(__file__).parent / "fixtures" / "api" / "x"
BASE = "https://api.twitter.com"


def body(name: str) -> dict[str, Any]:
    """A fixture body from tests/fixtures/api/x."""
    return json.loads((API / name).read_text(encoding="utf-8"))


class FakeClock:
    """An injected clock: ``sleep`` advances ``now`` and is recorded; nothing really waits."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds

    @property
    def total_slept(self) -> float:
        return round(sum(self.slept), 6)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class FakeX:
    """The fake X API; ``install`` registers it on a ``responses.RequestsMock``."""

    clock: FakeClock
    token: str = "AAAAAAAAAAAAAAAAAAAAAFakeBearerTokenForTests0000000000"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)  # by lowercase username
    suspended: set[str] = field(default_factory=set)
    tweets: dict[str, dict[str, Any]] = field(default_factory=dict)
    forbidden: set[str] = field(default_factory=set)  # endpoint kinds answered 403
    scripted: dict[str, deque[Any]] = field(default_factory=lambda: defaultdict(deque))
    remaining: int = 100  # x-rate-limit-remaining sent on success
    next_id: int = 0
    interrupt_at: int | None = None  # raise KeyboardInterrupt (a killed run) at this request number
    served: int = 0
    served_ids: list[str] = field(default_factory=list)  # ids of the posts in every page answered
    _tokens: dict[str, tuple[str, int]] = field(default_factory=dict)

    def install(self, rsps: responses.RequestsMock) -> None:
        rsps.add_callback(responses.GET, re.compile(rf"{BASE}/2/users/by(\?.*)?$"), callback=self._users)
        rsps.add_callback(responses.GET, re.compile(rf"{BASE}/2/users/\d+/tweets(\?.*)?$"), callback=self._timeline)
        rsps.add_callback(responses.GET, re.compile(rf"{BASE}/2/users/\d+/mentions(\?.*)?$"), callback=self._mentions)
        rsps.add_callback(responses.GET, re.compile(rf"{BASE}/2/tweets/search/recent(\?.*)?$"), callback=self._search)

    # -- world building --------------------------------------------------------------------------

    def user(self, username: str, user_id: str | None = None, **overrides: Any) -> dict[str, Any]:
        template = copy.deepcopy(body("users_by.json")["data"][0])
        template.update(id=user_id or str(90000 + len(self.users)), username=username, name=username.title())
        template.update(overrides)
        self.users[username.lower()] = template
        return template

    def tweet(
        self, author: str, text: str, created: datetime, *, reply_to: str | None = None, retweet_of: str | None = None,
        quote_of: str | None = None, urls: tuple[str, ...] = (), poll: bool = False, tweet_id: str | None = None,
    ) -> dict[str, Any]:
        self.next_id += 1  # ids are snowflakes: creation milliseconds since X's epoch, shifted 22 bits
        tid = tweet_id or str(((int(created.timestamp() * 1000) - 1288834974657) << 22) + self.next_id % (1 << 22))
        user = self.users[author.lower()]
        data: dict[str, Any] = {
            "edit_history_tweet_ids": [tid], "id": tid, "author_id": user["id"], "created_at": iso(created),
            "conversation_id": tid, "text": text,
            "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": 1, "quote_count": 0,
                               "bookmark_count": 0, "impression_count": 10},
        }
        refs = []
        if reply_to:
            parent = self.tweets[reply_to]
            refs.append({"type": "replied_to", "id": reply_to})
            data["in_reply_to_user_id"] = parent["author_id"]
            data["conversation_id"] = parent["conversation_id"]
        if retweet_of:
            refs.append({"type": "retweeted", "id": retweet_of})
        if quote_of:
            refs.append({"type": "quoted", "id": quote_of})
        if refs:
            data["referenced_tweets"] = refs
        mentions = [
            {"start": m.start(), "end": m.end(), "username": m.group(1), "id": self.users[m.group(1).lower()]["id"]}
            for m in re.finditer(r"@(\w+)", text) if m.group(1).lower() in self.users
        ]
        entities: dict[str, Any] = {}
        if mentions:
            entities["mentions"] = mentions
        if urls:
            entities["urls"] = [{"start": 0, "end": 23, "url": f"https://t.co/x{i}", "expanded_url": u,
                                 "display_url": u[8:30]} for i, u in enumerate(urls)]
        if entities:
            data["entities"] = entities
        if poll:
            data["attachments"] = {"poll_ids": [str(int(tid) + 1)]}
        self.tweets[tid] = data
        return data

    def script(self, kind: str, *answers: Any) -> None:
        """Queue answers for the next requests of ``kind`` (users, tweets, mentions, search):
        a (status, headers, body-dict) tuple, or an exception instance to raise."""
        self.scripted[kind].extend(answers)

    # -- answers ---------------------------------------------------------------------------------

    def _headers(self, remaining: int | None = None, reset: float | None = None) -> dict[str, str]:
        return {
            "content-type": "application/json; charset=utf-8", "api-version": "2.52", "x-access-level": "read",
            "x-rate-limit-limit": "1500",
            "x-rate-limit-remaining": str(self.remaining if remaining is None else remaining),
            "x-rate-limit-reset": str(int(reset if reset is not None else self.clock.now() + 900)),
        }

    def _answer(self, kind: str, request: Any) -> Any:
        self.served += 1
        if self.served == self.interrupt_at:
            raise KeyboardInterrupt
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return 401, self._headers(), json.dumps(body("unauthorized_401.json"))
        if self.scripted[kind]:
            answer = self.scripted[kind].popleft()
            if isinstance(answer, BaseException):
                raise answer
            status, headers, data = answer
            return status, {"content-type": "application/json; charset=utf-8", **headers}, json.dumps(data)
        if kind in self.forbidden:
            return 403, self._headers(), json.dumps(body("client_forbidden_403.json"))
        return None

    def _users(self, request: Any) -> Any:
        early = self._answer("users", request)
        if early:
            return early
        names = parse_qs(urlparse(request.url).query)["usernames"][0].split(",")
        data, errors = [], []
        for name in names:
            if name.lower() in self.suspended:
                errors.append({"parameter": "usernames", "resource_id": name, "value": name,
                               "detail": f"User has been suspended: [{name}].", "title": "Forbidden",
                               "resource_type": "user", "type": "https://api.twitter.com/2/problems/resource-not-found"})
            elif name.lower() in self.users:
                data.append(self.users[name.lower()])
            else:
                errors.append({"value": name, "detail": f"Could not find user with usernames: [{name}].",
                               "title": "Not Found Error", "resource_type": "user", "parameter": "usernames",
                               "resource_id": name, "type": "https://api.twitter.com/2/problems/resource-not-found"})
        payload: dict[str, Any] = {}
        if data:
            payload["data"] = data
        if errors:
            payload["errors"] = errors
        return 200, self._headers(), json.dumps(payload)

    def _user_by_id(self, request: Any) -> dict[str, Any]:
        user_id = urlparse(request.url).path.split("/")[3]
        return next(u for u in self.users.values() if u["id"] == user_id)

    def _timeline(self, request: Any) -> Any:
        early = self._answer("tweets", request)
        if early:
            return early
        user = self._user_by_id(request)
        items = [t for t in self.tweets.values() if t["author_id"] == user["id"]]
        return self._page(request, "tweets", items, 3200, "pagination_token")

    def _mentions(self, request: Any) -> Any:
        early = self._answer("mentions", request)
        if early:
            return early
        user = self._user_by_id(request)
        items = [t for t in self.tweets.values() if t["author_id"] != user["id"] and any(
            m["id"] == user["id"] for m in t.get("entities", {}).get("mentions", []))]
        return self._page(request, "mentions", items, 800, "pagination_token")

    def _search(self, request: Any) -> Any:
        early = self._answer("search", request)
        if early:
            return early
        query = parse_qs(urlparse(request.url).query)["query"][0]
        user = self.users[query.removeprefix("to:").lower()]
        week_ago = datetime.fromtimestamp(self.clock.now(), UTC) - timedelta(days=7)
        items = [t for t in self.tweets.values() if t.get("in_reply_to_user_id") == user["id"]
                 and datetime.fromisoformat(t["created_at"].replace("Z", "+00:00")) >= week_ago]
        return self._page(request, "search", items, 10**9, "next_token")

    def _invalid(self, message: str) -> Any:
        return 400, self._headers(), json.dumps({
            "errors": [{"parameters": {}, "message": message}], "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request"})

    def _page(self, request: Any, kind: str, items: list[dict[str, Any]], cap: int, token_name: str) -> Any:
        params = {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}
        if {"since_id", "until_id"} & set(params) and {"start_time", "end_time"} & set(params):
            return self._invalid("Invalid use of 'since_id' or 'until_id' in conjunction with 'start_time' or "
                                 "'end_time'.")
        if kind == "search":
            week_ago = int((self.clock.now() - 7 * 86400) * 1000) - 1288834974657 << 22
            for name in ("since_id", "until_id"):
                if name in params and int(params[name]) < week_ago:
                    return self._invalid(f"Invalid '{name}':'{params[name]}'. '{name}' must be a tweet id created "
                                         "after the start of the last 7 days.")
        items = sorted(items, key=lambda t: int(t["id"]), reverse=True)[:cap]
        if "since_id" in params:
            items = [t for t in items if int(t["id"]) > int(params["since_id"])]
        if "until_id" in params:
            items = [t for t in items if int(t["id"]) < int(params["until_id"])]
        if "start_time" in params:
            start = params["start_time"].replace("Z", "+00:00")
            items = [t for t in items if t["created_at"].replace(".000Z", "+00:00") >= start]
        query_key = json.dumps({k: v for k, v in params.items() if k != token_name}, sort_keys=True)
        offset = 0
        if token_name in params:
            key, offset = self._tokens[params[token_name]]
            assert key == query_key, "a pagination token was sent with different query parameters"
        size = int(params.get("max_results", 10))
        page = items[offset : offset + size]
        if not page:
            return 200, self._headers(), json.dumps(body("empty_page.json"))
        self.served_ids.extend(t["id"] for t in page)
        meta: dict[str, Any] = {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        if offset + size < len(items):
            token = f"7140dibdnow9c7btw4{len(self._tokens):06d}{kind[:3]}"
            self._tokens[token] = (query_key, offset + size)
            meta["next_token"] = token
        return 200, self._headers(), json.dumps({"data": page, "includes": self._includes(page), "meta": meta})

    def _includes(self, page: list[dict[str, Any]]) -> dict[str, Any]:
        referenced = [self.tweets[r["id"]] for t in page for r in t.get("referenced_tweets", [])
                      if r["id"] in self.tweets]
        user_ids = {t["author_id"] for t in [*page, *referenced]} | {
            t["in_reply_to_user_id"] for t in page if "in_reply_to_user_id" in t}
        users = [{"id": u["id"], "name": u["name"], "username": u["username"]}
                 for u in self.users.values() if u["id"] in user_ids]
        includes: dict[str, Any] = {"users": users}
        if referenced:
            includes["tweets"] = list({t["id"]: t for t in referenced}.values())
        return includes
