"""Honest imports: every field checked with a reason, corrections upserted and counted, counts true under
concurrency, suspect dates listed."""

from __future__ import annotations

import csv
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

HEADER = ["platform", "post_id", "author", "created_at", "text", "like_count"]


def _write(path: Path, rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _stored(db: Path, post_id: str) -> tuple[object, ...]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT author, created_at, text, like_count FROM posts WHERE post_id = ?",
                            (post_id,)).fetchone()


def test_a_count_beyond_64_bits_skips_that_row_with_its_reason(run_cli, tmp_path: Path, db_path: Path) -> None:
    posts = _write(tmp_path / "big.csv", [
        ["twitter", "1", "acme", "2024-03-04T09:00:00Z", "fine", "12"],
        ["twitter", "2", "acme", "2024-03-04T10:00:00Z", "huge", "9223372036854775808"],
        ["twitter", "3", "acme", "2024-03-04T11:00:00Z", "largest", "9223372036854775807"],
        ["twitter", "4", "acme", "2024-03-04T12:00:00Z", "negative", "-3"],
    ])
    result = run_cli("import", posts, "--db", db_path, "--rejects", tmp_path / "rejects")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert re.search(r"\b2 posts, 2 new\b", result.stdout), result.stdout
    listed = next((tmp_path / "rejects").glob("big-rejects-*.csv")).read_text(encoding="utf-8")
    assert "like_count 9223372036854775808 is out of range" in listed
    assert "like_count '-3' is negative" in listed
    assert _stored(db_path, "3")[3] == 2**63 - 1


def test_a_reimported_post_with_corrections_is_updated_counted_and_listed(run_cli, tmp_path: Path,
                                                                         db_path: Path) -> None:
    first = _write(tmp_path / "first.csv", [
        ["twitter", "1", "acme", "2024-03-04T09:00:00Z", "Our shop opens at 9", "1"],
        ["twitter", "2", "acme", "2024-03-04T10:00:00Z", "Unchanged", "1"],
    ])
    assert run_cli("import", first, "--db", db_path).exit_code == 0
    fixed = _write(tmp_path / "fixed.csv", [
        ["twitter", "1", "AcmeHelp", "2024-03-04T09:30:00Z", "Our shop opens at 10", "5"],
        ["twitter", "2", "acme", "2024-03-04T10:00:00Z", "Unchanged", "1"],
    ])
    again = run_cli("import", fixed, "--db", db_path)
    assert again.exit_code == 0, again.output
    assert "0 new, 2 already stored (1 updated: twitter/1)." in again.stdout, again.stdout
    author, created, text, likes = _stored(db_path, "1")
    assert (author, text, likes) == ("AcmeHelp", "Our shop opens at 10", 5)
    assert created.startswith("2024-03-04T09:30:00")
    # importing the corrected file once more changes nothing
    assert "0 new, 2 already stored." in run_cli("import", fixed, "--db", db_path).stdout


def test_dates_before_2006_or_far_ahead_are_imported_and_listed(run_cli, tmp_path: Path, db_path: Path) -> None:
    posts = _write(tmp_path / "dates.csv", [
        ["twitter", "1", "acme", "2024-03-04T09:00:00Z", "ok", ""],
        ["twitter", "2", "acme", "2099-01-01T00:00:00Z", "future", ""],
        ["twitter", "3", "acme", "1970-01-01T00:00:00Z", "epoch", ""],
        ["twitter", "4", "acme", "0001-01-01T00:00:00Z", "year one", ""],
    ])
    result = run_cli("import", posts, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "4 posts, 4 new" in result.stdout
    line = next(line for line in result.stdout.splitlines() if "before 2006" in line)
    assert "3 posts dated before 2006 or more than a day ahead" in line
    assert all(f"twitter/{i}" in line for i in (2, 3, 4)) and "twitter/1," not in line


@pytest.mark.parametrize("writers", [2])
def test_two_imports_at_once_print_true_counts(tmp_path: Path, writers: int) -> None:
    rows = [["twitter", str(i), f"user{i % 50}", "2024-03-04T09:00:00Z", f"post {i}", ""] for i in range(3000)]
    posts = _write(tmp_path / "many.csv", rows)
    db = tmp_path / "store.db"
    command = [sys.executable, "-m", "socialstage", "import", str(posts), "--db", str(db)]
    done = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(writers)]
    outputs = [process.communicate(timeout=300) for process in done]
    assert all(process.returncode == 0 for process in done), outputs
    counts = [re.search(r"(\d+) new, (-?\d+) already stored", out) for out, _ in outputs]
    assert all(counts), outputs
    new = [int(found.group(1)) for found in counts]
    already = [int(found.group(2)) for found in counts]
    assert sum(new) == 3000 and all(a >= 0 for a in already)
    assert all(n + a == 3000 for n, a in zip(new, already, strict=True))


def test_a_large_read_reports_its_progress_in_rows_and_bytes(tmp_path: Path) -> None:
    from collectors.files import PROGRESS_ROWS, read_posts

    rows = [["twitter", str(i), "acme", "2024-03-04T09:00:00Z", f"post number {i}", "1"] for i in range(12_001)]
    posts = _write(tmp_path / "large.csv", rows)
    heard: list[tuple[int, int | None, int]] = []
    result = read_posts(posts, progress=lambda done, total, count: heard.append((done, total, count)))
    assert len(result.posts) == 12_001
    size = posts.stat().st_size
    assert [count for _, _, count in heard] == [PROGRESS_ROWS, 2 * PROGRESS_ROWS, 12_001]
    assert all(total == size for _, total, _ in heard)
    done = [d for d, _, _ in heard]
    assert done == sorted(done) and done[-1] == size and 0 < done[0] < size


def test_the_import_bar_shows_rows_rate_and_time_left_on_a_terminal(tmp_path: Path, db_path: Path) -> None:
    import io

    from socialstage.cli.import_streams import byte_bar
    from socialstage.display.terminal import SafeConsole

    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=True, width=120)
    with byte_bar(console, "Reading large.csv") as update:
        update(5_000, 20_000, 5_000)
        update(10_000, 20_000, 10_000)
    shown = out.getvalue()
    assert "Reading large.csv" in shown
    assert re.search(r"10,?000 rows", shown), shown
