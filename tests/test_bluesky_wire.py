"""The fake's answers follow Bluesky's lexicons, and recorded real bodies become posts (both read the recordings in
shared/data/api_recordings/bluesky; skipped when they are absent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fake_bluesky import FakeBluesky
from fake_x import FakeClock
from test_bluesky_collector import conversation_world

from collectors.bluesky_records import Authors, post_record

RECORDINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "api_recordings" / "bluesky"
if not RECORDINGS.is_dir():
    RECORDINGS = Path("/work/shared/data/api_recordings/bluesky")

pytestmark = pytest.mark.skipif(
    not (RECORDINGS / "lexicons").is_dir(),
    reason=f"the Bluesky recordings ({RECORDINGS}) are not available (outside the repository)",
)


def lexicons() -> dict[str, dict[str, Any]]:
    return {(doc := json.loads(p.read_text(encoding="utf-8")))["id"]: doc["defs"]
            for p in (RECORDINGS / "lexicons").glob("*.json")}


class Lexicon:
    """A small validator of the lexicon rules the answers use: required fields, types, refs, unions."""

    def __init__(self) -> None:
        self.defs = lexicons()
        self.problems: list[str] = []

    def resolve(self, ref: str, here: str) -> tuple[str, dict[str, Any] | None]:
        nsid, _, name = ref.partition("#")
        nsid = nsid or here
        return nsid, self.defs.get(nsid, {}).get(name or "main")

    def check(self, value: Any, schema: dict[str, Any], here: str, path: str) -> None:
        kind = schema.get("type")
        if kind == "ref":
            nsid, target = self.resolve(schema["ref"], here)
            if target is not None:  # a lexicon not in the recordings (labels...) is not checked
                self.check(value, target, nsid, path)
        elif kind == "union":
            self.union(value, schema, here, path)
        elif kind in ("object", "record", "params"):
            body = schema.get("record", schema)
            if not isinstance(value, dict):
                self.problems.append(f"{path}: not an object")
                return
            self.problems += [f"{path}.{k}: missing (required)" for k in body.get("required", []) if k not in value]
            for key, sub in body.get("properties", {}).items():
                if key in value:
                    self.check(value[key], sub, here, f"{path}.{key}")
        elif kind == "array":
            if not isinstance(value, list):
                self.problems.append(f"{path}: not an array")
                return
            for i, item in enumerate(value):
                self.check(item, schema["items"], here, f"{path}[{i}]")
        elif kind == "unknown" and isinstance(value, dict) and value.get("$type") == "app.bsky.feed.post":
            self.check(value, self.defs["app.bsky.feed.post"]["main"], "app.bsky.feed.post", path)
        elif kind in ("string", "integer", "boolean"):
            python = {"string": str, "integer": int, "boolean": bool}[kind]
            if not isinstance(value, python) or (kind == "integer" and isinstance(value, bool)):
                self.problems.append(f"{path}: not a {kind}")

    def union(self, value: Any, schema: dict[str, Any], here: str, path: str) -> None:
        if not isinstance(value, dict) or "$type" not in value:
            self.problems.append(f"{path}: a union member without $type")
            return
        named = value["$type"].removesuffix("#main")
        allowed = {(r if not r.startswith("#") else here + r).removesuffix("#main") for r in schema["refs"]}
        if named not in allowed:
            self.problems.append(f"{path}: $type {named} is not one of the union's")
            return
        nsid, target = self.resolve(named, here)
        if target is not None:
            self.check(value, target, nsid, path)

    def answer(self, method: str, data: dict[str, Any]) -> list[str]:
        self.problems = []
        output = self.defs[method]["main"]["output"]["schema"]
        self.check(data, output, method, method)
        return self.problems


def test_the_validator_accepts_the_recorded_thread_and_catches_a_broken_copy() -> None:
    thread = json.loads((RECORDINGS / "responses" / "thread_view_post_with_embed_media.json").read_text())
    lexicon = Lexicon()
    assert lexicon.answer("app.bsky.feed.getPostThread", thread) == []
    del thread["thread"]["post"]["indexedAt"]
    thread["thread"]["post"]["record"]["embed"].pop("$type")
    assert lexicon.answer("app.bsky.feed.getPostThread", thread) == [
        "app.bsky.feed.getPostThread.thread.post.indexedAt: missing (required)",
        "app.bsky.feed.getPostThread.thread.post.record.embed: a union member without $type"]


def test_every_answer_of_the_fake_follows_the_lexicons() -> None:
    fake = FakeBluesky(FakeClock())
    posts = conversation_world(fake)
    acme = fake.did("acme.example.com")
    lexicon = Lexicon()
    answers = {
        "app.bsky.actor.getProfile": fake._getProfile({"actor": "acme.example.com"}),
        "app.bsky.feed.getAuthorFeed": fake._getAuthorFeed({"actor": acme, "filter": "posts_with_replies"}),
        "app.bsky.feed.getPostThread": fake._getPostThread({"uri": posts["A1"], "depth": "10"}),
        "app.bsky.feed.getQuotes": fake._getQuotes({"uri": posts["A1"]}),
        "app.bsky.feed.getRepostedBy": fake._getRepostedBy({"uri": posts["A1"]}),
        "app.bsky.feed.searchPosts": fake._searchPosts({"q": "mentions:acme.example.com"}),
    }
    for method, (status, _, text) in answers.items():
        data = json.loads(text)
        assert status == 200 and data, method
        assert lexicon.answer(method, data) == [], method
    feed = json.loads(answers["app.bsky.feed.getAuthorFeed"][2])["feed"]
    assert {"reply", "reason"} <= {key for item in feed for key in item}  # the checks covered both


def test_the_recorded_thread_becomes_a_post_quoting_the_embedded_record() -> None:
    thread = json.loads((RECORDINGS / "responses" / "thread_view_post_with_embed_media.json").read_text())
    post = post_record(thread["thread"]["post"], Authors())
    assert post is not None
    assert post.post_id == "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kaheyt6vpc22"
    assert (post.author, post.author_id) == ("test.marshal.dev", "did:plc:kvwvcn5iqfooopmyzvb4qzba")
    assert post.quote_of_id == "at://did:plc:kvwvcn5iqfooopmyzvb4qzba/app.bsky.feed.post/3kahesw26il2z"
    assert post.quote_of_author == "test.marshal.dev" and post.conversation_id == post.post_id
    assert post.created_at.isoformat() == "2023-09-28T12:49:36.735000+00:00"
