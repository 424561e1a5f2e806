"""The Mastodon collector: Mastodon.py's real client against an HTTP-level fake of the REST API
(tests/fake_mastodon.py).

Every test asserts exact request counts; the clock is injected and nothing really sleeps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses
from fake_mastodon import HOST, FakeMastodon, body
from fake_x import FakeClock

from collectors.base import FAILED, OK, UNAVAILABLE
from collectors.credentials import CredentialError, MastodonToken, Secret
from collectors.mastodon import BAD_ACCOUNT, PAGE_SIZE, REFRESH_DAYS, UNMEASURABLE, MastodonCollector
from collectors.mastodon_records import html_text
from collectors.ratelimit import RequestPolicy, mastodon_limits
from collectors.records import OrgAccount
from store.database import Store

ACME = OrgAccount("mastodon", f"acme@{HOST}")
OTHER = "other.example"

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


def now(clock: FakeClock) -> datetime:
    return datetime.fromtimestamp(clock.now(), UTC)


def collector(fake: FakeMastodon, *, token: bool = True, max_wait: float | None = 900,
              value: str | None = None) -> MastodonCollector:
    policy = RequestPolicy("Mastodon", mastodon_limits, clock=fake.clock, max_wait=max_wait, hide_limit_headers=True)
    secret = MastodonToken(HOST, Secret("MASTODON_ACCESS_TOKEN", value or fake.token))
    return MastodonCollector(policy, secret if token else None)


def conversation_world(fake: FakeMastodon) -> dict[str, str]:
    """Acme's statuses and the conversation around them; the names of the statuses (see the hand counts)."""
    for handle in (f"acme@{HOST}", f"jo@{HOST}", f"kim@{OTHER}", f"sam@{OTHER}"):
        fake.account(handle)
    n = now(fake.clock)
    p: dict[str, str] = {}
    p["A1"] = fake.status(f"acme@{HOST}", "Spring sale https://acme.example.com/sale?utm_source=masto #sale",
                          n - timedelta(days=3), links=("https://acme.example.com/sale?utm_source=masto",), likes=4)
    p["J1"] = fake.status(f"jo@{HOST}", f"@acme@{HOST} my order is late?", n - timedelta(days=2))
    p["A2"] = fake.status(f"acme@{HOST}", "Sorry! Checking now ^MS", n - timedelta(days=2, hours=-1), reply_to=p["J1"])
    p["J2"] = fake.status(f"jo@{HOST}", "Still nothing", n - timedelta(days=2, hours=-2), reply_to=p["A2"])
    p["A3"] = fake.status(f"acme@{HOST}", "Refund sent\n-Maria", n - timedelta(days=2, hours=-3), reply_to=p["J2"])
    p["K1"] = fake.status(f"kim@{OTHER}", "Love it", n - timedelta(days=2, hours=-5), reply_to=p["A1"])
    p["S1"] = fake.status(f"sam@{OTHER}", "Look at this deal", n - timedelta(days=1), quote=p["A1"])
    p["K2"] = fake.status(f"kim@{OTHER}", "My Acme kettle arrived", n - timedelta(hours=23))
    p["B2"] = fake.boost(f"acme@{HOST}", p["K2"], n - timedelta(hours=10))
    p["A4"] = fake.status(f"acme@{HOST}", "Which colour next?", n - timedelta(hours=8), poll=True)
    p["S2"] = fake.status(f"sam@{OTHER}", f"@acme@{HOST} do you ship to Norway?", n - timedelta(hours=5))
    return p


def timeline_world(fake: FakeMastodon, statuses: int, mentions: int = 0) -> None:
    """Acme with ``statuses`` hourly statuses (no replies) and ``mentions`` statuses mentioning it."""
    fake.account(f"acme@{HOST}")
    fake.account(f"jo@{HOST}")
    start = now(fake.clock) - timedelta(hours=statuses + mentions + 1)
    for i in range(mentions):
        fake.status(f"jo@{HOST}", f"@acme@{HOST} question {i}?", start + timedelta(minutes=30 * i))
    for i in range(statuses):
        fake.status(f"acme@{HOST}", f"News {i}", start + timedelta(hours=mentions + i))


