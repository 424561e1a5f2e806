"""The Reddit collector: praw and prawcore's real code against an HTTP-level fake of Reddit's OAuth API
(tests/fake_reddit.py). Exact request counts; the clock is injected and nothing really sleeps.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest
import requests
import responses
from fake_reddit import FakeReddit, body
from fake_x import FakeClock

from collectors.base import FAILED, OK, UNAVAILABLE, CollectorError
from collectors.credentials import CredentialError, RedditCredentials, Secret
from collectors.ratelimit import RequestPolicy, reddit_limits
from collectors.records import OrgAccount
from collectors.reddit import RedditCollector
from store.database import Store

ACME = OrgAccount("reddit", "u/acme_official")
SUPPORT = OrgAccount("reddit", "r/AcmeSupport")
T0 = datetime(2023, 10, 1, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("no_real_sleep")  # every wait goes through the fake clock


@pytest.fixture
def reddit() -> Iterator[FakeReddit]:
    fake = FakeReddit(FakeClock())
    for name in ("acme_official", "jo_smith", "sam", "kim"):
        fake.user(name)
    fake.subreddit("AcmeSupport")
    fake.subreddit("gadgets")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake.rsps = rsps  # type: ignore[attr-defined]
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store.db") as opened:
        yield opened


def collector(fake: FakeReddit, *, more_limit: int = 10, secret: str | None = None, max_wait: float = 900,
              refresh_days: float | None = None) -> RedditCollector:
    policy = RequestPolicy("Reddit", reddit_limits, clock=fake.clock, shared_limit=True, hide_limit_headers=True,
                           max_wait=max_wait)
    credentials = RedditCredentials(Secret("REDDIT_CLIENT_ID", fake.client_id),
                                    Secret("REDDIT_CLIENT_SECRET", secret or fake.client_secret),
                                    "socialstage-tests/0.1 by u/tester")
    extra = {} if refresh_days is None else {"refresh_days": refresh_days}
    return RedditCollector(credentials, policy, more_limit=more_limit, **extra)


def paths(fake: FakeReddit) -> list[str]:
    return [urlparse(c.request.url).path for c in fake.rsps.calls]  # type: ignore[attr-defined]


def conversation_world(fake: FakeReddit) -> dict[str, str]:
    """An org submission with a thread, a question in the org's subreddit, and org comments elsewhere."""
    ids = {}
    update = fake.submission("acme_official", "Update 2.0 is out", T0, selftext="Notes: https://acme.example/2.0")
    ids["update"] = update["id"]
    question = fake.comment("jo_smith", "Does it fix Wi-Fi?", T0 + timedelta(hours=1), update["id"])
    answer = fake.comment("acme_official", "Yes, it does. -Mia", T0 + timedelta(hours=2), question["id"],
                          distinguished="moderator", flair="Acme Staff")
    ids["answer"] = answer["id"]
    fake.comment("sam", "Confirmed here", T0 + timedelta(hours=3), answer["id"])
    fake.comment(None, "removed rant", T0 + timedelta(hours=4), update["id"])
    for i in range(3):
        fake.comment("kim", f"Thanks {i}", T0 + timedelta(hours=5 + i), update["id"])
    help_post = fake.submission("jo_smith", "Router broken", T0 + timedelta(days=1), selftext="Help?")
    ids["help"] = help_post["id"]
    fake.comment("acme_official", "We'll look into it -Mia", T0 + timedelta(days=1, hours=1), help_post["id"])
    elsewhere = fake.submission("kim", "Best routers 2023", T0 + timedelta(days=2), subreddit="gadgets")
    kim = fake.comment("kim", "Acme is fine I guess", T0 + timedelta(days=2, hours=1), elsewhere["id"])
    ids["kim"] = kim["id"]
    fake.comment("acme_official", "Glad to hear! u/kim", T0 + timedelta(days=2, hours=2), kim["id"])
    ids["crosspost"] = fake.submission("acme_official", "Router broken", T0 + timedelta(days=3),
                                       subreddit="gadgets", crosspost_of=help_post["id"])["id"]
    ids["link"] = fake.submission("acme_official", "Our router review", T0 + timedelta(days=3, hours=1),
                                  subreddit="gadgets", url="https://acme.example/blog?utm_source=reddit")["id"]
    return ids


