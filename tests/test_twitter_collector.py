"""The X collector: tweepy's real Client against an HTTP-level fake of API v2 (tests/fake_x.py).

Every test asserts exact request counts; the clock is injected and nothing really sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import requests
import responses
from fake_x import FakeClock, FakeX, body

from collectors.base import FAILED, OK, SKIPPED, STOPPED, UNAVAILABLE
from collectors.credentials import CredentialError, Secret
from collectors.ratelimit import RequestPolicy, x_limits
from collectors.records import OrgAccount
from collectors.twitter import TwitterCollector, snowflake_for, snowflake_time
from store.database import Store

ACME = OrgAccount("twitter", "AcmeHelp")

pytestmark = pytest.mark.usefixtures("no_real_sleep")  # every wait goes through the fake clock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def x(clock: FakeClock) -> Iterator[FakeX]:
    fake = FakeX(clock)
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


def collector(fake: FakeX, *, max_wait: float | None = 900, token: str | None = None) -> TwitterCollector:
    policy = RequestPolicy("X", x_limits, clock=fake.clock, max_wait=max_wait)
    return TwitterCollector(Secret("X_BEARER_TOKEN", token or fake.token), policy)


def calls(fake: FakeX, endpoint: str | None = None) -> list[dict[str, str]]:
    """The query parameters of the requests made (to one endpoint: users, tweets, mentions, search)."""
    found = []
    for call in fake.rsps.calls:  # type: ignore[attr-defined]
        path = urlparse(call.request.url).path
        kind = ("users" if path.endswith("/users/by") else "search" if "search" in path
                else path.rsplit("/", 1)[-1])
        if endpoint is None or kind == endpoint:
            found.append({k: v[0] for k, v in parse_qs(urlparse(call.request.url).query).items()})
    return found


def timeline_world(fake: FakeX, posts: int, mentions: int = 0) -> None:
    """AcmeHelp with ``posts`` hourly posts and ``mentions`` questions from jo, all in the last days."""
    fake.user("AcmeHelp", "1000")
    fake.user("jo", "2000")
    start = now(fake.clock) - timedelta(hours=posts + mentions + 1)
    for i in range(mentions):
        fake.tweet("jo", f"@AcmeHelp question {i}?", start + timedelta(minutes=30 * i))
    for i in range(posts):
        fake.tweet("AcmeHelp", f"News {i}: https://acme.example", start + timedelta(hours=mentions + i))


def snapshot(store: Store) -> list[tuple[object, ...]]:
    frame = store.load_posts().sort_values("post_id")
    return [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]


# -- records and paging ------------------------------------------------------------------------


def test_a_page_becomes_posts_with_targets_authors_urls_polls_and_referenced_posts(x: FakeX, store: Store) -> None:
    x.user("AcmeHelp", "2244994945")
    x.script("tweets", (200, x._headers(), body("timeline_page.json")), (200, x._headers(), body("empty_page.json")))
    report = collector(x).collect([ACME], store)[0]
    assert report.status == OK and report.fetched["timeline"] == 3
    posts = store.load_posts().set_index("post_id")
    reply, repost, quote = posts.loc["1578900000000000003"], posts.loc["1578900000000000002"], posts.loc[
        "1578900000000000001"]
    assert (reply.author, reply.in_reply_to_id, reply.in_reply_to_author) == ("AcmeHelp", "1578800000000000001",
                                                                              "jo_smith")
    assert reply.urls == "https://acme.example/help?utm_source=x" and reply.conversation_id == "1578800000000000001"
    assert (reply.like_count, reply.reply_count) == (2, 1)
    assert (repost.repost_of_id, repost.repost_of_author, repost.repost_count) == ("1578700000000000009", "fan_ann", 12)
    assert (quote.quote_of_id, quote.quote_of_author, bool(quote.is_poll)) == ("1578700000000000008", "devnews", True)
    parent = posts.loc["1578800000000000001"]  # the customer post answered, from includes.tweets
    assert (parent.author, parent.text) == ("jo_smith", "@AcmeHelp my password reset link never arrives?")
    assert len(posts) == 6
    second = calls(x, "tweets")[1]
    assert second["pagination_token"] == "7140dibdnow9c7btw4232poeq0wapgnwgwqwvuwn3peex"
    assert second["max_results"] == "100"
    assert {"referenced_tweets", "in_reply_to_user_id", "entities", "attachments", "conversation_id",
            "public_metrics"} <= set(second["tweet.fields"].split(","))
    assert "referenced_tweets.id.author_id" in second["expansions"].split(",")


@pytest.mark.parametrize("posts", [1, 100, 250, 1000])
def test_paging_takes_ceil_n_over_100_timeline_requests(x: FakeX, store: Store, posts: int) -> None:
    timeline_world(x, posts, mentions=30)
    report = collector(x).collect([ACME], store)[0]
    assert report.requests == {"profile": 1, "timeline": -(-posts // 100), "mentions": 1, "replies": 1}
    assert len(x.rsps.calls) == 3 + -(-posts // 100)  # type: ignore[attr-defined]
    assert report.fetched == {"timeline": posts, "mentions": 30, "replies": 0}
    assert store.count_posts() == posts + 30
    assert all(c["max_results"] == "100" for c in calls(x) if "max_results" in c)
    tokens = [c.get("pagination_token") for c in calls(x, "tweets")]
    assert len(set(tokens)) == len(tokens), "a page was fetched twice"


def test_a_second_run_asks_only_for_what_is_new(x: FakeX, store: Store) -> None:
    timeline_world(x, 250, mentions=12)
    collector(x).collect([ACME], store)
    first = len(x.rsps.calls)  # type: ignore[attr-defined]
    newest = max(t["id"] for t in x.tweets.values() if t["author_id"] == "1000")
    report = collector(x).collect([ACME], store)[0]
    assert report.requests == {"profile": 1, "timeline": 1, "mentions": 1, "replies": 1}
    assert len(x.rsps.calls) == first + 4  # type: ignore[attr-defined]
    assert calls(x, "tweets")[-1]["since_id"] == newest and report.added == 0
    for i in range(5):
        x.tweet("AcmeHelp", f"fresh {i}", now(x.clock) - timedelta(minutes=5 - i))
    report = collector(x).collect([ACME], store)[0]
    assert report.requests["timeline"] == 1 and report.fetched["timeline"] == 5 and report.added == 5
    assert store.count_posts() == 250 + 12 + 5


def test_posts_counts_every_post_stored_so_it_is_never_smaller_than_new(x: FakeX, store: Store) -> None:
    x.user("AcmeHelp", "1000")
    x.user("jo", "2000")
    for i in range(3):  # customers' posts that reach the store only as the targets of the org's replies
        asked = x.tweet("jo", f"my order {i} is late", now(x.clock) - timedelta(hours=5 - i))
        x.tweet("AcmeHelp", f"@jo sorry about order {i}", now(x.clock) - timedelta(hours=4 - i), reply_to=asked["id"])
    report = collector(x).collect([ACME], store)[0]
    assert report.fetched["timeline"] == 3 and report.added == 6
    assert report.posts == 6 and report.as_dict()["posts"] == 6


def test_the_history_caps_are_noted(x: FakeX, store: Store) -> None:
    timeline_world(x, 3300)
    report = collector(x).collect([ACME], store)[0]
    assert report.requests["timeline"] == 32 and report.fetched["timeline"] == 3200
    assert any("~3,200" in n for n in report.notes)
    assert any("last 7 days" in n for n in report.notes)


def test_notes_are_written_as_they_arise_so_a_killed_run_keeps_them(x: FakeX, store: Store) -> None:
    timeline_world(x, 20)
    x.user("AcmeNews", "3000")
    x.interrupt_at = 5  # users, AcmeHelp's timeline, mentions and replies, then killed at AcmeNews's timeline
    with pytest.raises(KeyboardInterrupt):
        collector(x).collect([ACME, OrgAccount("twitter", "AcmeNews")], store)
    [logged] = store.load_collections([("twitter", "AcmeHelp")])
    assert logged["notes"] == ["replies: X's recent search covers the last 7 days only"]


# -- rate limits, retries, dropped connections -------------------------------------------------


def test_429_with_a_reset_header_waits_until_the_reset(x: FakeX, store: Store, clock: FakeClock) -> None:
    timeline_world(x, 250)
    x.script("tweets", (429, x._headers(remaining=0, reset=clock.now() + 120), body("too_many_requests_429.json")))
    report = collector(x).collect([ACME], store)[0]
    assert clock.total_slept == 120
    assert report.requests["timeline"] == 4 and report.fetched["timeline"] == 250 and report.status == OK


def test_a_spent_budget_waits_for_the_reset_without_spending_a_request(
    x: FakeX, store: Store, clock: FakeClock
) -> None:
    timeline_world(x, 150)
    x.remaining = 0  # every answer says the budget is spent; the next request on the endpoint waits
    report = collector(x).collect([ACME], store)[0]
    assert report.requests["timeline"] == 2 and report.fetched["timeline"] == 150
    assert clock.total_slept == 900  # one wait between the two timeline pages (reset = now + 900)


def test_a_spent_budget_is_remembered_by_the_next_run_so_no_request_is_wasted_on_a_429(
    x: FakeX, store: Store, clock: FakeClock
) -> None:
    timeline_world(x, 150)
    x.remaining = 0  # every answer says the budget is spent until now + 900
    assert collector(x, max_wait=60).collect([ACME], store)[0].status == STOPPED
    served = len(x.rsps.calls)  # type: ignore[attr-defined]
    x.script("tweets", (429, x._headers(remaining=0), body("too_many_requests_429.json")))
    report = collector(x, max_wait=60).collect([ACME], store)[0]  # a new process, before the reset
    assert report.status == STOPPED and "--max-wait" in report.errors[0]
    assert len(x.rsps.calls) == served and x.scripted["tweets"]  # type: ignore[attr-defined]
    clock.sleep(900)
    assert collector(x, max_wait=60).collect([ACME], store)[0].requests.get("timeline") == 2  # 429, then page 2


def test_429_without_a_reset_header_backs_off_exponentially(x: FakeX, store: Store, clock: FakeClock) -> None:
    timeline_world(x, 50)
    bare = (429, {}, body("too_many_requests_429.json"))
    x.script("tweets", bare, bare, bare)
    report = collector(x).collect([ACME], store)[0]
    assert report.requests["timeline"] == 4 and report.status == OK
    assert clock.total_slept == 5 + 10 + 20


def test_429_without_a_reset_header_gives_up_after_six_refusals_never_looping(
    x: FakeX, store: Store, clock: FakeClock
) -> None:
    timeline_world(x, 50)
    x.script("tweets", *[(429, {}, body("too_many_requests_429.json"))] * 10)
    report = collector(x).collect([ACME], store)[0]
    assert report.status == STOPPED and "after 6 tries" in report.errors[0]
    assert report.requests["timeline"] == 6
    assert clock.total_slept == 5 + 10 + 20 + 40 + 80


def test_a_monthly_usage_cap_stops_at_once_and_says_so(x: FakeX, store: Store, clock: FakeClock) -> None:
    timeline_world(x, 150)
    x.user("AcmeNews", "3000")
    # X answers a spent monthly cap with 429 and its rate-limit headers show budget left: waiting cannot help.
    x.script("tweets", (429, x._headers(remaining=1499, reset=clock.now() + 600), body("usage_capped_429.json")))
    reports = collector(x).collect([ACME, OrgAccount("twitter", "AcmeNews")], store)
    assert [r.status for r in reports] == [STOPPED, SKIPPED]
    assert "monthly usage cap" in reports[0].errors[0] and "UsageCapExceeded" in reports[0].errors[0]
    assert clock.total_slept == 0 and reports[0].requests["timeline"] == 1


def test_a_wait_past_max_wait_stops_cleanly_and_the_next_run_resumes(x: FakeX, store: Store, tmp_path: Path) -> None:
    timeline_world(x, 250, mentions=5)
    x.user("AcmeNews", "3000")
    x.tweet("AcmeNews", "hello", now(x.clock) - timedelta(hours=1))
    page = x._page  # serve page 1, then a 429 that resets in 2000 s

    def page_then_limit(request, kind, items, cap, token_name):  # type: ignore[no-untyped-def]
        if "pagination_token" in request.url:
            return 429, x._headers(remaining=0, reset=x.clock.now() + 2000), '{"title": "Too Many Requests"}'
        return page(request, kind, items, cap, token_name)

    x._page = page_then_limit  # type: ignore[method-assign]
    reports = collector(x, max_wait=60).collect([ACME, OrgAccount("twitter", "AcmeNews")], store)
    assert [r.status for r in reports] == [STOPPED, SKIPPED]
    assert "--max-wait" in reports[0].errors[0] and x.clock.total_slept == 0
    assert store.count_posts() == 100
    assert store.load_progress("twitter", "AcmeHelp", "timeline") is not None
    x._page = page  # type: ignore[method-assign]
    x.clock.sleep(2000)
    reports = collector(x, max_wait=60).collect([ACME, OrgAccount("twitter", "AcmeNews")], store)
    assert [r.status for r in reports] == [OK, OK]
    assert reports[0].requests["timeline"] == 2  # the two pages left, not page 1 again
    own_ids = sorted((t["id"] for t in x.tweets.values() if t["author_id"] == "1000"), key=int, reverse=True)
    assert calls(x, "tweets")[2]["until_id"] == own_ids[99]  # the oldest post saved before the stop
    assert store.count_posts() == 250 + 5 + 1


def test_a_run_stopped_under_since_resumes_under_the_same_date_floor(x: FakeX, store: Store) -> None:
    timeline_world(x, 250)
    since = now(x.clock) - timedelta(hours=180)
    page = x._page

    def page_then_limit(request, kind, items, cap, token_name):  # type: ignore[no-untyped-def]
        if "pagination_token" in request.url:
            return 429, x._headers(remaining=0, reset=x.clock.now() + 2000), '{"title": "Too Many Requests"}'
        return page(request, kind, items, cap, token_name)

    x._page = page_then_limit  # type: ignore[method-assign]
    assert collector(x, max_wait=60).collect([ACME], store, since=since)[0].status == STOPPED
    x._page = page  # type: ignore[method-assign]
    x.clock.sleep(2000)
    report = collector(x, max_wait=60).collect([ACME], store)[0]  # resumed without --since
    assert report.status == OK
    stored = store.load_posts()
    assert (stored["created_at"] >= since).all()  # nothing older than the floor the run started under
    in_window = [t for t in x.tweets.values() if datetime.fromisoformat(t["created_at"]) >= since]
    assert len(stored) == len(in_window) and report.requests["timeline"] == 1


def test_503_then_success_is_retried_once(x: FakeX, store: Store, clock: FakeClock) -> None:
    timeline_world(x, 150)
    x.script("tweets", (503, {}, body("service_unavailable_503.json")))
    report = collector(x).collect([ACME], store)[0]
    assert report.requests["timeline"] == 3 and report.status == OK and report.fetched["timeline"] == 150
    assert clock.total_slept == 1


def test_a_connection_dropped_mid_paging_is_retried(x: FakeX, store: Store, clock: FakeClock) -> None:
    timeline_world(x, 250)
    page = x._page
    dropped = []

    def drop_once(request, kind, items, cap, token_name):  # type: ignore[no-untyped-def]
        if kind == "tweets" and "pagination_token" in request.url and not dropped:
            dropped.append(1)
            raise requests.ConnectionError("Connection aborted: RemoteDisconnected")
        return page(request, kind, items, cap, token_name)

    x._page = drop_once  # type: ignore[method-assign]
    report = collector(x).collect([ACME], store)[0]
    assert report.requests["timeline"] == 4 and report.fetched["timeline"] == 250 and clock.total_slept == 1


def test_a_connection_that_stays_down_fails_the_account_and_a_rerun_resumes(x: FakeX, store: Store) -> None:
    timeline_world(x, 250)
    page = x._page

    def down_after_page_one(request, kind, items, cap, token_name):  # type: ignore[no-untyped-def]
        if kind == "tweets" and "pagination_token" in request.url:
            raise requests.ConnectionError("Connection reset by peer")
        return page(request, kind, items, cap, token_name)

    x._page = down_after_page_one  # type: ignore[method-assign]
    report = collector(x).collect([ACME], store)[0]
    assert report.status == FAILED and "connection failed 4 times" in report.errors[0]
    assert report.requests == {"profile": 1, "timeline": 5} and store.count_posts() == 100
    x._page = page  # type: ignore[method-assign]
    report = collector(x).collect([ACME], store)[0]
    assert report.status == OK and report.requests["timeline"] == 2 and store.count_posts() == 250


def test_a_run_killed_at_any_request_and_rerun_ends_with_the_uninterrupted_posts(tmp_path: Path) -> None:
    def world(clock: FakeClock) -> FakeX:
        fake = FakeX(clock)
        timeline_world(fake, 230, mentions=120)
        return fake

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = world(FakeClock())
        fake.install(rsps)
        with Store(tmp_path / "whole.db") as whole:
            collector(fake).collect([ACME], whole)
            expected, total = snapshot(whole), len(rsps.calls)
    assert total == 1 + 3 + 2 + 1
    for kill_at in range(1, total + 1):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, \
                Store(tmp_path / f"killed{kill_at}.db") as store:
            fake = world(FakeClock())
            fake.install(rsps)
            fake.interrupt_at = kill_at
            with pytest.raises(KeyboardInterrupt):
                collector(fake).collect([ACME], store)
            fake.interrupt_at = None
            collector(fake).collect([ACME], store)
            assert snapshot(store) == expected, kill_at
            assert len(fake.served_ids) == len(set(fake.served_ids)), f"a post was served twice ({kill_at})"
            # Beyond the uninterrupted run's requests: the killed one, the rerun's profile lookup, and one
            # "anything new?" request per endpoint finished before the kill (timeline after 4, mentions after 6).
            extra = 1 + (kill_at > 1) + (kill_at > 4) + (kill_at > 6)
            assert len(rsps.calls) == total + extra, kill_at


# -- accounts and access -----------------------------------------------------------------------


def test_a_suspended_and_a_missing_account_are_reported_and_the_others_collected(x: FakeX, store: Store) -> None:
    timeline_world(x, 20)
    x.user("AcmeNews", "3000")
    x.tweet("AcmeNews", "hello", now(x.clock) - timedelta(hours=1))
    x.suspended.add("acme_gone")
    accounts = [ACME, OrgAccount("twitter", "acme_gone"), OrgAccount("twitter", "acme_nobody"),
                OrgAccount("twitter", "AcmeNews")]
    reports = collector(x).collect(accounts, store)
    assert [r.status for r in reports] == [OK, UNAVAILABLE, UNAVAILABLE, OK]
    assert "User has been suspended: [acme_gone]." in reports[1].errors[0]
    assert "Could not find user with usernames: [acme_nobody]." in reports[2].errors[0]
    assert len(calls(x, "users")) == 1  # one lookup for the four accounts
    assert calls(x, "users")[0]["usernames"] == "AcmeHelp,acme_gone,acme_nobody,AcmeNews"
    assert reports[1].request_count == reports[2].request_count == 0
    assert store.count_posts() == 21


def test_a_rejected_token_names_the_variable_and_masks_the_token(x: FakeX, store: Store) -> None:
    timeline_world(x, 5)
    wrong = "AAAAAAAAAAAAAAAAAAAAAWrongTokenWrongTokenWrong1234"
    with pytest.raises(CredentialError) as caught:
        collector(x, token=wrong).collect([ACME], store)
    message = str(caught.value)
    assert "X_BEARER_TOKEN" in message and "401" in message and "****1234" in message
    assert wrong not in message and wrong[:-4] not in message
    assert len(x.rsps.calls) == 1  # type: ignore[attr-defined]


def test_a_forbidden_endpoint_is_reported_missing_and_the_rest_collected(x: FakeX, store: Store) -> None:
    timeline_world(x, 120, mentions=3)
    x.forbidden.add("search")
    report = collector(x).collect([ACME], store)[0]
    assert report.status == OK
    assert report.missing == [
        "replies: forbidden by your X access level (403 Forbidden: Client Forbidden, client-not-enrolled)"
    ]
    assert report.fetched == {"timeline": 120, "mentions": 3}
    assert report.requests == {"profile": 1, "timeline": 2, "mentions": 1, "replies": 1}


def test_an_account_whose_every_endpoint_is_refused_is_refused_not_ok(x: FakeX, store: Store) -> None:
    timeline_world(x, 20, mentions=2)
    x.forbidden.update({"tweets", "mentions", "search"})
    report = collector(x).collect([ACME], store)[0]
    assert report.status == "refused" and report.posts == 0
    assert "refused" in report.errors[0] and "403" in report.errors[0]
    assert len(report.missing) == 3


def test_replies_come_from_recent_search_on_to_handle(x: FakeX, store: Store) -> None:
    timeline_world(x, 3)
    own = [t for t in x.tweets.values() if t["author_id"] == "1000"][-1]
    x.tweet("jo", "@AcmeHelp thanks for this", now(x.clock) - timedelta(minutes=10), reply_to=own["id"])
    report = collector(x).collect([ACME], store)[0]
    assert calls(x, "search")[0]["query"] == "to:AcmeHelp"
    assert report.fetched["replies"] == 1
    reply = store.load_posts().set_index("text").loc["@AcmeHelp thanks for this"]
    assert (reply.in_reply_to_id, reply.in_reply_to_author) == (own["id"], "AcmeHelp")


def test_collection_efficiency_figures_are_the_api_minimum() -> None:
    """The X figures bench/bench_collect.py records: requests equal the API minimum; a second run, one per endpoint."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_collect", Path(__file__).parents[1] / "bench" /
                                                  "bench_collect.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.x_scenario(1000, 500) == (1500, 17, 17, 4)  # posts, requests, API minimum, second run
    assert bench.reddit_scenario(5, 120, 3) == (128, 11, 11, 4)  # token, profile, 1+2 pages, 1 parents, 5 trees


