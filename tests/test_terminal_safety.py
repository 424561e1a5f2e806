"""Nothing from the data reaches a terminal with its control codes: escape sequences, C0 and C1 controls and
bidirectional overrides in post text, handles and names are stripped in every command meant for a terminal."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text

from socialstage.display.terminal import SafeConsole, clean

OSC_LINK = "\x1b]8;;http://evil.example\x1b\\click me\x1b]8;;\x1b\\"
TITLE = "\x1b]0;pwned\x07"
HOSTILE = (f"Hello {OSC_LINK} {TITLE}\x1b[2J\x1b[31mred\x1b[0m \x9b31m8-bit\x9d0;t\x9c bell\x07 cr\r nul\x00 "
           "rtl\u202eevil\u202c end")
#: Anything that could act on a terminal: ESC, the C0 controls but tab and newline, DEL, C1, and the bidi
#: embeddings, overrides and isolates.
ACTIVE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_clean_strips_escape_sequences_and_controls_and_keeps_the_words() -> None:
    text = clean(HOSTILE)
    assert not ACTIVE.search(text)
    assert "click me" in text and "red" in text and "8-bit" in text and "rtl" in text and "evil" in text
    assert "pwned" not in text and "evil.example" not in text  # the payloads of OSC sequences go with them
    assert clean("tab\tand\nnewline stay; ünïcödé and 日本語 too") == "tab\tand\nnewline stay; ünïcödé and 日本語 too"


@given(st.text())
def test_clean_leaves_nothing_active(text: str) -> None:
    assert not ACTIVE.search(clean(text))


def test_safe_console_strips_data_but_keeps_its_own_styles() -> None:
    buffer = io.StringIO()
    console = SafeConsole(file=buffer, force_terminal=True, color_system="standard", width=200)
    console.print(Text(HOSTILE, style="bold"))
    out = buffer.getvalue()
    assert "\x1b[1m" in out  # its own bold
    assert "\x1b]" not in out and "\x07" not in out and "\x9b" not in out and "\u202e" not in out
    assert "\x1b[31m" not in out and "\x1b[2J" not in out


@pytest.fixture
def hostile_posts(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.csv"
    rows = [
        {"platform": "twitter", "post_id": "1", "author": "AcmeHelp", "created_at": "2024-03-04T09:00:00Z",
         "text": f"News {OSC_LINK}", "in_reply_to_id": "", "in_reply_to_author": ""},
        {"platform": "twitter", "post_id": "2", "author": "jo", "created_at": "2024-03-04T10:00:00Z",
         "text": f"@AcmeHelp {TITLE} help?\x1b[2J", "in_reply_to_id": "", "in_reply_to_author": "AcmeHelp"},
        {"platform": "twitter", "post_id": "3", "author": "AcmeHelp", "created_at": "2024-03-04T11:00:00Z",
         "text": "@jo we are on it \u202eevil\u202c", "in_reply_to_id": "2", "in_reply_to_author": "jo"},
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("args", [
    ["posts", "AcmeHelp", "--posts"],
    ["posts", "AcmeHelp", "--inbound", "--posts"],
    ["posts", "AcmeHelp", "--format", "json", "--posts"],
    ["audit", "AcmeHelp", "--format", "json", "--posts"],
    ["audit", "AcmeHelp", "--posts"],
    ["score", "LIST", "--posts"],
])
def test_no_escape_sequence_reaches_the_terminal(run_cli, hostile_posts: Path, args: list[str]) -> None:
    listing = hostile_posts.with_name("list.csv")
    listing.write_text("org,platform,handle\nAcme\x1b]0;t\x07,twitter,AcmeHelp\n", encoding="utf-8")
    result = run_cli(*[listing if a == "LIST" else a for a in args], hostile_posts)
    assert result.exit_code in (0, 4), result.output
    assert not ACTIVE.search(result.stdout), repr(result.stdout)
    assert not ACTIVE.search(result.stderr), repr(result.stderr)
    if "json" in args and args[0] == "posts":  # JSON keeps the post text whole, escaped
        assert "\\u001b" in result.stdout or "\\u202e" in result.stdout


def test_an_error_line_naming_data_is_clean(run_cli, hostile_posts: Path) -> None:
    result = run_cli("audit", "Acme\x1b]0;x\x07", "--posts", hostile_posts)
    assert result.exit_code != 0
    assert not ACTIVE.search(result.stderr), repr(result.stderr)