def test_a_user_and_the_conversations_around_it_are_collected(reddit: FakeReddit, store: Store) -> None:
    ids = conversation_world(reddit)
    reddit.top_limit, reddit.depth_limit = 3, 2
    report = collector(reddit).collect([ACME], store)[0]
    assert report.status == OK
    # token, profile, one page per listing, one /api/info batch for the 3 parents, one tree per own submission,
    # and for the update's tree: one /api/morechildren (2 top-level comments past 3) and one "continue this thread".
    assert report.requests == {"token": 1, "profile": 1, "submissions": 1, "comments": 1, "parents": 1,
                               "comment_trees": 3, "more_comments": 2}
    assert report.profile["comment_karma"] == 12744 and report.profile["is_moderator"] is True
    posts = store.load_posts().set_index("post_id")
    assert len(posts) == 14
    answer = posts.loc[ids["answer"]]
    assert (answer.author, answer.in_reply_to_author, answer.conversation_id) == ("acme_official", "jo_smith",
                                                                                   ids["update"])
    meta = store.load_post_meta("reddit", ids["answer"])
    assert meta is not None and (meta.distinguished, meta.flair, meta.community) == ("moderator", "Acme Staff",
                                                                                     "AcmeSupport")
    assert "[deleted]" in set(posts.author)
    glad = posts[posts.text.str.startswith("Glad")].iloc[0]
    assert (glad.in_reply_to_id, glad.in_reply_to_author) == (ids["kim"], "kim")  # parent fetched via /api/info
    assert posts.loc[ids["link"]].urls == "https://acme.example/blog?utm_source=reddit"
    crosspost = posts.loc[ids["crosspost"]]
    assert (crosspost.repost_of_id, crosspost.repost_of_author) == (ids["help"], "jo_smith")
    assert posts.loc[ids["update"]].urls == "https://acme.example/2.0"
    assert posts.loc[ids["update"]].text == "Update 2.0 is out\n\nNotes: https://acme.example/2.0"
    assert store.queued("reddit", "acme_official", "tree") == [] and store.queued("reddit", "acme_official",
                                                                                  "parent") == []


def test_more_comments_expansion_is_bounded_and_the_rest_noted(reddit: FakeReddit, store: Store) -> None:
    conversation_world(reddit)
    reddit.top_limit, reddit.depth_limit = 3, 2
    report = collector(reddit, more_limit=1).collect([ACME], store)[0]
    assert report.requests["more_comments"] == 1
    assert report.notes == ["comment trees: 1 'more comments' link left unexpanded (at most 1 expansions per "
                            "submission)"]
    assert "Confirmed here" not in set(store.load_posts().text)  # behind the unexpanded "continue this thread"


