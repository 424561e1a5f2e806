"""An HTTP-level fake of Reddit's OAuth API, for the ``responses`` library: praw and prawcore's real
code talks to it.

It holds a small world (users, subreddits, submissions, comments) and answers in the real wire format
(shapes from shared/data/api_recordings/praw): the app-only token endpoint, ``user/NAME/about``,
``user/NAME/submitted`` and ``comments`` listings (``after`` paging), ``r/NAME/about`` (private: 403,
banned: 404, missing: 302 to the search page) and ``r/NAME/new``, comment trees (``comments/ID``, with
"more comments" objects past ``top_limit`` top-level comments and "continue this thread" past
``depth_limit`` levels), ``api/morechildren``, ``comments/ID/_/COMMENT`` and ``api/info``. Scripted
answers (429, 503, exceptions) are queued per kind.
"""

from __future__ import annotations

import base64
import copy
import json
import re
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import responses

API = Path(__file__).parent / "fixtures" / "api" / "reddit"
OAUTH = "https://oauth.reddit.com"


def body(name: str) -> dict[str, Any]:
    """A fixture body from tests/fixtures/api/reddit."""
    return json.loads((API / name).read_text(encoding="utf-8"))


def to36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def listing(children: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": after, "dist": len(children), "modhash": "", "geo_filter": "",
                                        "children": children, "before": None}}


