"""A twarc2 file and a Reddit dump import to the same posts as the same data collected live.

The live side is the real collectors (tweepy, praw) against the HTTP-level fakes (tests/fake_x.py,
tests/fake_reddit.py). The file side is what twarc2 and a Pushshift-style dump hold for the same data:
the very pages X served (twarc2 writes each response page as one line, with ``__twarc``), flattened as
``twarc2 flatten`` does; and each Reddit thing's data as one NDJSON line, compressed with zstandard.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
import pytest
import responses
import zstandard
from fake_reddit import FakeReddit
from fake_x import FakeClock, FakeX

from collectors.credentials import RedditCredentials, Secret
from collectors.ratelimit import RequestPolicy, reddit_limits, x_limits
from collectors.records import POST_COLUMNS, OrgAccount
from collectors.reddit import RedditCollector
from collectors.streams import import_stream, sniff
from collectors.twitter import TwitterCollector
from store.database import Store

pytestmark = pytest.mark.usefixtures("no_real_sleep")
T0 = datetime(2023, 10, 1, tzinfo=UTC)


def _posts(store: Store) -> pd.DataFrame:
    return store.load_posts().set_index(["platform", "post_id"]).sort_index()


def _same_posts(live: pd.DataFrame, imported: pd.DataFrame) -> None:
    """Every live post is in the import with every column equal (ids, links, text, times, counts)."""
    assert set(live.index) <= set(imported.index), set(live.index) - set(imported.index)
    pd.testing.assert_frame_equal(imported.loc[live.index], live, check_like=False)


# -- X: twarc2 pages and twarc2 flatten ---------------------------------------------------------------


def flatten(page: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """One tweet per line with its expansions inline, as twarc's ``expansions.flatten`` writes them."""
    includes = page.get("includes") or {}
    users = {u["id"]: u for u in includes.get("users", [])}
    tweets = {t["id"]: t for t in includes.get("tweets", [])}

    def expand(tweet: dict[str, Any]) -> dict[str, Any]:
        tweet = copy.deepcopy(tweet)
        if "author_id" in tweet:
            tweet["author"] = users.get(tweet["author_id"], {})
        if "in_reply_to_user_id" in tweet:
            tweet["in_reply_to_user"] = users.get(tweet["in_reply_to_user_id"], {})
        if "referenced_tweets" in tweet:
            tweet["referenced_tweets"] = [{**r, **tweets.get(r["id"], {})} for r in tweet["referenced_tweets"]]
        return tweet

    tweets = {k: expand(t) for k, t in tweets.items()}
    for tweet in page.get("data") or []:
        yield {**expand(tweet), "__twarc": page["__twarc"]}


@pytest.fixture
def x_live(tmp_path: Path) -> Iterator[tuple[Store, list[dict[str, Any]]]]:
    """AcmeHelp's conversations collected live from the fake X; the store and the pages X served."""
    fake = FakeX(FakeClock())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake.user("AcmeHelp", "1000")
        fake.user("jo", "2000")
        fake.user("kim", "3000")
        start = datetime.fromtimestamp(fake.clock.now(), UTC) - timedelta(days=2)
        question = fake.tweet("jo", "@AcmeHelp my router drops Wi-Fi, help?", start)
        fake.tweet("AcmeHelp", "@jo Sorry! Firmware 2.1 fixes it ^MK", start + timedelta(hours=1),
                   reply_to=question["id"], urls=("https://acme.example/fw?utm_source=twitter",))
        review = fake.tweet("kim", "The Acme router is great", start + timedelta(hours=2))
        fake.tweet("AcmeHelp", "RT @kim: The Acme router is great", start + timedelta(hours=3), retweet_of=review["id"])
        fake.tweet("AcmeHelp", "Which features matter to you?", start + timedelta(hours=4), quote_of=review["id"])
        fake.tweet("AcmeHelp", "Poll: app or web?", start + timedelta(hours=5), poll=True)
        fake.tweet("jo", "@AcmeHelp thanks, works now", start + timedelta(hours=6))
        policy = RequestPolicy("X", x_limits, clock=fake.clock)
        with Store(tmp_path / "live.db") as store:
            [report] = TwitterCollector(Secret("X_BEARER_TOKEN", fake.token), policy).collect(
                [OrgAccount("twitter", "AcmeHelp")], store)
            assert report.status == "ok", report
            pages = []
            for call in rsps.calls:
                path = urlparse(call.request.url).path
                if path.endswith(("/tweets", "/mentions", "/recent")):
                    page = json.loads(call.response.text)
                    page["__twarc"] = {"url": call.request.url, "version": "2.14.0",
                                       "retrieved_at": "2023-11-14T22:13:20+00:00"}
                    pages.append(page)
            yield store, pages