def q(sid: str, host: str = HOST) -> str:
    return f"{host}/{sid}"


def snapshot(store: Store) -> list[tuple[str, ...]]:
    frame = store.load_posts().sort_values("post_id")
    return [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]


def rows(store: Store) -> dict[str, dict[str, object]]:
    frame = store.load_posts().set_index("post_id")
    return {str(k): {c: (None if v is None or v != v else v) for c, v in row.items()} for k, row in
            frame.to_dict(orient="index").items()}


# -- records and links ---------------------------------------------------------------------------


def test_every_status_is_stored_with_its_reply_quote_boost_and_conversation_links(
    masto: FakeMastodon, store: Store
) -> None:
    p = conversation_world(masto)
    report = collector(masto).collect([ACME], store)[0]
    assert report.status == OK, report.errors
    # contexts: A1 (a reply under it) and A2 (a reply, with replies); A3 is in A2's context with its replies (none)
    assert report.requests == {"login": 1, "lookup": 1, "statuses": 1, "mentions": 1, "context": 2}
    got = rows(store)
    assert set(got) == {q(p[k]) for k in ("A1", "J1", "A2", "J2", "A3", "K1", "K2", "B2", "A4", "S2")}
    link = ("in_reply_to_id", "in_reply_to_author", "conversation_id")
    assert [got[q(p["A2"])][c] for c in link] == [q(p["J1"]), f"jo@{HOST}", q(p["J1"])]
    assert [got[q(p["J2"])][c] for c in link] == [q(p["A2"]), f"acme@{HOST}", q(p["J1"])]
    assert [got[q(p["A3"])][c] for c in link] == [q(p["J2"]), f"jo@{HOST}", q(p["J1"])]
    assert [got[q(p["K1"])][c] for c in link] == [q(p["A1"]), f"acme@{HOST}", q(p["A1"])]
    for mention in ("J1", "S2"):  # addressed to the account: no parent, its handle as the target
        assert [got[q(p[mention])][c] for c in link] == [None, f"acme@{HOST}", q(p[mention])]
    boost = got[q(p["B2"])]
    assert (boost["author"], boost["repost_of_id"], boost["repost_of_author"], boost["text"]) == (
        f"acme@{HOST}", q(p["K2"]), f"kim@{OTHER}", "")
    assert boost["created_at"] == now(masto.clock) - timedelta(hours=10)
    first = got[q(p["A1"])]
    assert first["text"] == "Spring sale https://acme.example.com/sale?utm_source=masto #sale"
    assert first["urls"] == "https://acme.example.com/sale?utm_source=masto"
    assert (first["like_count"], first["reply_count"], first["repost_count"]) == (4, 1, 0)
    assert first["author_id"] == q(masto.accounts[f"acme@{HOST}"]["id"])
    assert got[q(p["A3"])]["text"] == "Refund sent\n-Maria"
    assert got[q(p["A4"])]["is_poll"] and not first["is_poll"]
    assert got[q(p["J1"])]["text"] == "@acme my order is late?"
    assert report.fetched == {"statuses": 5, "mentions": 4, "replies": 3}  # J1, J2, K1, S2 mention the account
    assert report.added == 10 and report.profile["handle"] == f"acme@{HOST}"
    [account] = store.load_accounts([("mastodon", f"acme@{HOST}")])
    assert (account.followers, account.post_count, account.bio) == (812, 5, "Help from the Acme team, weekdays 9-17.")


