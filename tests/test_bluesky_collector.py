"""The Bluesky collector: the atproto SDK's real client against an HTTP-level fake of XRPC (tests/fake_bluesky.py).

Every test asserts exact request counts; the clock is injected and nothing really sleeps.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses
from fake_bluesky import FakeBluesky, body
from fake_x import FakeClock

from collectors.base import FAILED, OK, SKIPPED, STOPPED, UNAVAILABLE
from collectors.bluesky import PAGE_SIZE, REFRESH_DAYS, THREAD_DEPTH, UNMEASURABLE, BlueskyCollector
from collectors.credentials import BlueskyLogin, CredentialError, Secret
from collectors.ratelimit import RequestPolicy, bluesky_limits
from collectors.records import OrgAccount
from store.database import Store

ACME = OrgAccount("bluesky", "acme.example.com")

pytestmark = pytest.mark.usefixtures("no_real_sleep")  # every wait goes through the fake clock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bsky(clock: FakeClock) -> Iterator[FakeBluesky]:
    fake = FakeBluesky(clock)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake.rsps = rsps  # type: ignore[attr-defined]
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store.db") as opened:
        yield opened


def now(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock.now(), UTC)


def collector(fake: FakeBluesky, *, login: bool = True, max_wait: float | None = 900,
              password: str | None = None) -> BlueskyCollector:
    policy = RequestPolicy("Bluesky", bluesky_limits, clock=fake.clock, max_wait=max_wait, shared_limit=True)
    secret = Secret("BLUESKY_APP_PASSWORD", password or fake.app_password)
    return BlueskyCollector(policy, BlueskyLogin(fake.login_handle, secret) if login else None)


def conversation_world(fake: FakeBluesky) -> dict[str, str]:
    """Acme's posts and the conversation around them; the names of the posts (see the tests' hand counts)."""
    for handle in ("acme.example.com", "jo.bsky.social", "kim.bsky.social", "sam.example.net"):
        fake.actor(handle)
    n = now(fake.clock)
    p: dict[str, str] = {}
    p["A1"] = fake.post("acme.example.com", "Spring sale acme.example.com/sale", n - timedelta(days=3),
                        links=("https://acme.example.com/sale?utm_source=bsky",), likes=4)
    p["J1"] = fake.post("jo.bsky.social", "@acme.example.com my order is late?", n - timedelta(days=2))
    p["A2"] = fake.post("acme.example.com", "Sorry! Checking now ^MS", n - timedelta(days=2, hours=-1),
                        reply_to=p["J1"])
    p["J2"] = fake.post("jo.bsky.social", "Still nothing", n - timedelta(days=2, hours=-2), reply_to=p["A2"])
    p["A3"] = fake.post("acme.example.com", "Refund sent -Maria", n - timedelta(days=2, hours=-3), reply_to=p["J2"])
    p["K1"] = fake.post("kim.bsky.social", "Love it", n - timedelta(days=2, hours=-5), reply_to=p["A1"])
    p["S1"] = fake.post("sam.example.net", "Look at this deal", n - timedelta(days=1), quote=p["A1"])
    p["R1"] = fake.repost("kim.bsky.social", p["A1"], n - timedelta(hours=20))
    p["K2"] = fake.post("kim.bsky.social", "My Acme kettle arrived", n - timedelta(hours=23))
    p["R2"] = fake.repost("acme.example.com", p["K2"], n - timedelta(hours=10))
    p["S2"] = fake.post("sam.example.net", "@acme.example.com do you ship to Norway?", n - timedelta(hours=5))
    return p


def timeline_world(fake: FakeBluesky, posts: int, mentions: int = 0) -> None:
    """Acme with ``posts`` hourly posts (nothing to fetch about them) and ``mentions`` posts mentioning it."""
    fake.actor("acme.example.com")
    fake.actor("jo.bsky.social")
    start = now(fake.clock) - timedelta(hours=posts + mentions + 1)
    for i in range(mentions):
        fake.post("jo.bsky.social", f"@acme.example.com question {i}?", start + timedelta(minutes=30 * i))
    for i in range(posts):
        fake.post("acme.example.com", f"News {i}", start + timedelta(hours=mentions + i))


def snapshot(store: Store) -> list[tuple[str, ...]]:
    frame = store.load_posts().sort_values("post_id")
    return [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]


def rows(store: Store) -> dict[str, dict[str, object]]:
    frame = store.load_posts().set_index("post_id")
    return {str(k): {c: (None if v is None or v != v else v) for c, v in row.items()} for k, row in
            frame.to_dict(orient="index").items()}


# -- records and links ---------------------------------------------------------------------------


def test_every_post_is_stored_with_its_reply_quote_repost_and_conversation_links(
    bsky: FakeBluesky, store: Store
) -> None:
    p = conversation_world(bsky)
    report = collector(bsky).collect([ACME], store)[0]
    assert report.status == OK, report.errors
    assert report.requests == {"profile": 1, "feed": 1, "login": 1, "mentions": 1, "thread": 2, "quotes": 1,
                               "reposts": 1}
    got = rows(store)
    kim_did = bsky.did("kim.bsky.social")
    assert set(got) == {p[k] for k in ("A1", "J1", "A2", "J2", "A3", "K1", "S1", "K2", "R2", "S2")} | {
        f"{p['A1']}/reposted-by/{kim_did}"}
    link = ("in_reply_to_id", "in_reply_to_author", "conversation_id")
    assert [got[p["A2"]][c] for c in link] == [p["J1"], "jo.bsky.social", p["J1"]]
    assert [got[p["J2"]][c] for c in link] == [p["A2"], "acme.example.com", p["J1"]]
    assert [got[p["A3"]][c] for c in link] == [p["J2"], "jo.bsky.social", p["J1"]]
    assert [got[p["K1"]][c] for c in link] == [p["A1"], "acme.example.com", p["A1"]]
    for mention in ("J1", "S2"):  # addressed to the account: no parent, its handle as the target
        assert [got[p[mention]][c] for c in link] == [None, "acme.example.com", p[mention]]
    assert (got[p["S1"]]["quote_of_id"], got[p["S1"]]["quote_of_author"]) == (p["A1"], "acme.example.com")
    repost = got[p["R2"]]
    assert (repost["author"], repost["repost_of_id"], repost["repost_of_author"]) == (
        "acme.example.com", p["K2"], "kim.bsky.social")
    assert repost["created_at"] == now(bsky.clock) - timedelta(hours=10)
    theirs = got[f"{p['A1']}/reposted-by/{kim_did}"]  # getRepostedBy gives who, not when: the post's time
    assert (theirs["author"], theirs["repost_of_id"], theirs["created_at"]) == (
        "kim.bsky.social", p["A1"], got[p["A1"]]["created_at"])
    first = got[p["A1"]]
    assert first["urls"] == "https://acme.example.com/sale?utm_source=bsky"
    assert (first["like_count"], first["reply_count"], first["repost_count"]) == (4, 1, 1)
    assert first["author_id"] == bsky.did("acme.example.com") and first["text"] == "Spring sale acme.example.com/sale"
    assert report.fetched == {"feed": 4, "mentions": 2, "threads": 3, "quotes": 1, "reposts": 1}
    assert report.added == 11 and report.profile["handle"] == "acme.example.com"
    [account] = store.load_accounts([("bluesky", "acme.example.com")])
    assert (account.account_id, account.followers, account.post_count) == (bsky.did("acme.example.com"), 1204, 3)


def test_a_hand_made_feed_page_becomes_posts_with_parents_roots_reposts_quotes_and_links(
    bsky: FakeBluesky, store: Store
) -> None:
    bsky.actors["did:plc:acmeexampleorg000000000a"] = body("profile.json")
    bsky.script("getAuthorFeed", (200, bsky._headers(), body("author_feed_page.json")))
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert report.status == OK and report.fetched["feed"] == 3
    got = rows(store)
    acme, jo = "at://did:plc:acmeexampleorg000000000a/app.bsky.feed.post/", "at://did:plc:joexamplecustomer0000000b/"
    reply = got[acme + "3kreply0000a2"]
    assert (reply["in_reply_to_id"], reply["in_reply_to_author"], reply["conversation_id"]) == (
        jo + "app.bsky.feed.post/3kparent000a2", "jo.bsky.social", jo + "app.bsky.feed.post/3kroot00000a2")
    assert reply["urls"] == "https://acme.example.com/track?utm_source=bsky"
    parent = got[jo + "app.bsky.feed.post/3kparent000a2"]  # the feed's reply.parent and reply.root are stored
    assert parent["text"] == "@acme.example.com where is my parcel?" and parent["in_reply_to_author"] == (
        "jo.bsky.social")
    assert got[jo + "app.bsky.feed.post/3kroot00000a2"]["author"] == "jo.bsky.social"
    repost = got["at://did:plc:acmeexampleorg000000000a/app.bsky.feed.repost/3krepost000a2"]
    assert (repost["repost_of_id"], repost["repost_of_author"]) == (
        "at://did:plc:kimexamplefan00000000000c/app.bsky.feed.post/3kfanpost000a2", "kim.bsky.social")
    assert got[repost["repost_of_id"]]["urls"] == "https://kim.example.org/kettle"  # an external embed's link
    quote = got[acme + "3kquote00000a2"]  # recordWithMedia: a quote with a photo
    assert (quote["quote_of_id"], quote["quote_of_author"]) == (
        "at://did:plc:samexamplephoto0000000d/app.bsky.feed.post/3kphoto00000a2", "sam.example.net")
    assert quote["created_at"] == datetime(2024, 6, 2, 10, 0, 0, 123456, tzinfo=UTC)  # no offset: UTC
    assert got[quote["quote_of_id"]]["text"] == "Unboxing day"
    assert len(got) == 7
    # the reply has a reply (replyCount 1): its thread is fetched; a post with no counts costs nothing
    assert report.requests == {"profile": 1, "feed": 1, "thread": 1}


@pytest.mark.parametrize("posts", [1, 100, 250])
def test_paging_takes_ceil_n_over_100_feed_requests(bsky: FakeBluesky, store: Store, posts: int) -> None:
    timeline_world(bsky, posts, mentions=130)
    report = collector(bsky).collect([ACME], store)[0]
    assert report.requests == {"profile": 1, "feed": -(-posts // 100), "login": 1, "mentions": 2}
    assert report.fetched == {"feed": posts, "mentions": 130}
    assert store.count_posts() == posts + 130
    feed_calls = [json.loads(params) for method, params in bsky.pages if method == "getAuthorFeed"]
    assert all(c["limit"] == str(PAGE_SIZE) and c["filter"] == "posts_with_replies" for c in feed_calls)
    assert len({c.get("cursor") for c in feed_calls}) == len(feed_calls), "a page was fetched twice"


def test_a_second_run_asks_only_for_what_is_new(bsky: FakeBluesky, store: Store) -> None:
    timeline_world(bsky, 250, mentions=12)
    collector(bsky).collect([ACME], store)
    report = collector(bsky).collect([ACME], store)[0]
    # one feed page says nothing is new; the counts of the posts of the last 14 days are read again (25 a request)
    recent = sum(1 for p in bsky.posts.values() if p.did == bsky.did("acme.example.com")
                 and p.created >= now(bsky.clock) - timedelta(days=REFRESH_DAYS))
    assert report.requests == {"profile": 1, "feed": 1, "refresh": -(-recent // 25), "login": 1, "mentions": 1}
    assert report.added == 0 and report.fetched == {"feed": 0, "mentions": 0}
    for i in range(5):
        bsky.post("acme.example.com", f"fresh {i}", now(bsky.clock) - timedelta(minutes=5 - i))
    report = collector(bsky).collect([ACME], store)[0]
    assert report.requests["feed"] == 1 and report.fetched["feed"] == 5 and report.added == 5
    assert store.count_posts() == 250 + 12 + 5


def test_a_new_reply_under_an_older_post_is_fetched_on_the_next_run(bsky: FakeBluesky, store: Store) -> None:
    p = conversation_world(bsky)
    collector(bsky).collect([ACME], store)
    late = bsky.post("jo.bsky.social", "Any news?", now(bsky.clock) - timedelta(minutes=1), reply_to=p["A3"])
    report = collector(bsky).collect([ACME], store)[0]
    assert rows(store)[late]["in_reply_to_id"] == p["A3"]
    assert report.requests == {"profile": 1, "feed": 1, "refresh": 1, "login": 1, "mentions": 1, "thread": 1}
    again = collector(bsky).collect([ACME], store)[0]  # nothing changed: no thread is read again
    assert "thread" not in again.requests


def test_a_reply_under_a_post_older_than_the_refresh_horizon_waits_for_a_new_answer(
    bsky: FakeBluesky, store: Store
) -> None:
    bsky.actor("acme.example.com")
    bsky.actor("jo.bsky.social")
    old = bsky.post("acme.example.com", "Old news", now(bsky.clock) - timedelta(days=REFRESH_DAYS + 5))
    bsky.post("acme.example.com", "Newer news", now(bsky.clock) - timedelta(days=REFRESH_DAYS + 1))
    collector(bsky, login=False).collect([ACME], store)
    bsky.post("jo.bsky.social", "Late reply", now(bsky.clock) - timedelta(hours=1), reply_to=old)
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert report.requests == {"profile": 1, "feed": 1} and store.count_posts() == 2


def test_only_posts_in_the_window_have_their_threads_fetched(bsky: FakeBluesky, store: Store) -> None:
    p = conversation_world(bsky)
    since = now(bsky.clock) - timedelta(days=2, hours=1)  # A1 (3 days old) is out of the window
    report = collector(bsky, login=False).collect([ACME], store, since=since)[0]
    assert report.requests == {"profile": 1, "feed": 1, "thread": 1}
    assert p["K1"] not in rows(store) and p["A1"] not in rows(store)


def test_a_thread_deeper_than_the_depth_is_noted(bsky: FakeBluesky, store: Store) -> None:
    bsky.actor("acme.example.com")
    bsky.actor("jo.bsky.social")
    t0 = now(bsky.clock) - timedelta(days=1)
    parent = bsky.post("acme.example.com", "Ask us anything", t0)
    for level in range(THREAD_DEPTH + 2):
        parent = bsky.post("jo.bsky.social" if level % 2 == 0 else "acme.example.com", f"level {level}",
                           t0 + timedelta(minutes=level + 1), reply_to=parent)
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert any(f"more than {THREAD_DEPTH} levels deep" in n for n in report.notes)


# -- mentions and login ----------------------------------------------------------------------------


def test_without_a_login_mentions_are_unmeasurable_and_no_search_is_made(bsky: FakeBluesky, store: Store) -> None:
    p = conversation_world(bsky)
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert report.status == OK and report.missing == [UNMEASURABLE]
    assert "searchPosts" not in bsky.by_method and "createSession" not in bsky.by_method
    assert p["S2"] not in rows(store) and p["J1"] in rows(store)  # the answered mention came as a reply's parent


def test_a_rejected_login_names_the_variables_and_masks_the_password(bsky: FakeBluesky, store: Store) -> None:
    conversation_world(bsky)
    planted = "wxyz-plnt-dnvr-leak"
    with pytest.raises(CredentialError) as caught:
        collector(bsky, password=planted).collect([ACME], store)
    message = str(caught.value)
    assert "BLUESKY_HANDLE" in message and "BLUESKY_APP_PASSWORD" in message and "Invalid identifier" in message
    assert planted not in message and "****" in message
    assert store.count_posts() == 0 and dict(bsky.by_method) == {"createSession": 1}  # checked first


def test_a_refused_search_is_listed_missing_and_the_rest_collected(bsky: FakeBluesky, store: Store) -> None:
    conversation_world(bsky)
    bsky.script("searchPosts", (403, {}, {"error": "Forbidden", "message": "Search is not available"}))
    report = collector(bsky).collect([ACME], store)[0]
    assert report.status == OK and report.missing == [
        "mentions: Bluesky refused the search (403 Forbidden: Search is not available)"]
    assert report.requests["thread"] == 2


# -- rate limits, retries, dropped connections -------------------------------------------------------


def test_429_with_reset_headers_waits_until_the_reset(bsky: FakeBluesky, store: Store, clock: FakeClock) -> None:
    timeline_world(bsky, 250)
    bsky.script("getAuthorFeed", (429, bsky._headers(remaining=0, reset=clock.now() + 120),
                                  body("rate_limit_exceeded_429.json")))
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert clock.total_slept == 120
    assert report.requests["feed"] == 4 and report.fetched["feed"] == 250 and report.status == OK


def test_429_without_reset_headers_backs_off_exponentially(bsky: FakeBluesky, store: Store, clock: FakeClock) -> None:
    timeline_world(bsky, 50)
    bare = (429, {}, body("rate_limit_exceeded_429.json"))
    bsky.script("getAuthorFeed", bare, bare, bare)
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert report.requests["feed"] == 4 and report.status == OK and report.fetched["feed"] == 50
    assert clock.total_slept == 5 + 10 + 20


def test_a_spent_budget_waits_for_the_reset_without_spending_a_request(
    bsky: FakeBluesky, store: Store, clock: FakeClock
) -> None:
    timeline_world(bsky, 150)
    bsky.remaining = 0  # every answer says the budget is spent: each next request waits for the reset (+300 s)
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert report.requests == {"profile": 1, "feed": 2} and report.fetched["feed"] == 150
    assert clock.total_slept == 2 * 300
    assert not any(status == 429 for status in [c.response.status_code for c in bsky.rsps.calls])  # type: ignore


def test_a_wait_past_max_wait_stops_cleanly_and_the_next_run_resumes_without_refetching(
    bsky: FakeBluesky, tmp_path: Path, clock: FakeClock
) -> None:
    timeline_world(bsky, 250, mentions=3)
    bsky.actor("acme.news")
    bsky.post("acme.news", "hello", now(clock) - timedelta(hours=1))
    with Store(tmp_path / "whole.db") as whole:
        collector(bsky).collect([ACME, OrgAccount("bluesky", "acme.news")], whole)
        expected = snapshot(whole)
    bsky.pages.clear()
    with Store(tmp_path / "stopped.db") as store:
        original = bsky._getAuthorFeed

        def second_page_limited(params):  # type: ignore[no-untyped-def]
            if "cursor" in params and not bsky.scripted["limited"]:
                bsky.scripted["limited"].append(True)
                return 429, bsky._headers(remaining=0, reset=clock.now() + 2000), json.dumps(
                    body("rate_limit_exceeded_429.json"))
            return original(params)

        bsky._getAuthorFeed = second_page_limited  # type: ignore[method-assign]
        reports = collector(bsky, max_wait=60).collect([ACME, OrgAccount("bluesky", "acme.news")], store)
        assert [r.status for r in reports] == [STOPPED, SKIPPED]
        assert "longer than --max-wait" in reports[0].errors[0] and store.count_posts() == 100
        clock.sleep(2000)
        reports = collector(bsky, max_wait=60).collect([ACME, OrgAccount("bluesky", "acme.news")], store)
        assert [r.status for r in reports] == [OK, OK]
        assert reports[0].requests["feed"] == 2  # pages 2 and 3: page 1 is not fetched again
        assert snapshot(store) == expected


def test_a_run_stopped_mid_feed_keeps_its_since_when_resumed_without_it(
    bsky: FakeBluesky, store: Store, clock: FakeClock
) -> None:
    timeline_world(bsky, 300)  # hourly posts: 300 hours back
    since = now(clock) - timedelta(hours=250)
    original = bsky._getAuthorFeed
    limited = []

    def second_page_limited(params):  # type: ignore[no-untyped-def]
        if "cursor" in params and not limited:
            limited.append(True)
            return 429, bsky._headers(remaining=0, reset=clock.now() + 2000), json.dumps(
                body("rate_limit_exceeded_429.json"))
        return original(params)

    bsky._getAuthorFeed = second_page_limited  # type: ignore[method-assign]
    report = collector(bsky, login=False, max_wait=60).collect([ACME], store, since=since)[0]
    assert report.status == STOPPED and store.count_posts() == 100
    clock.sleep(2000)
    report = collector(bsky, login=False).collect([ACME], store)[0]  # resumed without --since
    assert report.status == OK and report.requests["feed"] == 2
    oldest = store.load_posts()["created_at"].min()
    assert oldest >= since and store.count_posts() == 249  # posts 51 to 299 (hourly, from 301 h ago)


def test_server_errors_and_dropped_connections_are_retried(bsky: FakeBluesky, store: Store, clock: FakeClock) -> None:
    timeline_world(bsky, 150)
    bsky.script("getAuthorFeed", (502, {}, body("upstream_failure_502.json")), requests.ConnectionError("reset"))
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert report.status == OK and report.requests["feed"] == 4 and clock.total_slept == 1 + 2


def test_a_server_that_keeps_failing_fails_the_account_and_a_rerun_resumes(bsky: FakeBluesky, store: Store) -> None:
    timeline_world(bsky, 150)
    original = bsky._getAuthorFeed
    bsky._getAuthorFeed = lambda params: (  # type: ignore[method-assign]
        (502, bsky._headers(), json.dumps(body("upstream_failure_502.json"))) if "cursor" in params
        else original(params))
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert report.status == FAILED and "502" in report.errors[0] and store.count_posts() == 100
    bsky._getAuthorFeed = original  # type: ignore[method-assign]
    report = collector(bsky, login=False).collect([ACME], store)[0]
    assert report.status == OK and report.requests["feed"] == 1 and store.count_posts() == 150


def test_a_run_killed_at_any_request_and_rerun_loses_nothing_and_fetches_no_page_twice(tmp_path: Path) -> None:
    def world() -> FakeBluesky:
        fake = FakeBluesky(FakeClock())
        first = conversation_world(fake)["A1"]
        timeline_world(fake, 230, mentions=120)
        for i in range(130):  # two pages of quotes
            fake.post("jo.bsky.social", f"quote {i}", now(fake.clock) - timedelta(hours=30, minutes=i), quote=first)
        return fake

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = world()
        fake.install(rsps)
        with Store(tmp_path / "whole.db") as whole:
            collector(fake).collect([ACME], whole)
            expected, total = snapshot(whole), fake.served
    assert total == 1 + 1 + 3 + 2 + 2 + 2 + 1  # login, profile, feed, mentions, threads, quotes, reposts
    for kill_at in range(1, total + 1):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, \
                Store(tmp_path / f"killed{kill_at}.db") as store:
            fake = world()
            fake.install(rsps)
            fake.interrupt_at = kill_at
            with pytest.raises(KeyboardInterrupt):
                collector(fake).collect([ACME], store)
            fake.interrupt_at = None
            collector(fake).collect([ACME], store)
            assert snapshot(store) == expected, kill_at
            pages = Counter(fake.pages)
            twice = [page for page, n in pages.items() if n > 1 and not (
                page[0] in ("getProfile", "getPosts") or (page[0] in ("getAuthorFeed", "searchPosts")
                                                          and "cursor" not in json.loads(page[1])))]
            assert not twice, f"fetched twice after a kill at request {kill_at}: {twice}"


# -- accounts --------------------------------------------------------------------------------------


def test_a_missing_and_a_suspended_account_are_reported_and_the_others_collected(
    bsky: FakeBluesky, store: Store
) -> None:
    conversation_world(bsky)
    gone = bsky.actor("gone.bsky.social")
    bsky.suspended.add(gone)
    accounts = [ACME, OrgAccount("bluesky", "nobody.bsky.social"), OrgAccount("bluesky", "gone.bsky.social")]
    reports = collector(bsky, login=False).collect(accounts, store)
    assert [r.status for r in reports] == [OK, UNAVAILABLE, UNAVAILABLE]
    assert reports[1].errors == ["not collected: Bluesky says Profile not found (400 InvalidRequest)"]
    assert reports[2].errors == ["not collected: Bluesky says Account has been suspended (400 AccountTakedown)"]
    assert reports[1].requests == {"profile": 1}


def test_an_account_given_as_a_did_is_collected_under_the_same_cursors(bsky: FakeBluesky, store: Store) -> None:
    conversation_world(bsky)
    did = bsky.did("acme.example.com")
    first = collector(bsky, login=False).collect([OrgAccount("bluesky", did)], store)[0]
    assert first.status == OK and first.profile["handle"] == "acme.example.com"
    again = collector(bsky, login=False).collect([ACME], store)[0]  # by handle: the DID's cursors are used
    assert again.fetched["feed"] == 0 and again.added == 0


def test_collection_efficiency_figures_are_the_api_minimum() -> None:
    """The Bluesky figures bench/bench_collect.py records: requests equal the API minimum."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_collect", Path(__file__).parents[1] / "bench" /
                                                  "bench_collect.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # 100 posts, 30 mentions: profile, 1 feed page, login, 1 search page, 20 threads, 10 quotes, 5 reposts;
    # the second run: profile, feed, login, search (the posts are older than the refresh horizon)
    assert bench.bluesky_scenario(100, 30) == (165, 39, 39, 4)


def test_an_author_whose_handle_no_longer_resolves_is_named_by_its_did() -> None:
    from collectors.bluesky_records import Authors, post_record

    view = body("post_view.json")
    view["author"]["handle"] = "handle.invalid"
    post = post_record(view, Authors())
    assert post is not None and post.author == "did:plc:acmeexampleorg000000000a"


def test_the_login_needs_both_variables_or_neither() -> None:
    from collectors.credentials import bluesky_login

    assert bluesky_login({}) is None and bluesky_login({"BLUESKY_HANDLE": " "}) is None
    login = bluesky_login({"BLUESKY_HANDLE": "@auditor.example.net", "BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"})
    assert login is not None and login.handle == "auditor.example.net"
    assert "abcd-efgh-ijkl-mnop" not in repr(login) and "abcd-efgh-ijkl-mnop" not in str(login.password)
    with pytest.raises(CredentialError, match="BLUESKY_HANDLE is not set but BLUESKY_APP_PASSWORD is"):
        bluesky_login({"BLUESKY_APP_PASSWORD": "abcd-efgh-ijkl-mnop"})
