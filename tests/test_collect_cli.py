"""``socialstage collect`` and ``audit --collect`` end to end: the real command line, the real tweepy and praw,
HTTP-level fakes of the APIs (tests/fake_x.py, tests/fake_reddit.py), an injected clock."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner, Result
from fake_reddit import FakeReddit
from fake_x import FakeClock, FakeX

from socialstage.cli import cli
from store.database import Store

TOKEN = "AAAAAAAAAAAAAAAAAAAAAPlantedBearerTokenMustNeverLeak0042"
SECRET = "planted-reddit-secret-must-never-leak-0077"

pytestmark = pytest.mark.usefixtures("no_real_sleep")  # every wait goes through the fake clock


@dataclass
class Apis:
    clock: FakeClock
    x: FakeX
    reddit: FakeReddit
    rsps: responses.RequestsMock
    db: Path

    def run(self, *args: str, debug: bool = False) -> Result:
        prefix = ["--debug", "-v"] if debug else []
        return CliRunner().invoke(cli, [*prefix, *args, "--db", str(self.db)], obj={"clock": self.clock})


@pytest.fixture
def apis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Apis]:
    monkeypatch.chdir(tmp_path)  # no .env from anywhere else
    clock = FakeClock()
    x = FakeX(clock, token=TOKEN)
    reddit = FakeReddit(clock, client_secret=SECRET)
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    monkeypatch.setenv("REDDIT_CLIENT_ID", reddit.client_id)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("REDDIT_USER_AGENT", "socialstage-tests/0.1 by u/tester")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        x.install(rsps)
        reddit.install(rsps)
        yield Apis(clock, x, reddit, rsps, tmp_path / "store.db")


def acme_on_x(apis: Apis) -> None:
    """A small X organization whose features are easy to count by hand (see the audit test)."""
    x, start = apis.x, datetime.fromtimestamp(apis.clock.now(), UTC) - timedelta(days=3)
    x.user("AcmeHelp", "1000")
    for name, uid in (("jo", "2001"), ("kim", "2002"), ("sam", "2003")):
        x.user(name, uid)
    at = lambda hours: start + timedelta(hours=hours)  # noqa: E731
    x.tweet("AcmeHelp", "Our new app is live https://t.co/a", at(0), urls=("https://acme.example/app?utm_source=x",))
    x.tweet("AcmeHelp", "Which feature next?", at(0.5), poll=True)
    q1 = x.tweet("jo", "@AcmeHelp my order is late?", at(1))
    love = x.tweet("kim", "@AcmeHelp love the new app", at(2))
    q2 = x.tweet("sam", "@AcmeHelp where is the refund?", at(3))
    x.tweet("AcmeHelp", "@jo Sorry! Checking now ^AB", at(3), reply_to=q1["id"])
    x.tweet("AcmeHelp", "@sam Refund sent -Maria", at(4), reply_to=q2["id"])
    x.tweet("AcmeHelp", "RT @kim: @AcmeHelp love the new app", at(5), retweet_of=love["id"])
    x.tweet("jo", "@AcmeHelp still waiting", at(10))
    for i in range(3):
        x.tweet("AcmeHelp", f"Tip {i}: restart the router", at(20 + i))


def test_collect_then_audit_gives_the_features_of_the_posts_served(apis: Apis) -> None:
    acme_on_x(apis)
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp")
    assert result.exit_code == 0, result.output
    assert "x:AcmeHelp" in result.stdout and "ok" in result.stdout
    with Store(apis.db) as store:  # enriched where the posts were stored: 8 org posts typed, 4 inbound scored
        enriched = store.load_enrichment()
    assert enriched["message_type"].notna().sum() == 8 and enriched["sentiment"].notna().sum() == 4
    audit = apis.run("audit", "Acme", "--format", "json", "--model", "none")
    assert audit.exit_code == 0, audit.output
    data = json.loads(audit.stdout)
    features = data["features"]
    # 8 org posts: 5 originals (one poll, one tracked link), 2 replies to customers, 1 repost of a customer;
    # 4 inbound mentions, 2 answered after 2 h and 1 h.
    assert features["org_posts"] == 8
    assert features["inbound"] == 4
    assert features["response_rate"] == pytest.approx(2 / 4)
    assert features["dialogue_share"] == pytest.approx(2 / 8)
    assert features["amplification_share"] == pytest.approx(1 / 8)
    assert features["poll_share"] == pytest.approx(1 / 8)
    assert features["tracked_link_share"] == pytest.approx(1 / 8)
    assert features["response_time_median_hours"] == pytest.approx(1.5)
    assert data["collection"] == ["x:AcmeHelp: replies: X's recent search covers the last 7 days only"]


def test_collection_notes_are_kept_per_account_across_runs(apis: Apis) -> None:
    acme_on_x(apis)
    tip = next(t for t in apis.x.tweets.values() if t["text"].startswith("Tip 0"))
    apis.x.tweet("jo", "@AcmeHelp thanks", datetime.fromtimestamp(apis.clock.now(), UTC), reply_to=tip["id"])
    assert apis.run("collect", "Acme", "--account", "x:AcmeHelp").exit_code == 0  # replies get a cursor
    apis.x.user("AcmeNews", "3000")
    again = apis.run("collect", "Acme", "--account", "x:AcmeHelp", "--account", "x:AcmeNews")
    assert again.exit_code == 0, again.output
    data = json.loads(apis.run("audit", "Acme", "--format", "json", "--model", "none").stdout)
    assert data["collection"] == ["x:AcmeHelp: replies: X's recent search covers the last 7 days only",
                                  "x:AcmeNews: replies: X's recent search covers the last 7 days only"]


def test_db_is_accepted_before_the_command_name_too(apis: Apis, tmp_path: Path) -> None:
    acme_on_x(apis)
    elsewhere = tmp_path / "global.db"
    run = CliRunner().invoke(cli, ["--db", str(elsewhere), "collect", "Acme", "--account", "x:AcmeHelp"],
                             obj={"clock": apis.clock})
    assert run.exit_code == 0, run.output
    with Store(elsewhere) as store:
        assert store.count_posts() > 0
    audit = CliRunner().invoke(cli, ["--db", str(elsewhere), "audit", "Acme", "--format", "json", "--model", "none"])
    assert audit.exit_code == 0, audit.output
    assert json.loads(audit.stdout)["features"]["org_posts"] == 8
    assert not apis.db.exists()  # the command's own --db default was not used


def test_posts_in_the_organizations_subreddit_are_audited_as_inbound(apis: Apis) -> None:
    reddit, t0 = apis.reddit, datetime.fromtimestamp(apis.clock.now(), UTC) - timedelta(days=5)
    for name in ("acme_official", "jo_smith", "sam"):
        reddit.user(name)
    reddit.subreddit("AcmeSupport")
    reddit.submission("acme_official", "Welcome to r/AcmeSupport", t0)
    asked = [reddit.submission(name, f"Problem {i}?", t0 + timedelta(hours=i + 1))
             for i, name in enumerate(("jo_smith", "sam", "jo_smith"))]
    reddit.comment("acme_official", "Fixed now -Mia", t0 + timedelta(hours=3), asked[0]["id"])
    reddit.comment("acme_official", "Try a reset -Mia", t0 + timedelta(hours=6), asked[1]["id"])
    result = apis.run("collect", "Acme", "--account", "reddit:acme_official", "--account", "reddit:r/AcmeSupport")
    assert result.exit_code == 0, result.output
    data = json.loads(apis.run("audit", "Acme", "--format", "json", "--model", "none").stdout)
    assert data["features"]["org_posts"] == 3
    assert data["features"]["inbound"] == 3
    assert data["features"]["response_rate"] == pytest.approx(2 / 3)
    assert data["features"]["response_time_median_hours"] == pytest.approx((2 + 4) / 2)


def test_audit_collect_collects_first_and_prints_the_audit_on_stdout(apis: Apis) -> None:
    acme_on_x(apis)
    result = apis.run("audit", "Acme", "--collect", "--account", "x:AcmeHelp", "--format", "json", "--model", "none")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["features"]["org_posts"] == 8
    assert "x:AcmeHelp" in result.stderr  # the collection summary goes to stderr
    again = apis.run("audit", "Acme", "--collect", "--format", "json", "--model", "none")  # the stored organization
    assert again.exit_code == 0 and json.loads(again.stdout)["features"]["org_posts"] == 8


def test_missing_credentials_are_one_line_naming_the_variable(
    apis: Apis, monkeypatch: pytest.MonkeyPatch, clean_error: Callable[..., str]
) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN")
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp")
    clean_error(result, "X_BEARER_TOKEN is not set", ".env")
    assert result.exit_code == 1 and len(apis.rsps.calls) == 0


def test_every_missing_credential_is_named_in_one_line(
    apis: Apis, monkeypatch: pytest.MonkeyPatch, clean_error: Callable[..., str]
) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN")
    monkeypatch.delenv("REDDIT_CLIENT_SECRET")
    monkeypatch.delenv("REDDIT_USER_AGENT")
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp", "--account", "reddit:acme_official")
    clean_error(result, "X_BEARER_TOKEN is not set", "REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT are not set")
    assert result.exit_code == 1 and len(apis.rsps.calls) == 0


def test_a_rejected_token_is_one_line_with_the_token_masked(apis: Apis, clean_error: Callable[..., str]) -> None:
    acme_on_x(apis)
    apis.x.token = "the-server-expects-another-token-000"
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp")
    line = clean_error(result, "X_BEARER_TOKEN", "rejected", "401")
    assert TOKEN not in line and "****0042" in line


def test_a_forbidden_part_is_listed_in_the_output_and_in_the_audit(apis: Apis) -> None:
    acme_on_x(apis)
    apis.x.forbidden.add("search")
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp")
    assert result.exit_code == 0
    assert "x:AcmeHelp: missing replies: forbidden by your X access level (403" in result.stdout
    audit = apis.run("audit", "Acme", "--model", "none", "--format", "json")
    assert any("missing replies: forbidden" in n for n in json.loads(audit.stdout)["collection"])
    text = apis.run("audit", "Acme", "--model", "none")
    assert "collection: x:AcmeHelp: missing replies" in re.sub(r"\s+", " ", text.stdout)


def test_unavailable_accounts_exit_4_and_the_others_are_collected(apis: Apis) -> None:
    acme_on_x(apis)
    apis.x.suspended.add("acme_gone")
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp", "--account", "x:acme_gone",
                      "--account", "threads:acme", "--format", "json")
    assert result.exit_code == 4
    [org] = json.loads(result.stdout)
    assert [a["status"] for a in org["accounts"]] == ["ok", "unavailable", "unavailable"]
    assert "User has been suspended: [acme_gone]." in org["accounts"][1]["errors"][0]
    assert "no live collector for threads" in org["accounts"][2]["errors"][0]


def test_an_account_refused_everywhere_exits_4_and_says_refused(apis: Apis) -> None:
    acme_on_x(apis)
    apis.x.forbidden.update({"tweets", "mentions", "search"})
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp")
    assert result.exit_code == 4, result.output
    out = re.sub(r"\s+", " ", result.stdout)
    assert "refused" in out and " ok " not in out


def test_a_wait_past_max_wait_exits_3_with_the_resume_command_and_resuming_completes(apis: Apis) -> None:
    acme_on_x(apis)
    apis.x.script("mentions", (429, apis.x._headers(remaining=0, reset=apis.clock.now() + 3600),
                               {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}))
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp", "--max-wait", "60")
    assert result.exit_code == 3
    out = re.sub(r"\s+", " ", result.stdout)
    assert "longer than --max-wait 1 min 0 s" in out
    assert f"Resume with: socialstage collect Acme --account x:AcmeHelp --max-wait 60 --db {apis.db}" in out
    apis.clock.sleep(3600)
    again = apis.run("collect", "Acme", "--account", "x:AcmeHelp", "--max-wait", "60")
    assert again.exit_code == 0, again.output
    assert json.loads(apis.run("audit", "Acme", "--format", "json", "--model", "none").stdout)["features"][
        "org_posts"] == 8


def test_a_monthly_usage_cap_exits_3_at_once_naming_the_cap(apis: Apis) -> None:
    acme_on_x(apis)
    capped = {"title": "UsageCapExceeded", "detail": "Usage cap exceeded: Monthly product cap", "period": "Monthly",
              "scope": "Product", "type": "https://api.twitter.com/2/problems/usage-capped"}
    apis.x.script("mentions", (429, apis.x._headers(reset=apis.clock.now() + 900), capped))
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp")
    assert result.exit_code == 3, result.output
    assert apis.clock.total_slept == 0
    assert "monthly usage cap" in re.sub(r"\s+", " ", result.stdout)


def test_the_resume_command_keeps_every_option_that_matters(apis: Apis) -> None:
    acme_on_x(apis)
    apis.x.script("mentions", (429, apis.x._headers(remaining=0, reset=apis.clock.now() + 3600),
                               {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}))
    result = apis.run("collect", "Acme", "--account", "x:AcmeHelp", "--since", "2023-11-10", "--max-wait", "60",
                      "--more-comments", "3")
    assert result.exit_code == 3, result.output
    out = re.sub(r"\s+", " ", result.stdout)
    resume = out.split("Resume with: ", 1)[1]
    for option in ("--account x:AcmeHelp", "--since 2023-11-10", "--max-wait 60", "--more-comments 3",
                   f"--db {apis.db}"):
        assert option in resume


def test_with_verbose_a_wait_is_shown_once(apis: Apis) -> None:
    acme_on_x(apis)
    apis.x.script("mentions", (429, apis.x._headers(remaining=0, reset=apis.clock.now() + 120),
                               {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429}))
    apis.x.script("search", (503, {}, {"title": "Service Unavailable", "status": 503}))
    result = apis.run("-v", "collect", "Acme", "--account", "x:AcmeHelp")
    assert result.exit_code == 0, result.output
    err = re.sub(r"\s+", " ", result.stderr)
    assert err.count("mentions: rate limited (429)") == 1, result.stderr
    assert err.count("replies: server answered 503") == 1, result.stderr


def test_an_organizations_file_collects_every_organization(apis: Apis, tmp_path: Path) -> None:
    acme_on_x(apis)
    apis.x.user("Globex", "3000")
    apis.x.tweet("Globex", "Hello", datetime.fromtimestamp(apis.clock.now(), UTC) - timedelta(hours=1))
    orgs = tmp_path / "orgs.toml"
    orgs.write_text('[[organization]]\nname = "Acme"\naccounts = ["x:AcmeHelp:support"]\n\n'
                    '[[organization]]\nname = "Globex"\naccounts = ["twitter:Globex"]\n', encoding="utf-8")
    result = apis.run("collect", "--orgs", str(orgs), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [o["org"] for o in json.loads(result.stdout)] == ["Acme", "Globex"]
    assert apis.run("audit", "Globex", "--format", "json", "--model", "none").exit_code == 0


def test_no_credential_appears_in_output_logs_reports_or_the_store(
    apis: Apis, caplog: pytest.LogCaptureFixture
) -> None:
    acme_on_x(apis)
    apis.reddit.user("acme_official")
    apis.reddit.subreddit("AcmeSupport")
    apis.reddit.submission("acme_official", "Hello", datetime.fromtimestamp(apis.clock.now(), UTC))
    apis.x.forbidden.add("search")
    caplog.set_level(logging.DEBUG)
    accounts = ["--account", "x:AcmeHelp", "--account", "reddit:acme_official", "--account", "reddit:r/AcmeSupport"]
    texts = []
    for run in (
        apis.run("collect", "Acme", *accounts, "--format", "json", debug=True),
        apis.run("collect", "Acme", *accounts, debug=True),
        apis.run("audit", "Acme", "--format", "json", "--model", "none", debug=True),
    ):
        assert run.exit_code == 0, run.output
        texts += [run.stdout, run.stderr]
    assert "Making API request" in "".join(texts)  # tweepy's debug log (request headers included) was shown
    apis.x.token, apis.reddit.client_secret = "server-wants-another-token", "server-wants-another-secret"
    for failing in (apis.run("collect", "Acme", "--account", "x:AcmeHelp"),
                    apis.run("collect", "Acme", "--account", "reddit:acme_official", debug=True)):
        assert failing.exit_code == 1
        texts += [failing.stdout, failing.stderr, repr(failing.exception)]
    texts.append(caplog.text)
    stored = b"".join(p.read_bytes() for p in apis.db.parent.glob(apis.db.name + "*"))
    for secret in (TOKEN, SECRET):
        for text in texts:
            assert secret not in re.sub(r"\s+", "", text)  # rich may wrap a long line anywhere
        assert secret.encode() not in stored


def test_a_collected_timeline_measures_reposts_a_file_without_any_leaves_them_unseen(apis: Apis, tmp_path) -> None:
    # an X account that never reposts: collected live, its timeline holds its retweets, so none is measured
    # (amplification not met); the same posts as a file say nothing of reposts (unmeasurable, with a warning)
    x, start = apis.x, datetime.fromtimestamp(apis.clock.now(), UTC) - timedelta(days=3)
    x.user("AcmeHelp", "1000")
    for i in range(12):
        x.user(f"fan{i}", str(3000 + i))
        asked = x.tweet(f"fan{i}", f"@AcmeHelp question {i}?", start + timedelta(hours=i))
        x.tweet("AcmeHelp", f"@fan{i} Here is how it works, step by step", start + timedelta(hours=i, minutes=30),
                reply_to=asked["id"])
    assert apis.run("collect", "Acme", "--account", "x:AcmeHelp").exit_code == 0

    def amplification(data: dict) -> str:
        return next(e["status"] for e in data["evidence"] if e["feature"] == "amplification_share")

    live = json.loads(apis.run("audit", "Acme", "--format", "json", "--model", "none").stdout)
    assert amplification(live) == "not met"
    assert not any("is a repost" in w for w in live["warnings"])
    exported = tmp_path / "acme.csv"
    assert apis.run("store", "export", "Acme", "-o", exported).exit_code == 0
    from_file = apis.run("audit", "Acme", "--posts", exported, "--account", "twitter:AcmeHelp", "--format", "json",
                         "--model", "none")
    data = json.loads(from_file.stdout)
    assert amplification(data) == "unmeasurable"
    assert any("none of its posts in the data is a repost" in w for w in data["warnings"])
