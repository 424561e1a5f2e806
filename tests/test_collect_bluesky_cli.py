"""``socialstage collect`` and ``audit`` on Bluesky end to end: the real command line, the real atproto SDK, the
HTTP-level fake of XRPC (tests/fake_bluesky.py), an injected clock."""

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
from fake_bluesky import FakeBluesky
from fake_x import FakeClock
from test_bluesky_collector import conversation_world

from socialstage.cli import cli
from store.database import Store

PASSWORD = "plnt-dnvr-leak-0042"

pytestmark = pytest.mark.usefixtures("no_real_sleep")


@dataclass
class Api:
    clock: FakeClock
    fake: FakeBluesky
    rsps: responses.RequestsMock
    db: Path

    def run(self, *args: str, debug: bool = False) -> Result:
        prefix = ["--debug", "-v"] if debug else []
        return CliRunner().invoke(cli, [*prefix, *args, "--db", str(self.db)], obj={"clock": self.clock})


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.chdir(tmp_path)  # no .env from anywhere else
    for name in ("BLUESKY_HANDLE", "BLUESKY_APP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    clock = FakeClock()
    fake = FakeBluesky(clock, app_password=PASSWORD)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake.install(rsps)
        yield Api(clock, fake, rsps, tmp_path / "store.db")


def login(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLUESKY_HANDLE", api.fake.login_handle)
    monkeypatch.setenv("BLUESKY_APP_PASSWORD", PASSWORD)


def audit(api: Api) -> dict:
    result = api.run("audit", "Acme", "--format", "json", "--model", "none")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_collect_then_audit_gives_the_features_of_the_posts_served(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    conversation_world(api.fake)
    login(api, monkeypatch)
    result = api.run("collect", "Acme", "--account", "bluesky:acme.example.com")
    assert result.exit_code == 0, result.output
    assert "bluesky:acme.example.com" in result.stdout and "ok" in result.stdout
    data = audit(api)
    features = data["features"]
    # 4 org posts: an original with a tracked link (A1), two replies to jo (A2, A3), a repost of kim (R2).
    # 4 inbound: jo's mention J1 (answered by A2 after 1 h), jo's reply J2 (answered by A3 after 1 h), kim's
    # reply K1 and sam's mention S2 (unanswered); sam's quote S1 does not address the account.
    assert features["org_posts"] == 4
    assert features["inbound"] == 4
    assert features["response_rate"] == pytest.approx(2 / 4)
    assert features["dialogue_share"] == pytest.approx(2 / 4)
    assert features["amplification_share"] == pytest.approx(1 / 4)
    assert features["broadcast_share"] == pytest.approx(1 / 4)
    assert features["tracked_link_share"] == pytest.approx(1 / 4)
    assert features["response_time_median_hours"] == pytest.approx(1.0)
    assert data["view"]["inbound"] == "visible"


def test_without_a_login_the_audit_says_mentions_are_unmeasurable(api: Api) -> None:
    conversation_world(api.fake)
    result = api.run("collect", "Acme", "--account", "bluesky:acme.example.com")
    assert result.exit_code == 0, result.output
    assert "bluesky:acme.example.com: missing mentions: unmeasurable without a Bluesky login" in re.sub(
        r"\s+", " ", result.stdout)
    data = audit(api)
    assert data["features"]["inbound"] == 3 and data["features"]["response_rate"] == pytest.approx(2 / 3)
    assert data["view"]["inbound"] == "partial" and "mentions" in data["view"]["reason"]
    assert any("missing mentions: unmeasurable" in n for n in data["collection"])


def test_an_account_given_as_a_did_is_audited_under_its_handle(api: Api) -> None:
    conversation_world(api.fake)
    did = api.fake.did("acme.example.com")
    result = api.run("collect", "Acme", "--account", f"bluesky:{did}:support", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["accounts"][0]["account"] == "acme.example.com"
    with Store(api.db) as store:
        [account] = store.load_organization("Acme").accounts
    assert (account.handle, account.department) == ("acme.example.com", "support")
    assert audit(api)["features"]["org_posts"] == 4


def test_one_variable_of_the_login_is_one_line_naming_the_other(
    api: Api, monkeypatch: pytest.MonkeyPatch, clean_error: Callable[..., str]
) -> None:
    monkeypatch.setenv("BLUESKY_HANDLE", "auditor.example.net")
    result = api.run("collect", "Acme", "--account", "bluesky:acme.example.com")
    clean_error(result, "BLUESKY_APP_PASSWORD is not set")
    assert result.exit_code == 1 and len(api.rsps.calls) == 0


def test_unavailable_accounts_exit_4_and_a_stop_at_max_wait_exits_3(api: Api) -> None:
    conversation_world(api.fake)
    result = api.run("collect", "Acme", "--account", "bluesky:acme.example.com", "--account",
                     "bluesky:nobody.bsky.social")
    assert result.exit_code == 4 and "Profile not found" in result.stdout
    api.fake.posts.clear()
    api.fake.script("getAuthorFeed", (429, api.fake._headers(remaining=0, reset=api.clock.now() + 3600),
                                      {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}))
    stopped = api.run("collect", "Acme", "--account", "bluesky:acme.example.com", "--max-wait", "60")
    assert stopped.exit_code == 3
    assert "Resume with: socialstage collect Acme --account bluesky:acme.example.com" in re.sub(
        r"\s+", " ", stopped.stdout)


def test_the_app_password_and_tokens_never_appear_in_output_logs_or_the_store(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    conversation_world(api.fake)
    login(api, monkeypatch)
    caplog.set_level(logging.DEBUG)
    texts = []
    for run in (api.run("collect", "Acme", "--account", "bluesky:acme.example.com", "--format", "json", debug=True),
                api.run("collect", "Acme", debug=True),
                api.run("audit", "Acme", "--format", "json", "--model", "none", debug=True)):
        assert run.exit_code == 0, run.output
        texts += [run.stdout, run.stderr]
    api.fake.app_password = "the-server-wants-another-one"
    failing = api.run("collect", "Acme", debug=True)
    assert failing.exit_code == 1 and "rejected the login" in str(failing.exception)
    texts += [failing.stdout, failing.stderr, repr(failing.exception)]
    texts.append(caplog.text)
    assert api.fake.tokens and "createSession" in api.fake.by_method
    stored = b"".join(p.read_bytes() for p in api.db.parent.glob(api.db.name + "*"))
    for secret in (PASSWORD, *api.fake.tokens):
        for text in texts:
            assert secret not in re.sub(r"\s+", "", text)
        assert secret.encode() not in stored


def test_score_collect_ranks_organizations_across_x_and_bluesky(
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
    listed.write_text("org,platform,handle\nAcme,bluesky,acme.example.com\nGlobex,x,GlobexCare\n", encoding="utf-8")
    out = tmp_path / "scores.json"
    result = CliRunner().invoke(cli, ["score", str(listed), "--collect", "--model", "none", "--out", str(out),
                                      "--db", str(api.db)], obj={"clock": api.clock})
    assert result.exit_code == 0, result.output
    scored = {r["org"]: r for r in json.loads(out.read_text(encoding="utf-8"))}
    assert {o: r["status"] for o, r in scored.items()} == {"Acme": "ok", "Globex": "ok"}
    assert scored["Acme"]["response_rate"] == pytest.approx(2 / 3)  # no login: the mentions are not seen
    assert scored["Globex"]["response_rate"] == 1.0


def test_audit_collect_with_a_did_audits_the_collected_account(api: Api) -> None:
    conversation_world(api.fake)
    did = api.fake.did("acme.example.com")
    result = api.run("audit", "Acme", "--collect", "--account", f"bluesky:{did}", "--format", "json",
                     "--model", "none")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["features"]["org_posts"] == 4


def test_bluesky_pds_names_the_server_the_login_goes_to(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    conversation_world(api.fake)
    login(api, monkeypatch)
    monkeypatch.setenv("BLUESKY_PDS", "https://pds.example.org/")
    api.rsps.add(responses.POST, "https://pds.example.org/xrpc/com.atproto.server.createSession", status=401,
                 json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"})
    result = api.run("collect", "Acme", "--account", "bluesky:acme.example.com")
    assert result.exit_code == 1 and "rejected the login" in result.output
    assert "createSession" not in api.fake.by_method  # bsky.social was not asked