def test_a_quote_the_api_embeds_is_stored_with_its_link(masto: FakeMastodon, store: Store) -> None:
    masto.account(f"acme@{HOST}")
    masto.account(f"kim@{OTHER}")
    theirs = masto.status(f"kim@{OTHER}", "New kettle review", now(masto.clock) - timedelta(hours=3))
    mine = masto.status(f"acme@{HOST}", "Thanks Kim!", now(masto.clock) - timedelta(hours=2), quote=theirs)
    report = collector(masto, token=False).collect([ACME], store)[0]
    got = rows(store)
    assert (got[q(mine)]["quote_of_id"], got[q(mine)]["quote_of_author"]) == (q(theirs), f"kim@{OTHER}")
    assert got[q(theirs)]["text"] == "New kettle review"
    assert report.requests == {"lookup": 1, "statuses": 1}


def test_a_hand_made_statuses_page_becomes_posts() -> None:
    """The records of a status in the recordings' shape: HTML with paragraphs, a line break, a mention, a hashtag
    and a link; a shallow quote; a boost carrying the boosted status."""
    from collectors.mastodon_records import Authors, status_records

    status = body("status.json")
    status.update(
        id="112000000000000002", in_reply_to_id="112000000000000001", in_reply_to_account_id="110000000000000002",
        account=body("account.json"), replies_count=2,
        content='<p><span class="h-card" translate="no"><a href="https://social.example/@jo" class="u-url mention">'
                '@<span>jo</span></a></span> Thanks &amp; sorry!<br />Tracking: <a href="https://acme.example.com/t?'
                'id=9" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class='
                '"ellipsis">acme.example.com/t?id</span><span class="invisible">=9</span></a></p><p>'
                '<a href="https://social.example/tags/help" class="mention hashtag" rel="tag">#<span>help</span></a>'
                '</p>',
        mentions=[{"id": "110000000000000002", "username": "jo", "url": "https://social.example/@jo", "acct": "jo"}],
        quote={"state": "accepted", "quoted_status_id": "112000000000000000"},
    )
    [post] = status_records(status, Authors(HOST))
    assert post.text == "@jo Thanks & sorry!\nTracking: https://acme.example.com/t?id=9\n\n#help"
    assert post.urls == ("https://acme.example.com/t?id=9",)
    assert (post.in_reply_to_id, post.in_reply_to_author) == (q("112000000000000001"), f"jo@{HOST}")
    assert post.quote_of_id == q("112000000000000000") and post.conversation_id is None
    assert (post.author, post.reply_count) == (f"acme@{HOST}", 2)
    boost = body("status.json")
    boost.update(id="112000000000000003", account={**body("account.json"), "id": "7", "acct": "kim@Other.Example"},
                 content="", reblog=status)
    carried, reposted = status_records(boost, Authors(HOST))
    assert carried.post_id == post.post_id and reposted.repost_of_id == post.post_id
    assert (reposted.author, reposted.repost_of_author) == ("kim@other.example", f"acme@{HOST}")


def test_a_status_read_on_another_instance_is_addressed_to_the_organization_account_it_mentions() -> None:
    """Account ids are per instance: an organization account mentioned in a status read elsewhere is known by name."""
    from collectors.mastodon_records import Authors, status_record

    status = body("status.json")
    status.update(account={**body("account.json"), "id": "5", "acct": "sam"}, content="<p>@acme hi</p>",
                  mentions=[{"id": "999", "username": "acme", "url": f"https://{HOST}/@acme", "acct": f"acme@{HOST}"}])
    post = status_record(status, Authors(OTHER, {"1": f"news@{OTHER}"}, [f"news@{OTHER}", f"acme@{HOST}"]))
    assert post is not None and (post.author, post.in_reply_to_author) == (f"sam@{OTHER}", f"acme@{HOST}")
    own = status_record({**status, "account": {**body("account.json"), "id": "1", "acct": "news"}},
                        Authors(OTHER, {"1": f"news@{OTHER}"}, [f"acme@{HOST}"]))
    assert own is not None and own.in_reply_to_author is None  # the organization mentioning itself: not inbound