@pytest.mark.parametrize(("submissions", "comments"), [(1, 1), (100, 0), (150, 230)])
def test_listings_page_100_at_a_time(reddit: FakeReddit, store: Store, submissions: int, comments: int) -> None:
    target = reddit.submission("jo_smith", "Ask Acme anything", T0)
    for i in range(submissions):
        reddit.submission("acme_official", f"News {i}", T0 + timedelta(minutes=i + 1))
    for i in range(comments):
        reddit.comment("acme_official", f"Answer {i}", T0 + timedelta(hours=i + 1), target["id"])
    report = collector(reddit).collect([ACME], store)[0]
    listing = Counter(p for p in paths(reddit) if p.endswith(("submitted", "comments")))
    assert listing["/user/acme_official/submitted"] == max(1, -(-submissions // 100))
    assert listing["/user/acme_official/comments"] == max(1, -(-comments // 100))
    assert report.requests["comment_trees"] == submissions and report.requests.get("parents", 0) == (1 if comments
                                                                                                       else 0)
    assert report.fetched["submissions"] == submissions and report.fetched["comments"] == comments
    assert store.count_posts() == submissions + comments + (1 if comments else 0)


def test_a_second_run_takes_one_request_per_listing(reddit: FakeReddit, store: Store) -> None:
    conversation_world(reddit)
    collector(reddit).collect([ACME, SUPPORT], store)
    before = len(paths(reddit))
    reports = collector(reddit).collect([ACME, SUPPORT], store)
    assert reports[0].requests == {"token": 1, "profile": 1, "submissions": 1, "comments": 1}
    assert reports[1].requests == {"subreddit": 1, "subreddit_posts": 1}
    assert len(paths(reddit)) == before + 6 and sum(r.added for r in reports) == 0
    fresh = reddit.submission("sam", "New question?", T0 + timedelta(days=9))
    reddit.comment("acme_official", "Answered -Mia", T0 + timedelta(days=9, hours=1), fresh["id"])
    reports = collector(reddit).collect([ACME, SUPPORT], store)
    assert reports[0].fetched["comments"] == 1 and reports[1].fetched["subreddit_posts"] == 1
    assert reports[1].requests == {"subreddit": 1, "subreddit_posts": 1, "comment_trees": 1}


def test_a_run_stopped_under_since_resumes_under_the_same_date_floor(reddit: FakeReddit, store: Store) -> None:
    for i in range(250):
        reddit.submission("acme_official", f"News {i}", T0 + timedelta(minutes=i + 1))
    since = T0 + timedelta(minutes=100)
    page = reddit._page

    def page_then_limit(request, items):  # type: ignore[no-untyped-def]
        if "after=" in request.url:
            return 429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2000"}, '{"message": "Too Many Requests"}'
        return page(request, items)

    reddit._page = page_then_limit  # type: ignore[method-assign]
    assert collector(reddit, max_wait=60).collect([ACME], store, since=since)[0].status == "stopped"
    reddit._page = page  # type: ignore[method-assign]
    reddit.clock.sleep(2000)
    report = collector(reddit, max_wait=60).collect([ACME], store)[0]  # resumed without --since
    assert report.status == OK
    stored = store.load_posts()
    assert (stored["created_at"] >= since).all() and len(stored) == 151
    assert report.requests["comment_trees"] == 151


def test_an_incremental_run_rereads_recent_threads_whose_comment_count_changed(
    reddit: FakeReddit, store: Store
) -> None:
    now = datetime.fromtimestamp(reddit.clock.now(), UTC)
    recent = reddit.submission("acme_official", "Maintenance tonight", now - timedelta(days=3))
    quiet = reddit.submission("acme_official", "Tips", now - timedelta(days=2))
    old = reddit.submission("acme_official", "Launch", now - timedelta(days=45))  # past the 30-day horizon
    asked = reddit.submission("jo_smith", "Is the app down?", now - timedelta(days=4))
    collector(reddit).collect([ACME, SUPPORT], store)
    late = reddit.comment("sam", "Still down for me?", now - timedelta(hours=5), recent["id"])
    reddit.comment("kim", "Late to the launch", now - timedelta(hours=4), old["id"])
    answer = reddit.comment("acme_official", "Fixed now -Mia", now - timedelta(hours=3), asked["id"])
    reports = collector(reddit).collect([ACME, SUPPORT], store)
    stored = set(store.load_posts().post_id)
    assert late["id"] in stored and answer["id"] in stored  # new comments under older threads are stored
    assert "Late to the launch" not in set(store.load_posts().text)  # beyond the documented horizon
    # one /api/info batch per account for its recent threads' comment counts, then only the changed trees
    assert reports[0].requests.get("refresh") == 1 and reports[0].requests.get("comment_trees") == 1
    assert reports[1].requests.get("refresh") == 1 and reports[1].requests.get("comment_trees") == 1
    assert quiet["id"] not in store.queued("reddit", "acme_official", "tree")
    again = collector(reddit).collect([ACME, SUPPORT], store)  # nothing changed: no tree is read again
    assert "comment_trees" not in again[0].requests and "comment_trees" not in again[1].requests
    assert collector(reddit, refresh_days=0).collect([ACME], store)[0].requests.get("refresh") is None


def test_posts_in_the_organizations_subreddit_are_inbound_to_it(reddit: FakeReddit, store: Store) -> None:
    ids = conversation_world(reddit)
    collector(reddit).collect([ACME, SUPPORT], store)
    posts = store.load_posts().set_index("post_id")
    assert posts.loc[ids["help"]].in_reply_to_author == "r/AcmeSupport"  # a user's post there addresses the org
    assert pd.isna(posts.loc[ids["update"]].in_reply_to_author)  # the org's own post does not
    context = store.load_posts([("reddit", "acme_official"), ("reddit", "r/AcmeSupport")])
    assert ids["help"] in set(context.post_id)


def test_unavailable_accounts_are_reported_and_the_others_collected(reddit: FakeReddit, store: Store) -> None:
    conversation_world(reddit)
    reddit.suspended.add("acme_banned")
    reddit.private.add("acmeinternal")
    reddit.banned.add("acmeold")
    accounts = [OrgAccount("reddit", "acme_banned"), OrgAccount("reddit", "u/acme_ghost"),
                OrgAccount("reddit", "r/AcmeInternal"), OrgAccount("reddit", "r/AcmeOld"),
                OrgAccount("reddit", "r/AcmeNowhere"), ACME]
    reports = collector(reddit).collect(accounts, store)
    assert [r.status for r in reports] == [UNAVAILABLE] * 5 + [OK]
    assert [r.errors[0] for r in reports[:5]] == [
        "not collected: u/acme_banned is suspended",
        "not collected: u/acme_ghost does not exist (404)",
        "not collected: r/AcmeInternal is private (403); only its members can read it",
        "not collected: r/AcmeOld is banned (404, banned)",
        "not collected: r/AcmeNowhere does not exist (Reddit redirects to its search page)",
    ]
    assert [r.request_count for r in reports[:5]] == [2, 1, 1, 1, 1]  # the first one includes the token


def test_a_user_whose_every_listing_is_refused_is_refused_not_ok(reddit: FakeReddit, store: Store) -> None:
    conversation_world(reddit)
    reddit.script("listing", *[(403, {}, body("private_403.json"))] * 2)
    report = collector(reddit).collect([ACME], store)[0]
    assert report.status == "refused" and report.posts == 0
    assert "refused" in report.errors[0] and "403" in report.errors[0]


def test_rejected_credentials_name_the_variables_and_mask_the_values(reddit: FakeReddit, store: Store) -> None:
    wrong = "wrong-reddit-secret-planted-9876"
    with pytest.raises(CredentialError) as caught:
        collector(reddit, secret=wrong).collect([ACME], store)
    message = str(caught.value)
    assert "REDDIT_CLIENT_SECRET (****9876)" in message and "REDDIT_CLIENT_ID" in message and "401" in message
    assert wrong not in message and reddit.client_id not in message
    assert paths(reddit) == ["/api/v1/access_token"]


def test_a_praw_ini_in_the_working_directory_cannot_send_the_secret_elsewhere(
    reddit: FakeReddit, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import praw.config

    conversation_world(reddit)
    (tmp_path / "praw.ini").write_text(
        "[DEFAULT]\noauth_url=https://collector.evil.example\nreddit_url=https://collector.evil.example\n"
        "short_url=https://evil.example\nusername=someone\npassword=their-password\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("praw_site", "DEFAULT")
    monkeypatch.setattr(praw.config.Config, "CONFIG", None)  # praw reads its praw.ini files again, from here
    report = collector(reddit).collect([ACME], store)[0]
    assert report.status == OK
    hosts = {urlparse(c.request.url).netloc for c in reddit.rsps.calls}  # type: ignore[attr-defined]
    assert hosts == {"www.reddit.com", "oauth.reddit.com"}
    token = next(c.request for c in reddit.rsps.calls if c.request.url.endswith("access_token"))  # type: ignore
    assert "grant_type=client_credentials" in str(token.body) and "their-password" not in str(token.body)


def test_a_404_from_the_token_endpoint_is_not_called_rejected_credentials(reddit: FakeReddit, store: Store) -> None:
    reddit.script("token", (404, {}, {"message": "Not Found", "error": 404}))
    with pytest.raises(CollectorError) as caught:
        collector(reddit).collect([ACME], store)
    message = str(caught.value)
    assert "token endpoint" in message and "not found (404)" in message
    assert "rejected" not in message and not isinstance(caught.value, CredentialError)


def test_429_with_reset_header_waits_and_a_spent_budget_waits_without_a_429(reddit: FakeReddit, store: Store) -> None:
    conversation_world(reddit)
    limited = (429, {"x-ratelimit-remaining": "0", "x-ratelimit-used": "600", "x-ratelimit-reset": "42"},
               body("too_many_requests_429.json"))
    reddit.script("listing", limited)
    report = collector(reddit).collect([ACME], store)[0]
    assert report.status == OK and report.requests["submissions"] == 2 and reddit.clock.total_slept == 42
    reddit.remaining = 0.0  # every answer now says the budget is spent: each next request waits for the reset
    clock_before = reddit.clock.total_slept
    report = collector(reddit).collect([ACME], store)[0]
    # token (no budget headers), profile (budget spent), then a wait for the reset before each listing request
    assert report.request_count == 4 and reddit.clock.total_slept - clock_before == 2 * 300


def test_429_without_reset_backs_off_exponentially(reddit: FakeReddit, store: Store) -> None:
    conversation_world(reddit)
    bare = (429, {}, body("too_many_requests_429.json"))
    reddit.script("about", bare, bare)
    report = collector(reddit).collect([ACME], store)[0]
    assert report.status == OK and report.requests["profile"] == 3
    assert reddit.clock.total_slept == 5 + 10


def test_server_errors_and_dropped_connections_are_retried_by_our_policy_not_prawcore(
    reddit: FakeReddit, store: Store
) -> None:
    conversation_world(reddit)
    reddit.script("listing", (503, {}, body("server_error_503.json")), requests.ConnectionError("Connection reset"))
    report = collector(reddit).collect([ACME], store)[0]
    assert report.status == OK and report.requests["submissions"] == 3 and reddit.clock.total_slept == 1 + 2
    reddit.script("about", *[(503, {}, body("server_error_503.json"))] * 4)
    report = collector(reddit).collect([ACME], store)[0]
    assert report.status == FAILED and "answered 503 Service Unavailable 4 times" in report.errors[0]
    assert report.requests == {"token": 1, "profile": 4}


def test_a_run_killed_at_any_request_and_rerun_ends_with_the_uninterrupted_posts(tmp_path: Path) -> None:
    def world() -> FakeReddit:
        fake = FakeReddit(FakeClock(), top_limit=3, depth_limit=2)
        for name in ("acme_official", "jo_smith", "sam", "kim"):
            fake.user(name)
        fake.subreddit("AcmeSupport")
        fake.subreddit("gadgets")
        ids = conversation_world(fake)
        for i in range(101):  # two pages of the org's comments
            fake.comment("acme_official", f"Follow-up {i}", T0 + timedelta(days=5, minutes=i), ids["help"])
        return fake

    def snapshot(store: Store) -> list[tuple[str, ...]]:
        frame = store.load_posts().sort_values("post_id")
        return [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]

    accounts = [ACME, SUPPORT]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, Store(tmp_path / "whole.db") as whole:
        fake = world()
        fake.install(rsps)
        collector(fake).collect(accounts, whole)
        expected, total = snapshot(whole), len(rsps.calls)
        kinds = [urlparse(c.request.url).path for c in rsps.calls]
        # The submission whose comment tree each request belongs to (tree, "more comments", "continue thread").
        owners = [re.search(r"/comments/(\w+)/|link_id=t3_(\w+)", f"{c.request.url} {c.request.body or ''}")
                  for c in rsps.calls]
    assert len(expected) == 14 + 101 and kinds.count("/user/acme_official/comments") == 2
    for kill_at in range(1, total + 1):
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, \
                Store(tmp_path / f"killed{kill_at}.db") as store:
            fake = world()
            fake.install(rsps)
            fake.interrupt_at = kill_at
            with pytest.raises(KeyboardInterrupt):
                collector(fake).collect(accounts, store)
            fake.interrupt_at = None
            collector(fake).collect(accounts, store)
            assert snapshot(store) == expected, kill_at
            answered = [c for c in rsps.calls if isinstance(c.response, requests.Response)]
            fetched = Counter(urlparse(c.request.url).path for c in answered)
            again = [path for path, n in fetched.items() if n > 1 and re.fullmatch(r"/comments/\w+/", path)]
            # A tree and its expansions are saved together: only the tree whose expansion was cut is fetched again.
            owner = owners[kill_at - 1]
            cut = f"/comments/{owner.group(1) or owner.group(2)}/" if owner else None
            assert again in ([], [cut] if cut and kinds[kill_at - 1] != cut else []), (kill_at, again)
            # Listing pages past the first (``after=``) are never fetched twice; the first page is asked for once
            # per run (the rerun's "anything new?" request once the listing was complete).
            later = [c.request.url for c in answered if "after=" in c.request.url]
            assert len(later) == len(set(later)), f"a listing page was fetched twice ({kill_at})"
