"""``socialstage collect`` on Bluesky as a real process against a local HTTP server answering as the fake
(tests/fake_bluesky.py), killed with SIGKILL while it collects: rerun, it ends with what an uninterrupted run
stores, and no page is fetched twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fake_bluesky import FakeBluesky
from fake_x import FakeClock
from requests.structures import CaseInsensitiveDict
from test_bluesky_collector import conversation_world, now, snapshot, timeline_world

from store.database import Store

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


@dataclass
class Shim:
    """What the fake's callbacks read of a request (as ``responses`` hands it over)."""

    url: str
    headers: CaseInsensitiveDict[str]
    body: bytes


def world() -> FakeBluesky:
    fake = FakeBluesky(FakeClock())
    first = conversation_world(fake)["A1"]
    timeline_world(fake, 230, mentions=120)
    for i in range(130):  # two pages of quotes
        fake.post("jo.bsky.social", f"quote {i}", now(fake.clock) - timedelta(hours=30, minutes=i), quote=first)
    return fake


@contextmanager
def serving(fake: FakeBluesky) -> Iterator[tuple[str, dict[str, Any]]]:
    """The fake on 127.0.0.1; at its ``interrupt_at``-th request the process in ``state["victim"]`` is killed."""
    state: dict[str, Any] = {"victim": None, "killed": False}

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            shim = Shim(f"http://{self.headers['host']}{self.path}", CaseInsensitiveDict(dict(self.headers)),
                        self.rfile.read(length))
            try:
                if self.path.startswith("/xrpc/com.atproto.server.createSession"):
                    status, headers, text = fake._session(shim)
                else:
                    status, headers, text = fake._get(shim)
            except KeyboardInterrupt:  # the fake's signal: kill the collector before it gets this answer
                os.kill(state["victim"], signal.SIGKILL)
                state["killed"] = True
                status, headers, text = 503, {}, ""
            data = text.encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = answer

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


def collect(base: str, fake: FakeBluesky, db: Path, state: dict[str, Any], tmp: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BLUESKY_", "X_", "TWITTER_", "REDDIT_"))}
    env.update(BLUESKY_APPVIEW=base, BLUESKY_PDS=base, BLUESKY_HANDLE=fake.login_handle,
               BLUESKY_APP_PASSWORD=fake.app_password, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    code = "from socialstage.cli import main; main()"
    proc = subprocess.Popen([sys.executable, "-c", code, "collect", "Acme", "--account", "bluesky:acme.example.com",
                             "--db", str(db)], env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state["victim"] = proc.pid
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, -signal.SIGKILL), err.decode()[-2000:]
    return proc.returncode


def test_a_collect_killed_with_sigkill_and_rerun_loses_nothing_and_fetches_no_page_twice(tmp_path: Path) -> None:
    fake = world()
    with serving(fake) as (base, state):
        assert collect(base, fake, tmp_path / "whole.db", state, tmp_path) == 0
    with Store(tmp_path / "whole.db") as whole:
        expected = snapshot(whole)
    total = fake.served
    assert total == 1 + 1 + 3 + 2 + 2 + 2 + 1  # login, profile, feed, mentions, threads, quotes, reposts
    for kill_at in (4, 7, 9, 11):  # killed before feed page 2, search page 2, thread 2, quotes page 2
        fake = world()
        fake.interrupt_at = kill_at
        db = tmp_path / f"killed{kill_at}.db"
        with serving(fake) as (base, state):
            assert collect(base, fake, db, state, tmp_path) == -signal.SIGKILL and state["killed"]
            fake.interrupt_at = None
            assert collect(base, fake, db, state, tmp_path) == 0
        with Store(db) as store:
            assert snapshot(store) == expected, kill_at
        twice = [page for page, n in Counter(fake.pages).items() if n > 1 and not (
            page[0] in ("getProfile", "getPosts") or (page[0] in ("getAuthorFeed", "searchPosts")
                                                      and "cursor" not in json.loads(page[1])))]
        assert not twice, f"fetched twice after a kill at request {kill_at}: {twice}"