def test_html_text_keeps_breaks_mentions_and_links() -> None:
    assert html_text("<p>one<br>two</p><p>three &lt;4&gt;</p>") == ("one\ntwo\n\nthree <4>", ())
    assert html_text('<p>see <a href="https://x.example/a">x.example/a</a></p>') == (
        "see https://x.example/a", ("https://x.example/a",))
    assert html_text(None) == ("", ())


@pytest.mark.parametrize("statuses", [1, 40, 100])
def test_paging_takes_n_over_40_plus_one_requests(masto: FakeMastodon, store: Store, statuses: int) -> None:
    timeline_world(masto, statuses, mentions=90)
    report = collector(masto).collect([ACME], store)[0]
    # a page is full (40) when more may follow: Mastodon gives a next link, and the last page is short or empty
    assert report.requests == {"login": 1, "lookup": 1, "statuses": statuses // PAGE_SIZE + 1, "mentions": 2}
    assert report.fetched == {"statuses": statuses, "mentions": 90}
    assert store.count_posts() == statuses + 90
    calls = [json.loads(params) for endpoint, params in masto.pages if endpoint == "statuses"]
    assert all(c["limit"] == str(PAGE_SIZE) for c in calls)
    assert len({c.get("max_id") for c in calls}) == len(calls), "a page was fetched twice"


def test_a_second_run_asks_only_for_what_is_new(masto: FakeMastodon, store: Store) -> None:
    timeline_world(masto, 100, mentions=12)
    collector(masto).collect([ACME], store)
    newest = max(masto.statuses, key=int)
    masto.pages.clear()
    report = collector(masto).collect([ACME], store)[0]
    # one page says nothing is new; the counts of the statuses of the last 14 days are read again (20 a request)
    assert report.requests == {"login": 1, "lookup": 1, "statuses": 1, "refresh": 5, "mentions": 1}
    assert report.added == 0 and report.fetched == {"statuses": 0, "mentions": 0}
    listed = [json.loads(params) for endpoint, params in masto.pages if endpoint == "statuses"]
    assert listed[0]["since_id"] == newest  # the instance is asked for what is newer only
    for i in range(5):
        masto.status(f"acme@{HOST}", f"fresh {i}", now(masto.clock) - timedelta(minutes=5 - i))
    report = collector(masto).collect([ACME], store)[0]
    assert report.requests["statuses"] == 1 and report.fetched["statuses"] == 5 and report.added == 5
    assert store.count_posts() == 100 + 12 + 5


def test_a_new_reply_under_an_older_status_is_fetched_on_the_next_run(masto: FakeMastodon, store: Store) -> None:
    p = conversation_world(masto)
    collector(masto, token=False).collect([ACME], store)
    late = masto.status(f"kim@{OTHER}", "Any news?", now(masto.clock) - timedelta(minutes=1), reply_to=p["A4"])
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert rows(store)[q(late)]["in_reply_to_id"] == q(p["A4"])
    assert report.requests == {"lookup": 1, "statuses": 1, "refresh": 1, "context": 1}
    again = collector(masto, token=False).collect([ACME], store)[0]  # nothing changed: no context is read again
    assert "context" not in again.requests


def test_a_reply_under_a_status_older_than_the_refresh_horizon_is_not_looked_for(
    masto: FakeMastodon, store: Store
) -> None:
    masto.account(f"acme@{HOST}")
    masto.account(f"jo@{HOST}")
    old = masto.status(f"acme@{HOST}", "Old news", now(masto.clock) - timedelta(days=REFRESH_DAYS + 5))
    collector(masto, token=False).collect([ACME], store)
    masto.status(f"jo@{HOST}", "Late reply", now(masto.clock) - timedelta(hours=1), reply_to=old)
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.requests == {"lookup": 1, "statuses": 1} and store.count_posts() == 1


def test_an_instance_without_the_statuses_list_notes_that_replies_are_not_refreshed(
    masto: FakeMastodon, store: Store
) -> None:
    conversation_world(masto)
    collector(masto, token=False).collect([ACME], store)
    masto.script("refresh", (404, {}, body("record_not_found_404.json")))
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.status == OK and report.requests["refresh"] == 1
    assert any(n.startswith("refresh: social.example answered 404 Record not found") for n in report.notes)


def test_replies_counted_but_not_shown_are_noted(masto: FakeMastodon, store: Store) -> None:
    p = conversation_world(masto)
    original = masto._context

    def without_kim(host, sid):  # type: ignore[no-untyped-def]  # K1 is followers-only: counted, not served
        status, headers, text = original(host, sid)
        data = json.loads(text)
        data["descendants"] = [s for s in data["descendants"] if s["id"] != p["K1"]]
        return status, headers, json.dumps(data)

    masto._context = without_kim  # type: ignore[method-assign]
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.notes == ["context: 1 reply counted under the account's statuses was not shown (not public, or "
                            "past what the instance serves anonymously)"]
    assert q(p["K1"]) not in rows(store)


def test_only_statuses_in_the_window_have_their_context_fetched(masto: FakeMastodon, store: Store) -> None:
    p = conversation_world(masto)
    since = now(masto.clock) - timedelta(days=2, hours=1)  # A1 (3 days old) is out of the window
    report = collector(masto, token=False).collect([ACME], store, since=since)[0]
    assert report.requests == {"lookup": 1, "statuses": 1, "context": 1}
    assert q(p["K1"]) not in rows(store) and q(p["A1"]) not in rows(store)


# -- mentions and the token ----------------------------------------------------------------------


def test_without_a_token_mentions_are_unmeasurable_and_no_token_is_sent(masto: FakeMastodon, store: Store) -> None:
    p = conversation_world(masto)
    report = collector(masto, token=False).collect([ACME], store)[0]
    assert report.status == OK and report.missing == [UNMEASURABLE]
    assert "mentions" not in masto.by_method and "login" not in masto.by_method
    assert set(masto.authorizations) == {None}
    assert q(p["S2"]) not in rows(store) and q(p["J1"]) in rows(store)  # the answered mention came as an ancestor


def test_statuses_that_are_not_public_are_not_kept_even_when_the_token_reads_them(
    masto: FakeMastodon, store: Store
) -> None:
    p = conversation_world(masto)
    direct = masto.status(f"jo@{HOST}", f"@acme@{HOST} my address is 1 Main St", now(masto.clock) - timedelta(hours=2),
                          visibility="direct")
    private = masto.status(f"kim@{OTHER}", "Followers only", now(masto.clock) - timedelta(hours=1), reply_to=p["A4"],
                           visibility="private")
    report = collector(masto).collect([ACME], store)[0]
    assert report.status == OK and q(direct) not in rows(store) and q(private) not in rows(store)
    assert report.fetched["mentions"] == 6 and report.added == 10  # read (and counted), not stored


def test_a_token_of_another_account_reads_no_notifications(masto: FakeMastodon, store: Store) -> None:
    conversation_world(masto)
    masto.token_owner = f"jo@{HOST}"
    report = collector(masto).collect([ACME], store)[0]
    assert report.status == OK and report.missing == [
        f"mentions: unmeasurable: the Mastodon token belongs to jo@{HOST}, not to this account (notifications are "
        "the token owner's only)"]
    assert "mentions" not in masto.by_method and report.requests["login"] == 1


def test_the_token_goes_only_to_its_instance(masto: FakeMastodon, store: Store) -> None:
    conversation_world(masto)
    masto.account(f"news@{OTHER}")
    masto.status(f"news@{OTHER}", "Hello", now(masto.clock) - timedelta(hours=1))
    collector(masto).collect([ACME, OrgAccount("mastodon", f"news@{OTHER}")], store)
    sent = [(c.request.url, c.request.headers.get("Authorization")) for c in masto.rsps.calls]  # type: ignore
    assert all(auth is None for url, auth in sent if OTHER in url)
    assert any(auth for url, auth in sent if HOST in url)


def test_a_rejected_token_stops_the_run_before_anything_and_is_masked(masto: FakeMastodon, store: Store) -> None:
    conversation_world(masto)
    planted = "cGxhbnRlZC1zZWNyZXQtdG9rZW4tZG8tbm90LWxlYWs"
    with pytest.raises(CredentialError) as caught:
        collector(masto, value=planted).collect([ACME], store)
    message = str(caught.value)
    assert "MASTODON_ACCESS_TOKEN" in message and "The access token is invalid" in message
    assert planted not in message and "****" in message
    assert store.count_posts() == 0 and dict(masto.by_method) == {"login": 1}


def test_a_refused_notifications_list_is_missing_and_the_rest_collected(masto: FakeMastodon, store: Store) -> None:
    conversation_world(masto)
    masto.script("mentions", (403, {}, {"error": "This action is outside the authorized scopes"}))
    report = collector(masto).collect([ACME], store)[0]
    assert report.status == OK and report.missing == [
        f"mentions: {HOST} refused the notifications (403 This action is outside the authorized scopes)"]
    assert report.requests["context"] == 2


# -- accounts --------------------------------------------------------------------------------------


def test_a_missing_a_suspended_and_a_malformed_account_are_reported_and_the_others_collected(
    masto: FakeMastodon, store: Store
) -> None:
    conversation_world(masto)
    masto.account(f"gone@{HOST}")
    masto.suspended.add(f"gone@{HOST}")
    accounts = [ACME, OrgAccount("mastodon", f"nobody@{HOST}"), OrgAccount("mastodon", f"gone@{HOST}"),
                OrgAccount("mastodon", "acme")]
    reports = collector(masto, token=False).collect(accounts, store)
    assert [r.status for r in reports] == [OK, UNAVAILABLE, UNAVAILABLE, UNAVAILABLE]
    assert reports[1].errors == [f"not collected: {HOST} says Record not found (404)"]
    assert reports[2].errors == [f"not collected: {HOST} says the account is suspended"]
    assert reports[3].errors == [BAD_ACCOUNT] and reports[3].requests == {}
    assert reports[1].requests == {"lookup": 1}


def test_an_instance_that_cannot_be_reached_is_named(masto: FakeMastodon, store: Store) -> None:
    conversation_world(masto)
    masto.script("lookup", *[requests.ConnectionError("Name or service not known")] * 4)
    first, second = collector(masto, token=False).collect([ACME, OrgAccount("mastodon", f"jo@{HOST}")], store)
    assert first.status == FAILED and first.errors == [
        f"not collected: {HOST} could not be reached; check the instance's name in mastodon:acme@{HOST}, or run the "
        "same command again later"]
    assert first.requests == {"lookup": 4} and second.status == OK


def test_collection_efficiency_figures_are_the_api_minimum() -> None:
    """The Mastodon figures bench/bench_collect.py records: requests equal the API minimum."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_collect", Path(__file__).parents[1] / "bench" /
                                                  "bench_collect.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    # 100 statuses, 30 mentions: login, lookup, 3 status pages, 1 notifications page, 20 contexts (one per status
    # with replies); the second run: login, lookup, one page of each listing
    assert bench.mastodon_scenario(100, 30) == (150, 26, 26, 4)


def test_the_token_needs_both_variables_or_neither() -> None:
    from collectors.credentials import mastodon_token

    assert mastodon_token({}) is None and mastodon_token({"MASTODON_INSTANCE": " "}) is None
    found = mastodon_token({"MASTODON_ACCESS_TOKEN": "abcdefghijklmnopqrstuvwxyz012345",
                            "MASTODON_INSTANCE": "https://Social.Example/"})
    assert found is not None and found.instance == "social.example"
    assert "abcdefghijklmnopqrstuvwxyz012345" not in repr(found)
    with pytest.raises(CredentialError, match="MASTODON_INSTANCE is not set but MASTODON_ACCESS_TOKEN is"):
        mastodon_token({"MASTODON_ACCESS_TOKEN": "abcdefghijklmnopqrstuvwxyz012345"})
