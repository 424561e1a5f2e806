"""Streaming a Reddit dump: wall time and peak memory of ``socialstage import`` on a large ``.zst`` dump.

Generates a synthetic Pushshift-style dump (submissions and comments as NDJSON, zstandard-compressed, written
as it is made; nothing is kept) of about ``--mb`` megabytes compressed in a temporary folder, then imports it
into a temporary store with the real command (``socialstage import``, a separate process), and also a dump an
eighth of that size: peak memory that does not grow with the file is what streaming promises. Peak RSS is
the child's (``os.wait4``). Appends one row per dump to bench/RESULTS.md under "Import of a Reddit dump".

    .venv/bin/python bench/bench_import_dump.py            # ~1 GB compressed
    .venv/bin/python bench/bench_import_dump.py --mb 200
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench")]

from results_table import append_row  # noqa: E402

HEADING = "## Import of a Reddit dump (bench/bench_import_dump.py)"
COLUMNS = ("date", "machine", "dump (.zst)", "decompressed", "lines", "posts stored", "seconds", "lines / s",
           "peak RSS")
_TEXT = ("router wifi firmware update support help thanks issue fixed broken mesh signal speed app setup reset "
         "account order delivery refund great terrible love hate why how when the a to is it my your our we you "
         "they this that not just really still again today yesterday please anyone know works does doesn't "
         "acme customer service reply answer question problem solution link page review price")
WORDS = tuple(_TEXT.split(" "))
SUBREDDITS = ("AcmeSupport", "gadgets", "HomeNetworking", "techsupport", "buildapc")


def to36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def generate(path: Path, target_bytes: int, seed: int = 7) -> tuple[int, int]:
    """Write a dump of about ``target_bytes`` compressed; returns (lines, decompressed bytes)."""
    rng = random.Random(seed)
    lines = raw = 0
    t3, t1 = int("1a0000", 36), int("k00000", 36)
    created = 1_700_000_000
    open_posts: list[int] = []
    with path.open("wb") as handle:
        writer = zstandard.ZstdCompressor(level=3).stream_writer(handle, closefd=False)
        while handle.tell() < target_bytes:
            chunk = []
            for _ in range(2000):
                created += rng.randint(0, 3)
                number = rng.randint(1, 200_000)
                author, fullname = f"user_{number}", f"t2_{to36(number * 7919 % 2**24)}"
                sub = rng.choice(SUBREDDITS)
                if not open_posts or rng.random() < 0.06:
                    t3 += 1
                    open_posts = [*open_posts[-50:], t3]
                    sid = to36(t3)
                    title = " ".join(rng.choices(WORDS, k=rng.randint(4, 12)))
                    row = {"id": sid, "name": f"t3_{sid}", "author": author,
                           "author_fullname": fullname,
                           "created_utc": created, "title": title.capitalize(),
                           "selftext": " ".join(rng.choices(WORDS, k=rng.randint(0, 80))), "subreddit": sub,
                           "subreddit_id": "t5_2qh1i", "num_comments": rng.randint(0, 40),
                           "score": rng.randint(-3, 500),
                           "permalink": f"/r/{sub}/comments/{sid}/{title[:30].replace(' ', '_')}/", "is_self": True,
                           "url": f"https://www.reddit.com/r/{sub}/comments/{sid}/", "over_18": False,
                           "distinguished": None, "author_flair_text": None, "retrieved_on": created + 86_400}
                else:
                    t1 += 1
                    cid = to36(t1)
                    link = rng.choice(open_posts)
                    parent = f"t3_{to36(link)}" if rng.random() < 0.4 or t1 < int("k00010", 36) else \
                        f"t1_{to36(rng.randint(max(int('k00000', 36) + 1, t1 - 500), t1 - 1))}"
                    row = {"id": cid, "name": f"t1_{cid}", "author": author,
                           "author_fullname": fullname,
                           "body": " ".join(rng.choices(WORDS, k=rng.randint(3, 60))), "created_utc": created,
                           "link_id": f"t3_{to36(link)}", "parent_id": parent, "subreddit": sub,
                           "subreddit_id": "t5_2qh1i",
                           "score": rng.randint(-5, 200), "permalink": f"/r/{sub}/comments/{to36(link)}/_/{cid}/",
                           "distinguished": None, "author_flair_text": None, "controversiality": 0,
                           "retrieved_on": created + 86_400}
                chunk.append(json.dumps(row))
            data = ("\n".join(chunk) + "\n").encode()
            writer.write(data)
            writer.flush(zstandard.FLUSH_BLOCK)
            lines += len(chunk)
            raw += len(data)
        writer.flush(zstandard.FLUSH_FRAME)
    return lines, raw


def run_import(dump: Path, db: Path) -> tuple[float, int, str]:
    """Import with the real command in a child process: (seconds, peak RSS in bytes, its summary line)."""
    command = [str(Path(sys.executable).with_name("socialstage")), "import", str(dump), "--db", str(db)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    out, err = child.stdout.read(), child.stderr.read()  # type: ignore[union-attr]
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"socialstage import failed ({child.returncode}): {err.strip()}")
    return seconds, usage.ru_maxrss * 1024, out.strip().splitlines()[0]  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="size of the big dump, compressed, in MB")
    parser.add_argument("--no-small", action="store_true", help="skip the dump an eighth of the size")
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, CPython {platform.python_version()}"
    sizes = [args.mb] if args.no_small else [max(1, args.mb // 8), args.mb]
    with tempfile.TemporaryDirectory(prefix="socialstage-dump-") as tmp:
        for mb in sizes:
            dump, db = Path(tmp) / f"RC_RS_synthetic_{mb}MB.ndjson.zst", Path(tmp) / f"store-{mb}.db"
            began = time.perf_counter()
            lines, raw = generate(dump, mb * 2**20)
            size = dump.stat().st_size
            print(f"generated {dump.name}: {size / 2**20:,.0f} MB compressed, {raw / 2**30:,.2f} GB of NDJSON, "
                  f"{lines:,} lines in {time.perf_counter() - began:,.0f} s", flush=True)
            seconds, peak, summary = run_import(dump, db)
            with sqlite3.connect(db) as conn:
                stored = conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
            print(f"{summary}\n  {seconds:,.0f} s, {lines / seconds:,.0f} lines/s, peak RSS {peak / 2**20:,.0f} MB",
                  flush=True)
            row = (datetime.now(UTC).strftime("%Y-%m-%d"), machine, f"{size / 2**20:,.0f} MB",
                   f"{raw / 2**30:,.2f} GB", f"{lines:,}", f"{stored:,}", f"{seconds:,.0f}", f"{lines / seconds:,.0f}",
                   f"{peak / 2**20:,.0f} MB")
            append_row(HEADING, "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS),
                       "| " + " | ".join(row) + " |")
            dump.unlink()
            shutil.rmtree(db.parent / "rejects", ignore_errors=True)
            db.unlink()


if __name__ == "__main__":
    main()
