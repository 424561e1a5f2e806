"""``socialstage collect`` on Mastodon killed with SIGKILL between pages: the real process, Mastodon.py and a local
HTTP server on 127.0.0.1 answering in the wire format (the fake of tests/fake_mastodon.py behind http.server).

A local instance (``acme@127.0.0.1:PORT``) is reached over plain HTTP. The server holds the k-th request unanswered,
the test kills the process then, and a second run must end with the store an uninterrupted run gives, no page
having been answered twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest
from fake_mastodon import FakeMastodon

from store.database import Store

ROOT = Path(__file__).resolve().parents[1]


class RealClock:
    def now(self) -> float:
        return time.time()


class Server:
    """The fake behind a real HTTP server; ``hold_at`` keeps that request (1-based) unanswered until released."""

    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.host = f"127.0.0.1:{self.httpd.server_address[1]}"
        self.fake = FakeMastodon(RealClock(), hosts=(self.host,))
        self.count, self.hold_at = 0, 0
        self.held, self.release = threading.Event(), threading.Event()
        self.lock = threading.Lock()
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with server.lock:
                    server.count += 1
                    held = server.count == server.hold_at
                if held:
                    server.held.set()
                    server.release.wait(30)
                    return  # the client is gone: nothing is answered, nothing recorded
                request = SimpleNamespace(url=f"http://{server.host}{self.path}", headers=self.headers)
                with server.lock:
                    status, headers, text = server.fake._get(server.host, request)
                data = text.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                return

        return Handler

    def world(self) -> None:
        acme, jo = f"acme@{self.host}", f"jo@{self.host}"
        self.fake.account(acme)
        self.fake.account(jo)
        start = datetime.now(UTC) - timedelta(days=6)
        for i in range(95):
            self.fake.status(acme, f"News {i}", start + timedelta(hours=i))
        for i in range(3):
            asked = self.fake.status(jo, f"@{acme} question {i}?", start + timedelta(hours=100 + 3 * i))
            answer = self.fake.status(acme, f"Answer {i} ^MS", start + timedelta(hours=101 + 3 * i), reply_to=asked)
            self.fake.status(jo, f"Thanks {i}", start + timedelta(hours=102 + 3 * i), reply_to=answer)

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    started = Server()
    started.world()
    yield started
    started.close()


def command(server: Server, db: Path, cwd: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTODON_", "SOCIALSTAGE_"))}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "socialstage", "collect", "Acme", "--account", f"mastodon:acme@{server.host}",
         "--db", str(db), "--format", "json"],
        cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


def snapshot(db: Path) -> list[tuple[str, ...]]:
    with Store(db) as store:
        frame = store.load_posts().sort_values("post_id")
        return [tuple(str(v) for v in row) for row in frame.itertuples(index=False)]


@pytest.mark.parametrize("kill_at", [3, 4, 6])
def test_a_collection_killed_between_pages_resumes_losing_nothing_and_fetching_no_page_twice(
    server: Server, tmp_path: Path, kill_at: int
) -> None:
    whole = command(server, tmp_path / "whole.db", tmp_path)
    assert whole.wait(120) == 0, whole.stderr.read().decode()  # type: ignore[union-attr]
    expected = snapshot(tmp_path / "whole.db")
    # lookup, 3 pages of statuses (40, 40, 21), 3 contexts (one per answered question; a thread's last reply is in it)
    assert Counter(e for e, _ in server.fake.pages) == {"lookup": 1, "statuses": 3, "context": 3}
    server.fake.pages.clear()
    server.count, server.hold_at = 0, kill_at
    killed = command(server, tmp_path / "killed.db", tmp_path)
    assert server.held.wait(60), "the run never reached the held request"
    killed.send_signal(signal.SIGKILL)
    assert killed.wait(30) == -signal.SIGKILL
    server.release.set()
    server.hold_at = 0
    rerun = command(server, tmp_path / "killed.db", tmp_path)
    assert rerun.wait(120) == 0, rerun.stderr.read().decode()  # type: ignore[union-attr]
    assert snapshot(tmp_path / "killed.db") == expected
    twice = [page for page, n in Counter(server.fake.pages).items() if n > 1 and page[0] != "lookup"]
    assert not twice, f"answered twice after a kill at request {kill_at}: {twice}"
