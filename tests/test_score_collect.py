"""``socialstage score --collect``: the real command line and the real tweepy code against the HTTP-level fake of
X (tests/fake_x.py), with an injected clock; one collector (one rate limiter) serves the whole list."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import responses
from click.testing import CliRunner, Result
from fake_x import FakeClock, FakeX, body

from socialstage.cli import cli

TOKEN = "AAAAAAAAAAAAAAAAAAAAAPlantedBearerTokenForScoreTests000042"
LIMITED_FOR = 3600.0

pytestmark = pytest.mark.usefixtures("no_real_sleep")  # every wait goes through the fake clock


@dataclass
class ListX(FakeX):
    """The fake X, logging every request (time, kind, usernames or user id), and answering 429 with a reset an
    hour away to the mentions of the ``limited`` accounts until that reset."""

    limited: set[str] = field(default_factory=set)
    limited_until: float = 0.0
    log: list[tuple[float, str, str]] = field(default_factory=list)

    def _answer(self, kind: str, request: Any) -> Any:
        query = parse_qs(urlparse(request.url).query)
        who = query["usernames"][0] if "usernames" in query else urlparse(request.url).path.split("/")[3]
        self.log.append((self.clock.now(), kind, who))
        return super()._answer(kind, request)

    def _mentions(self, request: Any) -> Any:
        user = self._user_by_id(request)
        if user["username"].lower() in self.limited and self.clock.now() < self.limited_until:
            self.log.append((self.clock.now(), "mentions", user["id"]))
            headers = self._headers(remaining=0, reset=self.limited_until)
            return 429, headers, json.dumps(body("too_many_requests_429.json"))
        return super()._mentions(request)

    def requests_for(self, username: str) -> list[tuple[float, str, str]]:
        user_id = self.users[username.lower()]["id"]
        return [entry for entry in self.log if entry[2] in (username, user_id)]


@dataclass
class World:
    clock: FakeClock
    x: ListX
    db: Path
    folder: Path

    def score(self, *args: str) -> Result:
        return CliRunner().invoke(cli, ["score", *args, "--collect", "--model", "none", "--db", str(self.db)],
                                  obj={"clock": self.clock})

    def rows(self, out: Path) -> dict[str, dict[str, Any]]:
        return {r["org"]: r for r in json.loads(out.read_text(encoding="utf-8"))}


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.chdir(tmp_path)  # no .env from anywhere else
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)
    clock = FakeClock()
    x = ListX(clock, token=TOKEN)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        x.install(rsps)
        yield World(clock, x, tmp_path / "store.db", tmp_path)


def brand(x: FakeX, handle: str, user_id: str, answered: int, customers: int = 4) -> None:
    """A brand on X: two announcements; customers mention it; it answers the first ``answered`` of them."""
    start = datetime.fromtimestamp(x.clock.now(), UTC) - timedelta(days=3)
    x.user(handle, user_id)
    for k in range(2):
        x.tweet(handle, f"News {k}", start + timedelta(minutes=k))
    for c in range(customers):
        name = f"{handle[:6]}fan{c}"
        x.user(name, f"{user_id}{c + 1:02d}")
        asked = x.tweet(name, f"@{handle} is my order late?", start + timedelta(hours=1 + c))
        if c < answered:
            x.tweet(handle, f"@{name} checking now ^AB", start + timedelta(hours=2 + c), reply_to=asked["id"])


def write_list(folder: Path, rows: list[tuple[str, str]]) -> Path:
    path = folder / "list.csv"
    path.write_text("org,platform,handle\n" + "".join(f"{org},x,{handle}\n" for org, handle in rows),
                    encoding="utf-8")
    return path


LIST = [("Acme", "AcmeHelp"), ("Ghost", "ghost_account"), ("Gone", "acme_gone"), ("Globex", "GlobexCare"),
        ("Slow", "SlowCo"), ("Later", "LaterCo")]


def test_missing_suspended_and_rate_limited_rows_are_marked_and_the_rest_scored(world: World) -> None:
    x = world.x
    for handle, uid, answered in (("AcmeHelp", "1000", 4), ("GlobexCare", "2000", 1), ("SlowCo", "3000", 2),
                                  ("LaterCo", "4000", 3)):
        brand(x, handle, uid, answered)
    x.suspended.add("acme_gone")
    x.limited, x.limited_until = {"slowco"}, x.clock.now() + LIMITED_FOR
    out = world.folder / "scores.json"
    listed = write_list(world.folder, LIST)
    result = world.score(str(listed), "--out", str(out), "--max-wait", "60")
    assert result.exit_code == 3, result.output  # some rows rate_limited
    assert "--resume to keep the scored rows and retry the others" in result.stderr
    rows = world.rows(out)
    assert {o: r["status"] for o, r in rows.items()} == {
        "Acme": "ok", "Globex": "ok", "Ghost": "not_found", "Gone": "not_found", "Slow": "rate_limited",
        "Later": "rate_limited"}
    assert "Could not find user with usernames: [ghost_account]" in rows["Ghost"]["message"]
    assert "User has been suspended: [acme_gone]" in rows["Gone"]["message"]
    assert "longer than --max-wait" in rows["Slow"]["message"] and "--resume" in rows["Slow"]["message"]
    assert rows["Later"]["message"].startswith("not started:")
    assert x.requests_for("LaterCo") == []  # marked without spending a request
    assert rows["Acme"]["rank"] == 1 and rows["Globex"]["rank"] == 2
    assert rows["Acme"]["response_rate"] == 1.0 and rows["Globex"]["response_rate"] == 0.25
    for name in ("Ghost", "Gone", "Slow", "Later"):
        assert rows[name]["stage"] is None and rows[name]["rank"] is None
    assert "run the same command with --resume" in result.stderr

    # After the reset, --resume keeps Acme and Globex (no request for them) and collects the rest.
    world.clock.sleep(LIMITED_FOR)
    before = len(x.log)
    again = world.score(str(listed), "--out", str(out), "--max-wait", "60", "--resume")
    assert again.exit_code == 4, again.output  # Ghost and Gone are still not found
    assert "2 kept from an earlier run" in again.stderr
    rerun = x.log[before:]
    assert not [e for e in rerun if e[2] in ("AcmeHelp", "1000", "GlobexCare", "2000")]
    rows = world.rows(out)
    assert {o: r["status"] for o, r in rows.items() if r["status"] == "ok"} == {
        "Acme": "ok", "Globex": "ok", "Slow": "ok", "Later": "ok"}
    assert [rows[o]["rank"] for o in ("Acme", "Later", "Slow", "Globex")] == [1, 2, 3, 4]


def test_one_rate_limiter_serves_the_whole_list(world: World) -> None:
    x = world.x
    brand(x, "AcmeHelp", "1000", 2)
    brand(x, "GlobexCare", "2000", 1)
    x.remaining = 0  # every answer says the endpoint's budget is used up until its reset, 15 minutes away
    out = world.folder / "scores.json"
    listed = write_list(world.folder, [("Acme", "AcmeHelp"), ("Globex", "GlobexCare")])
    result = world.score(str(listed), "--out", str(out), "--max-wait", "1000")
    assert result.exit_code == 0, result.output
    lookups = [(t, who) for t, kind, who in x.log if kind == "users"]
    assert [who for _, who in lookups] == ["AcmeHelp", "GlobexCare"]
    # Globex's first request waited for the budget Acme's lookup used up: the limiter is shared.
    assert lookups[1][0] - lookups[0][0] >= 899
    assert 899 <= world.clock.total_slept <= 901  # one wait: by then every endpoint's budget had reset too
    assert {r["status"] for r in world.rows(out).values()} == {"ok"}


def test_an_interrupted_collecting_batch_resumed_gives_the_same_output(world: World, tmp_path: Path) -> None:
    x = world.x
    for handle, uid, answered in (("AcmeHelp", "1000", 4), ("GlobexCare", "2000", 1), ("LaterCo", "4000", 3)):
        brand(x, handle, uid, answered)
    listed = write_list(world.folder, [("Acme", "AcmeHelp"), ("Globex", "GlobexCare"), ("Later", "LaterCo")])
    whole = world.folder / "whole.json"
    assert world.score(str(listed), "--out", str(whole)).exit_code == 0
    per_org = len(x.log) // 3

    killed = World(world.clock, x, tmp_path / "killed.db", world.folder)
    out = world.folder / "resumed.json"
    x.served, x.interrupt_at = 0, per_org + 2  # Acme done, Globex under way
    interrupted = killed.score(str(listed), "--out", str(out))
    assert interrupted.exit_code == 130, interrupted.output
    assert not out.exists()
    journal = out.with_name(out.name + ".rows.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["row"]["org"] for line in journal] == ["Acme"]
    x.interrupt_at = None
    resumed = killed.score(str(listed), "--out", str(out), "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "1 kept from an earlier run" in resumed.stderr
    assert out.read_bytes() == whole.read_bytes()


def test_missing_credentials_stop_the_batch_with_one_line(
    world: World, monkeypatch: pytest.MonkeyPatch, clean_error: Any
) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN")
    listed = write_list(world.folder, [("Acme", "AcmeHelp")])
    clean_error(world.score(str(listed)), "X_BEARER_TOKEN is not set")
    assert world.x.log == []