def test_since_becomes_a_since_id_because_x_refuses_start_time_with_ids(x: FakeX, store: Store) -> None:
    timeline_world(x, 240, mentions=10)  # hourly posts over the last ten days
    since = now(x.clock) - timedelta(hours=100)
    report = collector(x).collect([ACME], store, since=since)[0]
    first = calls(x, "tweets")[0]
    assert first["since_id"] == snowflake_for(since) and "start_time" not in first
    assert report.fetched["timeline"] == sum(1 for t in x.tweets.values() if t["author_id"] == "1000"
                                             and snowflake_time(t["id"]) >= since)
    assert report.status == OK and report.requests["timeline"] == 1


def test_recent_search_never_sends_an_id_older_than_its_window(x: FakeX, store: Store) -> None:
    timeline_world(x, 3)
    own = [t for t in x.tweets.values() if t["author_id"] == "1000"][-1]
    x.tweet("jo", "@AcmeHelp thanks", now(x.clock) - timedelta(hours=1), reply_to=own["id"])
    collector(x).collect([ACME], store)
    x.clock.sleep(10 * 86400)  # ten days later the replies cursor is older than the 7-day window
    later = x.tweet("jo", "@AcmeHelp and again", now(x.clock) - timedelta(hours=1), reply_to=own["id"])
    report = collector(x).collect([ACME], store, since=now(x.clock) - timedelta(days=30))[0]
    search = calls(x, "search")[-1]
    assert "since_id" not in search and report.status == OK and report.fetched["replies"] == 1
    assert store.get_cursor("twitter", "AcmeHelp", "replies") == later["id"]