@dataclass
class FakeReddit:
    """The fake Reddit API; ``install`` registers it on a ``responses.RequestsMock``."""

    clock: Any
    client_id: str = "fAkEcLiEnTiD0001"
    client_secret: str = "fake-reddit-client-secret-0000000000"
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    suspended: set[str] = field(default_factory=set)
    subreddits: dict[str, dict[str, Any]] = field(default_factory=dict)
    private: set[str] = field(default_factory=set)
    banned: set[str] = field(default_factory=set)
    things: dict[str, dict[str, Any]] = field(default_factory=dict)
    top_limit: int = 1000
    depth_limit: int = 1000
    remaining: float = 600.0
    scripted: dict[str, deque[Any]] = field(default_factory=lambda: defaultdict(deque))
    interrupt_at: int | None = None  # raise KeyboardInterrupt (a killed run) at this request number
    served: int = 0
    _next_t3: int = int("1ab000", 36)
    _next_t1: int = int("kq0000", 36)

    def install(self, rsps: responses.RequestsMock) -> None:
        get, post = responses.GET, responses.POST
        rsps.add_callback(post, "https://www.reddit.com/api/v1/access_token", callback=self._token)
        rsps.add_callback(get, re.compile(rf"{OAUTH}/user/[^/]+/about/?(\?.*)?$"), callback=self._user_about)
        rsps.add_callback(get, re.compile(rf"{OAUTH}/user/[^/]+/(submitted|comments)/?(\?.*)?$"),
                          callback=self._user_listing)
        rsps.add_callback(get, re.compile(rf"{OAUTH}/r/[^/]+/about/?(\?.*)?$"), callback=self._sub_about)
        rsps.add_callback(get, re.compile(rf"{OAUTH}/r/[^/]+/new/?(\?.*)?$"), callback=self._sub_new)
        rsps.add_callback(get, re.compile(rf"{OAUTH}/comments/\w+/_/\w+/?(\?.*)?$"), callback=self._continue)
        rsps.add_callback(get, re.compile(rf"{OAUTH}/comments/\w+/?(\?.*)?$"), callback=self._tree)
        rsps.add_callback(post, re.compile(rf"{OAUTH}/api/morechildren/?(\?.*)?$"), callback=self._more)
        rsps.add_callback(get, re.compile(rf"{OAUTH}/api/info/?(\?.*)?$"), callback=self._info)

    # -- world building --------------------------------------------------------------------------

    def user(self, name: str, **overrides: Any) -> dict[str, Any]:
        about = copy.deepcopy(body("user_about.json"))
        about["data"].update(name=name, id=to36(len(self.users) + 5000), **overrides)
        self.users[name.lower()] = about
        return about

    def subreddit(self, name: str) -> dict[str, Any]:
        about = copy.deepcopy(body("subreddit_about.json"))
        about["data"].update(display_name=name, display_name_prefixed=f"r/{name}", url=f"/r/{name}/")
        self.subreddits[name.lower()] = about
        return about

    def submission(
        self, author: str | None, title: str, created: datetime, *, subreddit: str = "AcmeSupport", selftext: str = "",
        url: str | None = None, crosspost_of: str | None = None, poll: bool = False, distinguished: str | None = None,
    ) -> dict[str, Any]:
        self._next_t3 += 1
        sid = to36(self._next_t3)
        data = copy.deepcopy(body("submission.json"))
        d = data["data"]
        d.update(id=sid, name=f"t3_{sid}", title=title, selftext=selftext, subreddit=subreddit,
                 subreddit_name_prefixed=f"r/{subreddit}", author=author or "[deleted]",
                 author_fullname=f"t2_{self.users[author.lower()]['data']['id']}" if author else None,
                 created=created.timestamp(), created_utc=created.timestamp(), num_comments=0,
                 distinguished=distinguished, permalink=f"/r/{subreddit}/comments/{sid}/post/")
        if url:
            d.update(is_self=False, url=url, domain=urlparse(url).netloc, selftext="")
        if crosspost_of:
            parent = self.things[crosspost_of]["data"]
            d.update(crosspost_parent=f"t3_{crosspost_of}", crosspost_parent_list=[copy.deepcopy(parent)])
        if poll:
            d["poll_data"] = {"prediction_status": None, "total_stake_amount": None, "voting_end_timestamp": 1,
                              "options": [{"text": "Yes", "id": "1"}, {"text": "No", "id": "2"}],
                              "vote_updates_remained": None, "is_prediction": False, "resolved_option_id": None,
                              "user_won_amount": None, "user_selection": None, "total_vote_count": 3,
                              "tournament_id": None}
        self.things[sid] = data
        return d

    def comment(
        self, author: str | None, text: str, created: datetime, parent: str, *, distinguished: str | None = None,
        flair: str | None = None,
    ) -> dict[str, Any]:
        self._next_t1 += 1
        cid = to36(self._next_t1)
        parent_thing = self.things[parent]
        link = parent if parent_thing["kind"] == "t3" else parent_thing["data"]["link_id"][3:]
        submission = self.things[link]["data"]
        data = copy.deepcopy(body("comment.json"))
        d = data["data"]
        d.update(id=cid, name=f"t1_{cid}", body=text, author=author or "[deleted]",
                 author_fullname=f"t2_{self.users[author.lower()]['data']['id']}" if author else None,
                 parent_id=f"{parent_thing['kind']}_{parent}", link_id=f"t3_{link}", link_title=submission["title"],
                 link_author=submission["author"], subreddit=submission["subreddit"],
                 created=created.timestamp(), created_utc=created.timestamp(), distinguished=distinguished,
                 author_flair_text=flair, depth=0)
        submission["num_comments"] += 1
        self.things[cid] = data
        return d

    def script(self, kind: str, *answers: Any) -> None:
        """Queue answers for the next requests of ``kind`` (token, about, listing, tree, more, info):
        a (status, headers, body-dict) tuple, or an exception instance to raise."""
        self.scripted[kind].extend(answers)

    # -- helpers ---------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        used = 600 - int(self.remaining)
        return {"content-type": "application/json; charset=UTF-8", "x-ratelimit-remaining": f"{self.remaining:.1f}",
                "x-ratelimit-used": str(used), "x-ratelimit-reset": "300"}

    def _ok(self, payload: Any) -> Any:
        return 200, self._headers(), json.dumps(payload)

    def _count(self) -> None:
        self.served += 1
        if self.served == self.interrupt_at:
            raise KeyboardInterrupt

    def _early(self, kind: str, request: Any) -> Any:
        self._count()
        if request.headers.get("Authorization") != f"bearer {body('access_token.json')['access_token']}":
            return 401, {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}, json.dumps(
                body("unauthorized_401.json"))
        if self.scripted[kind]:
            answer = self.scripted[kind].popleft()
            if isinstance(answer, BaseException):
                raise answer
            status, headers, data = answer
            return status, {"content-type": "application/json; charset=UTF-8", **headers}, json.dumps(data)
        return None

    def _query(self, request: Any) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlparse(request.url).query).items()}

    def _page(self, request: Any, items: list[dict[str, Any]]) -> Any:
        params = self._query(request)
        items = sorted(items, key=lambda t: (t["data"]["created_utc"], int(t["data"]["id"], 36)), reverse=True)
        start = 0
        if "after" in params:
            names = [t["data"]["name"] for t in items]
            start = names.index(params["after"]) + 1
        size = min(int(params.get("limit", 25)), 100)
        page = items[start : start + size]
        after = page[-1]["data"]["name"] if page and start + size < len(items) else None
        return self._ok(listing([self._without_replies(t) for t in page], after))

    @staticmethod
    def _without_replies(thing: dict[str, Any]) -> dict[str, Any]:
        return {"kind": thing["kind"], "data": {**thing["data"], **({"replies": ""} if thing["kind"] == "t1" else {})}}

    def _children(self, parent_fullname: str) -> list[dict[str, Any]]:
        found = [t for t in self.things.values() if t["kind"] == "t1" and t["data"]["parent_id"] == parent_fullname]
        return sorted(found, key=lambda t: t["data"]["created_utc"])

    def _nested(self, thing: dict[str, Any], depth: int) -> dict[str, Any]:
        data = {k: v for k, v in thing["data"].items() if k not in ("link_author", "link_title", "link_url")}
        data["depth"] = depth
        children = self._children(data["name"])
        if not children:
            data["replies"] = ""
        elif depth + 1 >= self.depth_limit:
            data["replies"] = listing([{"kind": "more", "data": {"count": 0, "name": "t1__", "id": "_",
                                                                 "parent_id": data["name"], "depth": depth + 1,
                                                                 "children": []}}])
        else:
            data["replies"] = listing([self._nested(c, depth + 1) for c in children])
        return {"kind": "t1", "data": data}

    def _descendants(self, thing: dict[str, Any], depth: int) -> list[dict[str, Any]]:
        data = {k: v for k, v in thing["data"].items() if k not in ("link_author", "link_title", "link_url")}
        flat = [{"kind": "t1", "data": {**data, "replies": "", "depth": depth}}]
        for child in self._children(data["name"]):
            flat.extend(self._descendants(child, depth + 1))
        return flat

    # -- answers ---------------------------------------------------------------------------------

    def _token(self, request: Any) -> Any:
        self._count()
        if self.scripted["token"]:
            answer = self.scripted["token"].popleft()
            if isinstance(answer, BaseException):
                raise answer
            status, headers, data = answer
            return status, {"content-type": "application/json; charset=UTF-8", **headers}, json.dumps(data)
        expected = "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return 401, {"content-type": "application/json; charset=UTF-8"}, json.dumps(body("unauthorized_401.json"))
        return 200, {"content-type": "application/json; charset=UTF-8"}, json.dumps(body("access_token.json"))

    def _user_about(self, request: Any) -> Any:
        early = self._early("about", request)
        if early:
            return early
        name = urlparse(request.url).path.split("/")[2].lower()
        if name in self.suspended:
            data = body("user_suspended.json")
            data["data"]["name"] = urlparse(request.url).path.split("/")[2]
            return self._ok(data)
        if name not in self.users:
            return 404, self._headers(), json.dumps(body("not_found_404.json"))
        return self._ok(self.users[name])

    def _user_listing(self, request: Any) -> Any:
        early = self._early("listing", request)
        if early:
            return early
        _, _, name, which = urlparse(request.url).path.rstrip("/").split("/")[:4]
        kind = "t3" if which == "submitted" else "t1"
        items = [t for t in self.things.values() if t["kind"] == kind and t["data"]["author"].lower() == name.lower()]
        return self._page(request, items)

    def _sub_about(self, request: Any) -> Any:
        early = self._early("about", request)
        if early:
            return early
        name = urlparse(request.url).path.split("/")[2].lower()
        if name in self.private:
            return 403, self._headers(), json.dumps(body("private_403.json"))
        if name in self.banned:
            return 404, self._headers(), json.dumps(body("banned_404.json"))
        if name not in self.subreddits:
            return 302, {**self._headers(), "location": f"https://www.reddit.com/subreddits/search.json?q={name}"}, ""
        return self._ok(self.subreddits[name])

    def _sub_new(self, request: Any) -> Any:
        early = self._early("listing", request)
        if early:
            return early
        name = urlparse(request.url).path.split("/")[2].lower()
        if name in self.private:
            return 403, self._headers(), json.dumps(body("private_403.json"))
        items = [t for t in self.things.values() if t["kind"] == "t3" and t["data"]["subreddit"].lower() == name]
        return self._page(request, items)

    def _tree(self, request: Any) -> Any:
        early = self._early("tree", request)
        if early:
            return early
        sid = urlparse(request.url).path.rstrip("/").split("/")[2]
        if sid not in self.things:
            return 404, self._headers(), json.dumps(body("not_found_404.json"))
        top = self._children(f"t3_{sid}")
        shown = [self._nested(c, 0) for c in top[: self.top_limit]]
        rest = [c["data"]["id"] for c in top[self.top_limit :]]
        if rest:
            shown.append({"kind": "more", "data": {"count": len(rest), "name": f"t1_{rest[0]}", "id": rest[0],
                                                   "parent_id": f"t3_{sid}", "depth": 0, "children": rest}})
        return self._ok([listing([self.things[sid]]), listing(shown)])

    def _continue(self, request: Any) -> Any:
        early = self._early("more", request)
        if early:
            return early
        parts = urlparse(request.url).path.rstrip("/").split("/")
        sid, cid = parts[2], parts[4]
        return self._ok([listing([self.things[sid]]), listing([self._nested(self.things[cid], 0)])])

    def _more(self, request: Any) -> Any:
        early = self._early("more", request)
        if early:
            return early
        raw = request.body if isinstance(request.body, str) else request.body.decode()
        form = {k: v[0] for k, v in parse_qs(raw).items()}
        things = [flat for cid in form["children"].split(",") for flat in self._descendants(self.things[cid], 0)]
        return self._ok({"json": {"errors": [], "data": {"things": things}}})

    def _info(self, request: Any) -> Any:
        early = self._early("info", request)
        if early:
            return early
        names = self._query(request)["id"].split(",")
        found = [self._without_replies(self.things[n[3:]]) for n in names if n[3:] in self.things]
        return self._ok(listing(found))
