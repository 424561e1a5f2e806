"""Collection efficiency: requests per 1,000 posts against the API minimum, first and second run.

Runs the real collectors (tweepy, praw, atproto, Mastodon.py) against the HTTP-level fakes of the test suite
(tests/fake_x.py, tests/fake_reddit.py, tests/fake_bluesky.py, tests/fake_mastodon.py); no network. The API minimum
of a run is what paging at the largest page size the endpoints allow costs: one profile lookup, ceil(n / 100)
requests per listing (at least one), one request per Reddit comment tree and per 100 parents, plus Reddit's OAuth
token; on Bluesky one login, one thread per post with replies, one quotes and one reposts list per post quoted or
reposted (100 per page); on Mastodon the token check, one lookup, n // 40 + 1 status pages (a full page has a next
link, so the last page is short or empty), n // 80 + 1 notification pages (a reply mentions the account it answers
too), one context per status with replies. Appends one row per scenario to bench/RESULTS.md under "Collection
efficiency".

    .venv/bin/python bench/bench_collect.py
"""

from __future__ import annotations

import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from math import ceil
from pathlib import Path

import responses

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

from fake_bluesky import FakeBluesky  # noqa: E402
from fake_mastodon import HOST, FakeMastodon  # noqa: E402
from fake_reddit import FakeReddit  # noqa: E402
from fake_x import FakeClock, FakeX  # noqa: E402
from results_table import RESULTS, append_row  # noqa: E402

from collectors.bluesky import BlueskyCollector  # noqa: E402
from collectors.credentials import BlueskyLogin, MastodonToken, RedditCredentials, Secret  # noqa: E402
from collectors.mastodon import MastodonCollector  # noqa: E402
from collectors.ratelimit import RequestPolicy, bluesky_limits, mastodon_limits, reddit_limits, x_limits  # noqa: E402
from collectors.records import OrgAccount  # noqa: E402
from collectors.reddit import RedditCollector  # noqa: E402
from collectors.twitter import TwitterCollector  # noqa: E402
from store.database import Store  # noqa: E402

HEADING = "## Collection efficiency (bench/bench_collect.py)"
COLUMNS = ("date", "machine", "scenario", "posts", "requests", "API minimum", "requests / 1,000 posts",
           "minimum / 1,000 posts", "second run requests", "seconds")


def pages(n: int) -> int:
    return max(1, ceil(n / 100))


def x_scenario(timeline: int, mentions: int) -> tuple[int, int, int, int]:
    clock = FakeClock()
    fake = FakeX(clock)
    fake.user("AcmeHelp", "1000")
    fake.user("jo", "2000")
    start = datetime.fromtimestamp(clock.now(), UTC) - timedelta(days=60)
    for i in range(mentions):
        fake.tweet("jo", f"@AcmeHelp question {i}?", start + timedelta(minutes=i))
    for i in range(timeline):
        fake.tweet("AcmeHelp", f"Post {i}", start + timedelta(minutes=mentions + i))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, tempfile.TemporaryDirectory() as tmp:
        fake.install(rsps)
        with Store(Path(tmp) / "bench.db") as store:
            def run() -> int:
                collector = TwitterCollector(Secret("X_BEARER_TOKEN", fake.token),
                                             RequestPolicy("X", x_limits, clock=clock))
                return sum(r.request_count for r in collector.collect([OrgAccount("twitter", "AcmeHelp")], store))

            first, second = run(), run()
            posts = store.count_posts()
    minimum = 1 + pages(min(timeline, 3200)) + pages(min(mentions, 800)) + 1
    return posts, first, minimum, second


def reddit_scenario(submissions: int, comments: int, threads: int) -> tuple[int, int, int, int]:
    clock = FakeClock()
    fake = FakeReddit(clock)
    for name in ("acme_official", "jo_smith"):
        fake.user(name)
    fake.subreddit("AcmeSupport")
    t0 = datetime(2023, 1, 1, tzinfo=UTC)
    asked = [fake.submission("jo_smith", f"Question {i}?", t0 + timedelta(minutes=i)) for i in range(threads)]
    for i in range(submissions):
        fake.submission("acme_official", f"News {i}", t0 + timedelta(hours=1, minutes=i))
    for i in range(comments):
        fake.comment("acme_official", f"Answer {i}", t0 + timedelta(days=1, minutes=i), asked[i % threads]["id"])
    credentials = RedditCredentials(Secret("REDDIT_CLIENT_ID", fake.client_id),
                                    Secret("REDDIT_CLIENT_SECRET", fake.client_secret), "socialstage-bench/0.1")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, tempfile.TemporaryDirectory() as tmp:
        fake.install(rsps)
        with Store(Path(tmp) / "bench.db") as store:
            def run() -> int:
                policy = RequestPolicy("Reddit", reddit_limits, clock=clock, shared_limit=True,
                                       hide_limit_headers=True)
                collector = RedditCollector(credentials, policy)
                return sum(r.request_count for r in collector.collect([OrgAccount("reddit", "acme_official")], store))

            first, second = run(), run()
            posts = store.count_posts()
    minimum = 2 + pages(submissions) + pages(comments) + ceil(min(comments, threads) / 100) + submissions
    return posts, first, minimum, second