def test_a_search_left_unfinished_past_its_window_is_closed_and_the_new_replies_fetched(
    x: FakeX, store: Store
) -> None:
    timeline_world(x, 3)
    own = [t for t in x.tweets.values() if t["author_id"] == "1000"][-1]
    for i in range(150):
        x.tweet("jo", f"@AcmeHelp reply {i}", now(x.clock) - timedelta(hours=20, minutes=-i), reply_to=own["id"])
    page = x._page

    def limit_search_page_two(request, kind, items, cap, token_name):  # type: ignore[no-untyped-def]
        if kind == "search" and "next_token" in request.url:
            return 429, x._headers(remaining=0, reset=x.clock.now() + 5000), "{}"
        return page(request, kind, items, cap, token_name)

    x._page = limit_search_page_two  # type: ignore[method-assign]
    assert collector(x, max_wait=60).collect([ACME], store)[0].status == STOPPED
    assert store.load_progress("twitter", "AcmeHelp", "replies") is not None
    x._page = page  # type: ignore[method-assign]
    x.clock.sleep(10 * 86400)
    fresh = x.tweet("jo", "@AcmeHelp new one", now(x.clock) - timedelta(hours=1), reply_to=own["id"])
    report = collector(x).collect([ACME], store)[0]
    assert report.status == OK and report.requests["replies"] == 1 and report.fetched["replies"] == 1
    assert "until_id" not in calls(x, "search")[-1]
    assert store.load_progress("twitter", "AcmeHelp", "replies") is None
    assert store.get_cursor("twitter", "AcmeHelp", "replies") == fresh["id"]
