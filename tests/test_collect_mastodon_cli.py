"""``socialstage collect``, ``audit`` and ``score --collect`` on Mastodon end to end: the real command line, the real
Mastodon.py client, the HTTP-level fake of the REST API (tests/fake_mastodon.py), an injected clock."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner, Result
from fake_mastodon import HOST, FakeMastodon
from fake_x import FakeClock
from test_mastodon_collector import OTHER, conversation_world

from socialstage.cli import cli

TOKEN = "cGxhbnRlZC1tYXN0b2Rvbi10b2tlbi0wMDQy"
ACCOUNT = f"mastodon:acme@{HOST}"

pytestmark = pytest.mark.usefixtures("no_real_sleep")


@dataclass
class Api:
    clock: FakeClock
    fake: FakeMastodon
    rsps: responses.RequestsMock
    db: Path

    def run(self, *args: str, debug: bool = False) -> Result:
        prefix = ["--debug", "-v"] if debug else []
        return CliRunner().invoke(cli, [*prefix, *args, "--db", str(self.db)], obj={"clock": self.clock})


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.chdir(tmp_path)  # no .env from anywhere else
    for name in ("MASTODON_ACCESS_TOKEN", "MASTODON_INSTANCE"):
        monkeypatch.delenv(name, raising=False)
    clock = FakeClock()
    fake = FakeMastodon(clock, hosts=(HOST, OTHER), token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        yield Api(clock, fake, rsps, tmp_path / "store.db")


def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", TOKEN)
    monkeypatch.setenv("MASTODON_INSTANCE", HOST)


def audit(api: Api) -> dict:
    result = api.run("audit", "Acme", "--format", "json", "--model", "none")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_collect_then_audit_gives_the_features_of_the_statuses_served(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation_world(api.fake)
    token(monkeypatch)
    result = api.run("collect", "Acme", "--account", ACCOUNT)
    assert result.exit_code == 0, result.output
    assert f"mastodon:acme@{HOST}" in result.stdout and "ok" in result.stdout
    features = audit(api)["features"]
    # 5 org statuses: an original with a tracked link (A1), two replies to jo (A2, A3), a boost of kim (B2), a poll
    # (A4). 4 inbound: jo's mention J1 (answered by A2 after 1 h), jo's reply J2 (answered by A3 after 1 h), kim's
    # reply K1 and sam's mention S2 (unanswered); sam's quote S1 is not served (quotes are not listed).
    assert features["org_posts"] == 5
    assert features["inbound"] == 4
    assert features["response_rate"] == pytest.approx(2 / 4)
    assert features["dialogue_share"] == pytest.approx(2 / 5)
    assert features["amplification_share"] == pytest.approx(1 / 5)
    assert features["broadcast_share"] == pytest.approx(2 / 5)
    assert features["tracked_link_share"] == pytest.approx(1 / 5)
    assert features["poll_share"] == pytest.approx(1 / 5)
    assert features["response_time_median_hours"] == pytest.approx(1.0)


def test_without_a_token_the_audit_says_mentions_are_unmeasurable(api: Api) -> None:
    conversation_world(api.fake)
    result = api.run("collect", "Acme", "--account", ACCOUNT)
    assert result.exit_code == 0, result.output
    assert f"mastodon:acme@{HOST}: missing mentions: unmeasurable without a Mastodon token" in re.sub(
        r"\s+", " ", result.stdout)
    data = audit(api)
    assert data["features"]["inbound"] == 3 and data["features"]["response_rate"] == pytest.approx(2 / 3)
    assert data["view"]["inbound"] == "partial" and "mentions" in data["view"]["reason"]
    assert any("missing mentions: unmeasurable" in n for n in data["collection"])


def test_an_account_without_its_instance_is_one_line(api: Api, clean_error: Callable[..., str]) -> None:
    result = api.run("collect", "Acme", "--account", "mastodon:acme")
    clean_error(result, "a Mastodon account is USER@INSTANCE")
    assert result.exit_code != 0 and len(api.rsps.calls) == 0


def test_one_variable_of_the_token_is_one_line_naming_the_other(
    api: Api, monkeypatch: pytest.MonkeyPatch, clean_error: Callable[..., str]
) -> None:
    monkeypatch.setenv("MASTODON_ACCESS_TOKEN", TOKEN)
    result = api.run("collect", "Acme", "--account", ACCOUNT)
    clean_error(result, "MASTODON_INSTANCE is not set")
    assert result.exit_code == 1 and len(api.rsps.calls) == 0


def test_unavailable_accounts_exit_4_and_a_stop_at_max_wait_exits_3(api: Api) -> None:
    conversation_world(api.fake)
    result = api.run("collect", "Acme", "--account", ACCOUNT, "--account", f"mastodon:nobody@{HOST}")
    assert result.exit_code == 4 and "Record not found" in re.sub(r"\s+", " ", result.stdout)
    api.fake.statuses.clear()
    api.fake.script("statuses", (429, api.fake.headers(remaining=0, reset=api.clock.now() + 3600),
                                 {"error": "Too many requests"}))
    stopped = api.run("collect", "Acme", "--account", ACCOUNT, "--max-wait", "60")
    assert stopped.exit_code == 3
    assert f"Resume with: socialstage collect Acme --account {ACCOUNT}" in re.sub(r"\s+", " ", stopped.stdout)


def test_the_token_never_appears_in_output_logs_or_the_store(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    conversation_world(api.fake)
    token(monkeypatch)
    caplog.set_level(logging.DEBUG)
    texts = []
    for run in (api.run("collect", "Acme", "--account", ACCOUNT, "--format", "json", debug=True),
                api.run("collect", "Acme", debug=True),
                api.run("audit", "Acme", "--format", "json", "--model", "none", debug=True)):
        assert run.exit_code == 0, run.output
        texts += [run.stdout, run.stderr]
    api.fake.token = "the-server-wants-another-token"
    failing = api.run("collect", "Acme", debug=True)
    assert failing.exit_code == 1 and "rejected" in str(failing.exception)
    texts += [failing.stdout, failing.stderr, repr(failing.exception)]
    texts.append(caplog.text)
    assert "login" in api.fake.by_method and "mentions" in api.fake.by_method
    stored = b"".join(p.read_bytes() for p in api.db.parent.glob(api.db.name + "*"))
    for text in texts:
        assert TOKEN not in re.sub(r"\s+", "", text)
    assert TOKEN.encode() not in stored


def test_score_collect_ranks_organizations_across_x_and_mastodon(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from fake_x import FakeX

    conversation_world(api.fake)
    x = FakeX(api.clock, token="AAAAAAAAAAAAAAAAAAAAAScoreAcrossPlatformsToken000042")
    monkeypatch.setenv("X_BEARER_TOKEN", x.token)
    x.install(api.rsps)
    start = datetime.fromtimestamp(api.clock.now(), UTC) - timedelta(days=2)
    x.user("GlobexCare", "2000")
    x.user("pat", "2001")
    x.tweet("GlobexCare", "News", start)
    asked = x.tweet("pat", "@GlobexCare where is my parcel?", start + timedelta(hours=1))
    x.tweet("GlobexCare", "@pat on its way ^AB", start + timedelta(hours=2), reply_to=asked["id"])
    listed = tmp_path / "list.csv"
    listed.write_text(f"org,platform,handle\nAcme,mastodon,acme@{HOST}\nGlobex,x,GlobexCare\n", encoding="utf-8")
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(cli, ["score", str(listed), "--collect", "--model", "none", "--out", str(out),
                                      "--db", str(api.db)], obj={"clock": api.clock})
    assert result.exit_code == 0, result.output
    scored = {r["org"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert {o: r["status"] for o, r in scored.items()} == {"Acme": "ok", "Globex": "ok"}
    assert scored["Acme"]["response_rate"] == pytest.approx(2 / 3)  # no token: the mentions are not seen
    assert scored["Globex"]["response_rate"] == 1.0


def test_audit_collect_audits_the_collected_account(api: Api) -> None:
    conversation_world(api.fake)
    result = api.run("audit", "Acme", "--collect", "--account", f"{ACCOUNT}:support", "--format", "json",
                     "--model", "none")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["features"]["org_posts"] == 5


def test_mastodon_accounts_are_user_at_instance_with_an_optional_port_and_department() -> None:
    from socialstage.audit.organizations import parse_account
    from socialstage.errors import SocialstageError

    assert str(parse_account("mastodon:@acme@Mastodon.Social:support")) == "mastodon:acme@Mastodon.Social (support)"
    assert parse_account("mastodon:acme@localhost:3000").handle == "acme@localhost:3000"
    assert parse_account("mastodon:acme@127.0.0.1:8080:news").department == "news"
    for bad in ("mastodon:acme", "mastodon:acme@", "mastodon:a@b@c.example"):
        with pytest.raises(SocialstageError, match=r"PLATFORM:HANDLE|USER@INSTANCE"):
            parse_account(bad)