@pytest.mark.parametrize("shape", ["twarc2", "twarc2 flattened"])
def test_a_twarc2_file_imports_to_the_posts_collected_live(
    x_live: tuple[Store, list[dict[str, Any]]], tmp_path: Path, shape: str
) -> None:
    live_store, pages = x_live
    lines = pages if shape == "twarc2" else [t for p in pages for t in flatten(p)]
    path = tmp_path / "tweets.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    assert sniff(path) == shape
    with Store(tmp_path / "imported.db") as store:
        result = import_stream(path, shape, store)
        assert result.rejected_count == 0
        imported = _posts(store)
    live = _posts(live_store)
    assert len(live) == 7
    _same_posts(live, imported)
    assert len(imported) == len(live)
    reply = imported[imported.text.str.startswith("@jo Sorry")].iloc[0]
    assert reply.in_reply_to_author == "jo" and reply.urls == "https://acme.example/fw?utm_source=twitter"


# -- Reddit: a Pushshift-style dump, zstandard-compressed -----------------------------------------------


def reddit_world(fake: FakeReddit) -> None:
    """An org submission with a thread, a question the org answers, a comment elsewhere, a crosspost, a link."""
    for name in ("acme_official", "jo_smith", "sam", "kim"):
        fake.user(name)
    fake.subreddit("AcmeSupport")
    fake.subreddit("gadgets")
    update = fake.submission("acme_official", "Update 2.0 is out", T0, selftext="Notes: https://acme.example/2.0")
    question = fake.comment("jo_smith", "Does it fix Wi-Fi?", T0 + timedelta(hours=1), update["id"])
    answer = fake.comment("acme_official", "Yes, it does. -Mia", T0 + timedelta(hours=2), question["id"],
                          distinguished="moderator", flair="Acme Staff")
    fake.comment("sam", "Confirmed here", T0 + timedelta(hours=3), answer["id"])
    fake.comment(None, "removed rant", T0 + timedelta(hours=4), update["id"])
    help_post = fake.submission("jo_smith", "Router broken", T0 + timedelta(days=1), selftext="Help?")
    fake.comment("acme_official", "We'll look into it -Mia", T0 + timedelta(days=1, hours=1), help_post["id"])
    elsewhere = fake.submission("kim", "Best routers 2023", T0 + timedelta(days=2), subreddit="gadgets")
    kim = fake.comment("kim", "Acme is fine I guess", T0 + timedelta(days=2, hours=1), elsewhere["id"])
    fake.comment("acme_official", "Glad to hear! u/kim", T0 + timedelta(days=2, hours=2), kim["id"])
    fake.submission("acme_official", "Router broken", T0 + timedelta(days=3), subreddit="gadgets",
                    crosspost_of=help_post["id"])
    fake.submission("acme_official", "Our router review", T0 + timedelta(days=3, hours=1), subreddit="gadgets",
                    url="https://acme.example/blog?utm_source=reddit")


def dump_line(thing: dict[str, Any]) -> dict[str, Any]:
    """A thing as a dump holds it: its data, without what only a listing adds (Pushshift has no link_author)."""
    data = {k: v for k, v in thing["data"].items() if k not in ("replies", "link_author", "link_title", "link_url")}
    if thing["kind"] == "t3":
        data["created_utc"] = int(data["created_utc"])  # Pushshift writes whole seconds
    return data


def test_a_reddit_dump_imports_to_the_posts_collected_live(tmp_path: Path) -> None:
    fake = FakeReddit(FakeClock())
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        reddit_world(fake)
        policy = RequestPolicy("Reddit", reddit_limits, clock=fake.clock, shared_limit=True, hide_limit_headers=True)
        credentials = RedditCredentials(Secret("REDDIT_CLIENT_ID", fake.client_id),
                                        Secret("REDDIT_CLIENT_SECRET", fake.client_secret), "socialstage-tests/0.1")
        with Store(tmp_path / "live.db") as live_store:
            [report] = RedditCollector(credentials, policy).collect([OrgAccount("reddit", "u/acme_official")],
                                                                    live_store)
            assert report.status == "ok", report
            live = _posts(live_store)
            live_meta = {pid: live_store.load_post_meta("reddit", pid) for _, pid in live.index}
    # a dump is sorted by time; comments here come before the submissions they answer, on purpose
    lines = [dump_line(t) for t in sorted(fake.things.values(), key=lambda t: (t["kind"], t["data"]["created_utc"]))]
    path = tmp_path / "RC_RS_2023-10.ndjson.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress("".join(json.dumps(x) + "\n" for x in lines).encode()))
    assert sniff(path) == "reddit dump"
    with Store(tmp_path / "imported.db") as store:
        result = import_stream(path, "reddit dump", store, batch_lines=3)  # small batches: parents in other ones
        assert (result.rows_read, result.rejected_count) == (len(lines), 0)
        imported = _posts(store)
        imported_meta = {pid: store.load_post_meta("reddit", pid) for _, pid in live.index}
    assert len(live) == 11
    _same_posts(live, imported)
    assert imported_meta == live_meta
    glad = imported[imported.text.str.startswith("Glad")].iloc[0]
    assert glad.in_reply_to_author == "kim" and glad.conversation_id == imported.loc[
        imported.text == "Best routers 2023"].index[0][1]


def test_post_columns_are_all_compared() -> None:
    assert {"created_at", "text", "in_reply_to_id", "conversation_id", "urls"} <= set(POST_COLUMNS)