def bluesky_scenario(posts: int, mentions: int) -> tuple[int, int, int, int]:
    """Every 5th post answered by a customer, every 10th quoted, every 20th reposted; ``mentions`` mentions."""
    clock = FakeClock()
    fake = FakeBluesky(clock)
    for handle in ("acme.example.com", "jo.bsky.social", "kim.bsky.social"):
        fake.actor(handle)
    start = datetime.fromtimestamp(clock.now(), UTC) - timedelta(days=60)
    for i in range(mentions):
        fake.post("jo.bsky.social", f"@acme.example.com question {i}?", start + timedelta(minutes=i))
    threads = quoted = reposted = 0
    for i in range(posts):
        at = start + timedelta(minutes=mentions + 10 * i)
        uri = fake.post("acme.example.com", f"Post {i}", at)
        if i % 5 == 0:
            fake.post("jo.bsky.social", f"Reply {i}", at + timedelta(minutes=1), reply_to=uri)
            threads += 1
        if i % 10 == 0:
            fake.post("kim.bsky.social", f"Quote {i}", at + timedelta(minutes=2), quote=uri)
            quoted += 1
        if i % 20 == 0:
            fake.repost("kim.bsky.social", uri, at + timedelta(minutes=3))
            reposted += 1
    login = BlueskyLogin(fake.login_handle, Secret("BLUESKY_APP_PASSWORD", fake.app_password))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, tempfile.TemporaryDirectory() as tmp:
        fake.install(rsps)
        with Store(Path(tmp) / "bench.db") as store:
            def run() -> int:
                policy = RequestPolicy("Bluesky", bluesky_limits, clock=clock, shared_limit=True)
                collector = BlueskyCollector(policy, login)
                return sum(r.request_count for r in collector.collect([OrgAccount("bluesky", "acme.example.com")],
                                                                      store))

            first, second = run(), run()
            posts_stored = store.count_posts()
    minimum = 1 + pages(posts) + 1 + pages(mentions) + threads + quoted + reposted
    return posts_stored, first, minimum, second


def mastodon_scenario(statuses: int, mentions: int) -> tuple[int, int, int, int]:
    """Every 5th status answered by a customer; ``mentions`` statuses mentioning the account; with a token."""
    clock = FakeClock()
    fake = FakeMastodon(clock)
    for handle in (f"acme@{HOST}", f"jo@{HOST}"):
        fake.account(handle)
    start = datetime.fromtimestamp(clock.now(), UTC) - timedelta(days=60)
    for i in range(mentions):
        fake.status(f"jo@{HOST}", f"@acme@{HOST} question {i}?", start + timedelta(minutes=i))
    threads = 0
    for i in range(statuses):
        at = start + timedelta(minutes=mentions + 10 * i)
        sid = fake.status(f"acme@{HOST}", f"Post {i}", at)
        if i % 5 == 0:
            fake.status(f"jo@{HOST}", f"Reply {i}", at + timedelta(minutes=1), reply_to=sid)
            threads += 1
    token = MastodonToken(HOST, Secret("MASTODON_ACCESS_TOKEN", fake.token))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps, tempfile.TemporaryDirectory() as tmp:
        fake.install(rsps)
        with Store(Path(tmp) / "bench.db") as store:
            def run() -> int:
                policy = RequestPolicy("Mastodon", mastodon_limits, clock=clock, hide_limit_headers=True)
                collector = MastodonCollector(policy, token)
                return sum(r.request_count for r in collector.collect([OrgAccount("mastodon", f"acme@{HOST}")],
                                                                      store))

            first, second = run(), run()
            stored = store.count_posts()
    minimum = 1 + 1 + statuses // 40 + 1 + (mentions + threads) // 80 + 1 + threads  # a reply mentions the account
    return stored, first, minimum, second


def main() -> None:
    machine = f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}"
    rows = []
    scenarios = [
        ("X: 1,000 timeline posts, 500 mentions", lambda: x_scenario(1000, 500)),
        ("X: full history (3,300 posts, 900 mentions)", lambda: x_scenario(3300, 900)),
        ("Reddit: 50 submissions, 1,000 comments on 40 threads", lambda: reddit_scenario(50, 1000, 40)),
        ("Bluesky: 1,000 posts (200 answered, 100 quoted, 50 reposted), 300 mentions",
         lambda: bluesky_scenario(1000, 300)),
        ("Mastodon: 1,000 statuses (200 answered), 300 mentions", lambda: mastodon_scenario(1000, 300)),
    ]
    for name, scenario in scenarios:
        started = time.perf_counter()
        posts, first, minimum, second = scenario()
        seconds = time.perf_counter() - started
        rows.append((datetime.now(UTC).date().isoformat(), machine, name, f"{posts:,}", first, minimum,
                     f"{1000 * first / posts:.1f}", f"{1000 * minimum / posts:.1f}", second, f"{seconds:.1f}"))
        print(f"{name}: {posts} posts, {first} requests (minimum {minimum}), second run {second}")
    columns = f"| {' | '.join(COLUMNS)} |\n|{'---|' * len(COLUMNS)}"
    for row in rows:
        append_row(HEADING, columns, f"| {' | '.join(str(v) for v in row)} |")
    print(f"Appended {len(rows)} rows to {RESULTS}")

if __name__ == "__main__":
    main()
