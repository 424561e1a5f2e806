"""The Mastodon collector under rate limits, server errors, dropped connections and kills: Mastodon.py's real client
against the HTTP-level fake (tests/fake_mastodon.py); the clock is injected and nothing really sleeps."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses
from fake_mastodon import HOST, FakeMastodon, body
from fake_x import FakeClock
from test_mastodon_collector import ACME, OTHER, collector, conversation_world, now, snapshot, timeline_world

from collectors.base import FAILED, OK, SKIPPED, STOPPED
from collectors.ratelimit import mastodon_limits
from collectors.records import OrgAccount
from store.database import Store

pytestmark = pytest.mark.usefixtures("no_real_sleep")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def masto(clock: FakeClock) -> Iterator[FakeMastodon]:
    fake = FakeMastodon(clock, hosts=(HOST, OTHER))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        fake.rsps = rsps  # type: ignore[attr-defined]
        yield fake


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "store.db") as opened:
        yield opened


# -- rate limits, retries, dropped connections -------------------------------------------------------


def test_429_with_reset_headers_waits_until_the_reset(masto: FakeMastodon, store: Store, clock: FakeClock) -> None:
    timeline_world(masto, 100)
    masto.script("statuses", (429, masto.headers(remaining=0, reset=clock.now() + 120),
                              body("too_many_requests_429.json")))
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert clock.total_slept == 120
    assert report.requests["statuses"] == 4 and report.fetched["statuses"] == 100 and report.status == OK


def test_429_without_reset_headers_backs_off_exponentially(masto: FakeMastodon, store: Store, clock: FakeClock) -> None:
    timeline_world(masto, 30)
    bare = (429, {}, body("too_many_requests_429.json"))
    masto.script("statuses", bare, bare, bare)
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.requests["statuses"] == 4 and report.status == OK and report.fetched["statuses"] == 30
    assert clock.total_slept == 5 + 10 + 20


def test_a_spent_budget_waits_for_the_reset_without_spending_a_request(
    masto: FakeMastodon, store: Store, clock: FakeClock
) -> None:
    timeline_world(masto, 50)
    masto.remaining = 0  # every answer says the budget is spent: each next request waits for the reset
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.requests == {"lookup": 1, "statuses": 2} and report.fetched["statuses"] == 50
    first_window = 300 - 1_700_000_000 % 300  # the fake's budgets reset every 5 minutes (on the window's edge)
    assert clock.total_slept == first_window + 300
    assert not any(c.response.status_code == 429 for c in masto.rsps.calls)  # type: ignore[attr-defined]


def test_each_instance_has_its_own_budget(masto: FakeMastodon, store: Store, clock: FakeClock) -> None:
    timeline_world(masto, 10)
    masto.account(f"news@{OTHER}")
    masto.status(f"news@{OTHER}", "hello", now(clock) - timedelta(hours=1))
    masto.exhausted.add(HOST)  # social.example's budget is spent, other.example's is not
    reports = collector(masto, token=False).collect([ACME, OrgAccount("mastodon", f"news@{OTHER}")], store)
    assert [r.requests for r in reports] == [{"lookup": 1, "statuses": 1}, {"lookup": 1, "statuses": 1}]
    # one wait, before social.example's second request; other.example's requests never wait for it
    assert clock.slept and clock.total_slept == 300 - 1_700_000_000 % 300


def test_the_reset_time_is_read_in_the_servers_clock() -> None:
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2024-06-01T12:05:00.000Z",
               "date": "Sat, 01 Jun 2024 12:00:00 GMT"}
    local_now = datetime(2024, 6, 1, 12, 0, 30, tzinfo=UTC).timestamp()  # our clock is 30 s ahead of the server's
    limit = mastodon_limits(headers, local_now)
    assert limit is not None and limit.remaining == 0 and limit.reset_at == local_now + 300
    assert mastodon_limits({"x-ratelimit-reset": "1717243500"}, 0).reset_at == 1717243500  # GoToSocial: epoch
    assert mastodon_limits({}, 0) is None


def test_a_wait_past_max_wait_stops_cleanly_and_the_next_run_resumes_without_refetching(
    masto: FakeMastodon, tmp_path: Path, clock: FakeClock
) -> None:
    timeline_world(masto, 100, mentions=3)
    masto.account(f"news@{HOST}")
    masto.status(f"news@{HOST}", "hello", now(clock) - timedelta(hours=1))
    accounts = [ACME, OrgAccount("mastodon", f"news@{HOST}")]
    with Store(tmp_path / "whole.db") as whole:
        collector(masto).collect(accounts, whole)
        expected = snapshot(whole)
    masto.pages.clear()
    with Store(tmp_path / "stopped.db") as store:
        masto.script("statuses", (200, masto.headers(), []))  # placeholder replaced below
        masto.scripted["statuses"].clear()
        original = masto._page
        limited: list[bool] = []

        def second_page_limited(host, path, params, *args, **kwargs):  # type: ignore[no-untyped-def]
            if "max_id" in params and path.endswith("/statuses") and not limited:
                limited.append(True)
                return 429, masto.headers(remaining=0, reset=clock.now() + 2000), json.dumps(
                    body("too_many_requests_429.json"))
            return original(host, path, params, *args, **kwargs)

        masto._page = second_page_limited  # type: ignore[method-assign]
        reports = collector(masto, max_wait=60).collect(accounts, store)
        assert [r.status for r in reports] == [STOPPED, SKIPPED]
        assert "longer than --max-wait" in reports[0].errors[0] and store.count_posts() == 40
        clock.sleep(2000)
        reports = collector(masto, max_wait=60).collect(accounts, store)
        assert [r.status for r in reports] == [OK, OK]
        assert reports[0].requests["statuses"] == 2  # pages 2 and 3: page 1 is not fetched again
        assert snapshot(store) == expected


def test_server_errors_and_dropped_connections_are_retried(masto: FakeMastodon, store: Store, clock: FakeClock) -> None:
    timeline_world(masto, 50)
    masto.script("statuses", (503, {}, body("unexpected_error_503.json")), requests.ConnectionError("reset"))
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.status == OK and report.requests["statuses"] == 4 and clock.total_slept == 1 + 2


def test_a_server_that_keeps_failing_fails_the_account_and_a_rerun_resumes(masto: FakeMastodon, store: Store) -> None:
    timeline_world(masto, 50)
    failing = (503, {}, body("unexpected_error_503.json"))
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.status == OK
    for i in range(45):
        masto.status(f"acme@{HOST}", f"more {i}", now(masto.clock) - timedelta(minutes=50 - i))
    original = masto._page
    masto._page = lambda host, path, params, *a, **k: (  # type: ignore[method-assign]
        (503, masto.headers(), json.dumps(failing[2])) if "max_id" in params else original(host, path, params, *a, **k))
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.status == FAILED and "503" in report.errors[0] and store.count_posts() == 50 + 40
    masto._page = original  # type: ignore[method-assign]
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.status == OK and report.requests["statuses"] == 1 and store.count_posts() == 95


def test_a_run_killed_at_any_request_and_rerun_loses_nothing_and_fetches_no_page_twice(tmp_path: Path) -> None:
    def world() -> FakeMastodon:
        fake = FakeMastodon(FakeClock(), hosts=(HOST, OTHER))
        conversation_world(fake)
        timeline_world_more(fake)
        return fake

    def timeline_world_more(fake: FakeMastodon) -> None:
        start = now(fake.clock) - timedelta(days=10)
        for i in range(85):
            fake.status(f"acme@{HOST}", f"News {i}", start + timedelta(hours=i))
        for i in range(85):
            fake.status(f"jo@{HOST}", f"@acme@{HOST} question {i}?", start + timedelta(hours=i, minutes=30))

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = world()
        fake.install(rsps)
        with Store(tmp_path / "whole.db") as whole:
            collector(fake).collect([ACME], whole)
            expected, total = snapshot(whole), fake.served
    assert total == 1 + 1 + 3 + 2 + 2  # login, lookup, statuses, mentions, contexts
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
                page[0] in ("lookup", "login") or (page[0] in ("statuses", "mentions")
                                                   and "max_id" not in json.loads(page[1])))]
            assert not twice, f"fetched twice after a kill at request {kill_at}: {twice}"
