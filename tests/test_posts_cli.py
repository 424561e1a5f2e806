"""``socialstage posts``: every post behind a verdict, as a table, CSV (formula-safe) or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

COLUMNS = ["platform", "post_id", "author", "created_at", "text", "in_reply_to_id", "repost_of_id", "quote_of_id"]
HYPERLINK = '=HYPERLINK("http://evil.example","click")'


def row(post_id: str, author: str, created_at: str, text: str, **refs: str) -> dict[str, str]:
    return {"platform": "twitter", "post_id": post_id, "author": author, "created_at": created_at, "text": text,
            **refs}


#: a1 original with a tracked link; a2 answers carol's complaint i1 two hours later, signed and by name;
#: a3 reposts erin; a6 quotes dave's praise (i2, never answered); a4 and a5 are hostile originals.
ROWS = [
    row("a1", "AcmeHelp", "2024-01-01T09:00:00Z", "Big news! https://bit.ly/x1"),
    row("i1", "carol", "2024-01-01T10:00:00Z", "@AcmeHelp terrible, awful delay"),
    row("a2", "AcmeHelp", "2024-01-01T12:00:00Z", "@carol Hi Carol, sorry! ^AB", in_reply_to_id="i1"),
    row("e1", "erin", "2024-01-02T08:00:00Z", "my photo"),
    row("i2", "dave", "2024-01-02T10:00:00Z", "@AcmeHelp I love it, wonderful!"),
    row("a3", "AcmeHelp", "2024-01-02T11:00:00Z", "RT @erin: my photo", repost_of_id="e1"),
    row("a6", "AcmeHelp", "2024-01-02T12:00:00Z", "Thanks @dave!", quote_of_id="i2"),
    row("a4", "AcmeHelp", "2024-01-03T09:00:00Z", HYPERLINK),
    row("a5", "AcmeHelp", "2024-01-03T10:00:00Z", "@SUM(1) [bold]not markup[/bold]"),
]


@pytest.fixture
def posts_file(write_csv) -> Path:
    return write_csv(ROWS, columns=COLUMNS)


def test_org_posts_as_json(run_cli, posts_file: Path) -> None:
    result = run_cli("posts", "--posts", posts_file, "--org", "AcmeHelp", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["post_id"] for r in rows] == ["a1", "a2", "a3", "a6", "a4", "a5"]
    assert [r["kind"] for r in rows] == ["original", "reply", "repost", "quote", "original", "original"]
    assert [r["category"] for r in rows] == ["broadcast", "dialogue", "amplification", "amplification",
                                             "broadcast", "broadcast"]
    by_id = {r["post_id"]: r for r in rows}
    assert by_id["a1"]["signals"] == "tracked link"
    assert (by_id["a2"]["signature"], by_id["a2"]["addressed_name"], by_id["a2"]["personal"]) == ("AB", "Carol", True)
    assert by_id["a2"]["to"] == "carol" and by_id["a3"]["to"] == "erin" and by_id["a6"]["to"] == "dave"
    assert by_id["a1"]["personal"] is None  # only dialogue replies are personal or not
    assert {r["department"] for r in rows} == {"support"}  # AcmeHelp: inferred from the handle
    assert all(r["message_type"] in ("information", "action", "dialogue") for r in rows)
    assert by_id["a4"]["text"] == HYPERLINK  # JSON keeps the text as it is


def test_inbound_posts_with_sentiment_and_answers(run_cli, posts_file: Path) -> None:
    result = run_cli("posts", "--posts", posts_file, "--org", "AcmeHelp", "--inbound", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["post_id"]: r for r in json.loads(result.stdout)}
    assert sorted(rows) == ["i1", "i2"]
    assert (rows["i1"]["sentiment_class"], rows["i1"]["answered"], rows["i1"]["response_hours"]) == (
        "negative", True, 2.0)
    assert rows["i1"]["sentiment"] < 0 < rows["i2"]["sentiment"]
    # a quote is not an answer
    assert (rows["i2"]["sentiment_class"], rows["i2"]["answered"], rows["i2"]["response_hours"]) == (
        "positive", False, None)


def test_csv_neutralizes_formulas(run_cli, posts_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "posts.csv"
    result = run_cli("posts", "--posts", posts_file, "--org", "AcmeHelp", "--format", "csv", "-o", out)
    assert result.exit_code == 0, result.output
    assert "Wrote 6 rows" in result.stderr
    content = out.read_text(encoding="utf-8")
    rows = {r["post_id"]: r for r in csv.DictReader(io.StringIO(content))}
    assert rows["a4"]["text"] == "'" + HYPERLINK
    assert rows["a5"]["text"].startswith("'@SUM(1)")
    assert rows["a2"]["text"].startswith("'@carol")
    assert rows["a1"]["text"] == "Big news! https://bit.ly/x1"  # harmless text is untouched
    # no cell of the file starts a formula
    for record in csv.reader(io.StringIO(content)):
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in record), record


def test_inbound_csv_keeps_numbers_as_numbers(run_cli, posts_file: Path) -> None:
    result = run_cli("posts", "--posts", posts_file, "--org", "AcmeHelp", "--inbound", "--format", "csv")
    rows = {r["post_id"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert float(rows["i1"]["sentiment"]) < 0  # a negative score is a number, not neutralized text
    assert rows["i2"]["response_hours"] == ""


def test_table_shows_text_as_text_and_a_summary(run_cli, posts_file: Path) -> None:
    result = run_cli("posts", "--posts", posts_file, "--org", "AcmeHelp")
    assert result.exit_code == 0, result.output
    assert "[bold]not" in result.stdout  # markup in post text is shown, not interpreted
    assert "6 organization posts: 3 broadcast, 1 dialogue, 2 amplification" in result.stdout
    inbound = run_cli("posts", "--posts", posts_file, "--org", "AcmeHelp", "--inbound")
    said = " ".join(inbound.stdout.split())  # the summary is folded to the terminal's width
    assert "2 inbound posts, 1 answered within 7 days; negative: 1 of 1 answered; positive: 0 of 1 answered" in said


def test_window_narrows_the_listing(run_cli, posts_file: Path) -> None:
    result = run_cli("posts", "--posts", posts_file, "--org", "AcmeHelp", "--since", "2024-01-02", "--until",
                     "2024-01-02", "--format", "json")
    assert [r["post_id"] for r in json.loads(result.stdout)] == ["a3", "a6"]


def test_from_the_store(run_cli, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    assert run_cli("demo", "--save", "--db", db).exit_code == 0
    result = run_cli("posts", "demo-propagating", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["department"] for r in rows} == {"general", "support", "news", "careers", "developers"}
    assert any(r["signature"] for r in rows)
    inbound = json.loads(run_cli("posts", "demo-propagating", "--db", db, "--inbound", "--format", "json").stdout)
    assert inbound and all(r["sentiment_class"] in ("positive", "negative", "neutral", None) for r in inbound)


def test_errors(run_cli, clean_error, posts_file: Path) -> None:
    assert run_cli("posts", "--posts", posts_file).exit_code == 2
    clean_error(run_cli("posts", "--posts", posts_file, "--org", "Nobody"), "no post", "Nobody")


WIDE_TEXT = "日本語の投稿です。配送が遅れていますが、いつ届きますか？ " * 3
LONG_WORDS = "Supercalifragilisticexpialidocious-and-then-some https://example.com/" + "a" * 120


@pytest.mark.parametrize("inbound", [False, True])
def test_table_is_readable_at_80_columns(run_cli, write_csv, monkeypatch: pytest.MonkeyPatch, inbound: bool) -> None:
    from rich.cells import cell_len

    rows = [*ROWS, row("i3", "a_very_long_customer_handle", "2024-01-03T11:00:00Z", "@AcmeHelp " + WIDE_TEXT),
            row("a7", "AcmeHelp", "2024-01-03T12:00:00Z", "@a_very_long_customer_handle " + LONG_WORDS,
                in_reply_to_id="i3")]
    posts = write_csv(rows, columns=COLUMNS)
    monkeypatch.setenv("COLUMNS", "80")
    args = ("posts", "--posts", posts, "--org", "AcmeHelp", *(("--inbound",) if inbound else ()))
    result = run_cli(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and max(cell_len(line) for line in lines) <= 80
    # the text column has room: a sentence of a post stays on one line, and the details are kept
    assert any("terrible, awful delay" in line for line in lines) if inbound else \
        any("Hi Carol, sorry! ^AB" in line for line in lines)
    assert "answered" in result.stdout if inbound else "signed AB" in result.stdout
    flat = "".join(line.strip() for line in lines)
    assert "日本語の投稿です" in flat if inbound else "Supercalifragilistic" in flat


def test_a_wide_terminal_keeps_every_column(run_cli, posts_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "160")
    result = run_cli("posts", "--posts", posts_file, "--org", "AcmeHelp")
    header = next(line for line in result.stdout.splitlines() if "signed/named" in line)
    assert all(name in header for name in ("time", "account", "kind", "type", "signals", "text"))
