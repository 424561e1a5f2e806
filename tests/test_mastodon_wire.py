"""Recorded real Mastodon answers become posts, pass through Mastodon.py and the policy as the collector expects, and
the fake answers in their shape (all read shared/data/api_recordings/mastodon; skipped when it is absent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses
import yaml
from fake_mastodon import HOST, FakeMastodon
from fake_x import FakeClock

from collectors.mastodon_client import Instances
from collectors.mastodon_records import Authors, status_records
from collectors.ratelimit import RequestPolicy, mastodon_limits

RECORDINGS = Path(__file__).resolve().parents[2] / "shared" / "data" / "api_recordings" / "mastodon"
if not RECORDINGS.is_dir():
    RECORDINGS = Path("/work/shared/data/api_recordings/mastodon")
LOCAL = "localhost:3000"

pytestmark = pytest.mark.skipif(
    not (RECORDINGS / "test_status_reply.yaml").is_file(),
    reason=f"the Mastodon recordings ({RECORDINGS}) are not available (outside the repository)",
)


def recorded(name: str, uri_end: str, method: str = "GET") -> tuple[Any, dict[str, str]]:
    """The body (parsed) and headers of the first recorded answer to a request whose URI ends so."""
    cassette = yaml.safe_load((RECORDINGS / name).read_text(encoding="utf-8"))
    for interaction in cassette["interactions"]:
        request, response = interaction["request"], interaction["response"]
        if request["method"] == method and request["uri"].endswith(uri_end):
            headers = {k: v[0] for k, v in response["headers"].items()}
            return json.loads(response["body"]["string"]), headers
    raise LookupError(f"{name}: no {method} ...{uri_end}")


def test_a_recorded_reply_keeps_its_parent_and_its_author_from_the_mentions() -> None:
    status, _ = recorded("test_status_reply.yaml", "/api/v1/statuses", method="POST")
    if not status.get("in_reply_to_id"):  # the first POST is the parent: take the reply
        cassette = yaml.safe_load((RECORDINGS / "test_status_reply.yaml").read_text(encoding="utf-8"))
        status = next(b for i in cassette["interactions"] if i["request"]["method"] == "POST"
                      and (b := json.loads(i["response"]["body"]["string"])).get("in_reply_to_id"))
    [post] = status_records(status, Authors(LOCAL))
    assert post.in_reply_to_id == f"{LOCAL}/{status['in_reply_to_id']}"
    assert post.in_reply_to_author == f"{status['mentions'][0]['acct']}@{LOCAL}"
    assert post.text.startswith("@" + status["mentions"][0]["username"]) and "<" not in post.text
    assert post.post_id == f"{LOCAL}/{status['id']}" and post.conversation_id is None


def test_a_recorded_boost_is_a_repost_carrying_the_boosted_status() -> None:
    status, _ = recorded("test_status_reblog_unreblog.yaml", "/reblog", method="POST")
    carried, boost = status_records(status, Authors(LOCAL))
    assert carried.post_id == f"{LOCAL}/{status['reblog']['id']}" and carried.text == "Toot!"
    assert (boost.repost_of_id, boost.text) == (carried.post_id, "")


def test_a_recorded_mention_notification_is_addressed_to_the_account() -> None:
    [notification], _ = recorded("test_notifications_mentions_only.yaml", "types%5B%5D=mention")
    mentioned = notification["status"]["mentions"][0]
    authors = Authors(LOCAL, {mentioned["id"]: f"{mentioned['acct']}@{LOCAL}"})
    [post] = status_records(notification["status"], authors)
    assert (post.in_reply_to_id, post.in_reply_to_author) == (None, f"{mentioned['acct']}@{LOCAL}")


def test_a_recorded_page_s_link_header_and_limits_reach_the_collector_as_expected() -> None:
    page, headers = recorded("test_fetch_next_previous.yaml", "/statuses?limit=5")
    account_id = page[0]["account"]["id"]
    clock = FakeClock()
    with responses.RequestsMock() as rsps:
        kept = ("link", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
        rsps.add(responses.GET, f"http://{LOCAL}/api/v1/accounts/{account_id}/statuses", json=page,
                 headers={k: v for k, v in headers.items() if k in kept})
        policy = RequestPolicy("Mastodon", mastodon_limits, clock=clock, hide_limit_headers=True)
        answer, next_id = Instances(policy, scheme="http").call(
            LOCAL, "statuses", lambda c: c.account_statuses(account_id, limit=5))
    assert next_id == headers["link"].split("max_id=")[1].split(">")[0]
    assert [s["id"] for s in answer] == [s["id"] for s in page] and answer[0]["created_at"].endswith("Z")
    limit = mastodon_limits(headers, 0.0)
    assert limit is not None and limit.remaining == 299 and limit.reset_at is not None


@pytest.mark.parametrize(("name", "uri_end", "kind"), [
    ("test_status.yaml", "/api/v1/statuses/117020583223442465", "status"),
    ("test_account_lookup.yaml", "lookup?acct=mastodonpy_test", "account"),
    ("test_notifications_mentions_only.yaml", "types%5B%5D=mention", "notification"),
])
def test_the_fake_answers_with_every_field_the_recordings_have_that_the_collector_reads(
    name: str, uri_end: str, kind: str
) -> None:
    real, _ = recorded(name, uri_end)
    real = real[0] if isinstance(real, list) else real
    fake = FakeMastodon(FakeClock())
    fake.account(f"acme@{HOST}")
    fake.account(f"jo@{HOST}")
    from datetime import UTC, datetime

    sid = fake.status(f"jo@{HOST}", f"@acme@{HOST} hello", datetime(2024, 6, 1, tzinfo=UTC))
    made = {"status": lambda: fake.entity(sid, HOST), "account": lambda: fake.account_entity(f"acme@{HOST}", HOST),
            "notification": lambda: fake._notification(fake.statuses[sid], HOST)}[kind]()
    read = {"id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "account", "content", "reblog", "quote",
            "mentions", "card", "poll", "replies_count", "reblogs_count", "favourites_count", "acct", "display_name",
            "note", "followers_count", "following_count", "statuses_count", "type", "status"}
    wanted = read & set(real)
    assert wanted <= set(made), sorted(wanted - set(made))
    for key in wanted:
        assert type(made[key]) is type(real[key]) or real[key] is None or made[key] is None, key
