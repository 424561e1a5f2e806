"""A hostile corpus through the whole tool: imported, audited, listed, scored to CSV, Parquet, JSON and HTML.

Control and escape sequences, RTL overrides, a 5 MB field, NUL bytes, huge integers, dates far in the past and
future, ids with quotes and SQL, formulas and script tags: no traceback, no escape sequence on the terminal, no
formula in a CSV cell, no live script in the HTML, every rejected row listed with its reason.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.test_terminal_safety import ACTIVE

ESCAPES = "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \x1b]0;title\x07 \x1b[2J \x9b31m"
HEADER = ["platform", "post_id", "author", "created_at", "text", "in_reply_to_id", "in_reply_to_author",
          "like_count"]


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    rows = [
        ["twitter", "1", "AcmeHelp", "2024-03-04T09:00:00Z", f"News {ESCAPES} \u202eevil\u202c", "", "", "3"],
        ["twitter", "2", "jo", "2024-03-04T09:10:00Z", "@AcmeHelp =HYPERLINK(\"http://x\") <script>alert(1)</script>",
         "", "AcmeHelp", "0"],
        ["twitter", "3", "AcmeHelp", "2024-03-04T09:20:00Z", "@jo sorry! +cmd|' /C calc'!A0", "2", "jo", ""],
        ["twitter", "4'; DROP TABLE posts;--", "jo", "2024-03-04T09:30:00Z", "-2+3 @AcmeHelp still?", "", "AcmeHelp",
         ""],
        ["twitter", "5", "AcmeHelp", "2024-03-04T09:40:00Z", "@jo \"quoted\" reply", "4'; DROP TABLE posts;--",
         "jo", ""],
        ["twitter", "6", "AcmeHelp", "2024-03-04T09:50:00Z", "x" * (5 * 1024 * 1024), "", "", ""],  # 5 MB field
        ["twitter", "7", "AcmeHelp", "2024-03-04T10:00:00Z", "huge", "", "", "9223372036854775808"],
        ["twitter", "8", "AcmeHelp", "1970-01-01T00:00:00Z", "epoch", "", "", ""],
        ["twitter", "9", "AcmeHelp", "2099-01-01T00:00:00Z", "future", "", "", ""],
        ["twitter", "10", "AcmeHelp", "0001-01-01T00:00:00Z", "year one", "", "", ""],
        ["twitter", "11", "@AcmeHelp", "2024-03-04T10:10:00Z", "@cat =1+1 @AcmeHelp", "", "", ""],
    ]
    path = tmp_path / "hostile.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
        handle.write('twitter,12,jo,2024-03-04T10:20:00Z,"nul \x00 byte",,,\n')
    return path


def _clean(result, where: str) -> None:
    assert "Traceback" not in result.output, (where, result.output[-2000:])
    assert not ACTIVE.search(result.stdout), (where, repr(result.stdout[:2000]))
    assert not ACTIVE.search(result.stderr), (where, repr(result.stderr[:2000]))


def test_the_hostile_corpus_goes_through_every_command_safely(run_cli, hostile: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    rejects = tmp_path / "rejects"
    imported = run_cli("import", hostile, "--db", db, "--rejects", rejects)
    _clean(imported, "import")
    assert imported.exit_code == 0, imported.output
    found = re.search(r"(\d+) posts?, (\d+) new", imported.stdout)
    assert found, imported.stdout
    listed = list(rejects.glob("*.csv"))
    assert len(listed) == 1
    with listed[0].open(encoding="utf-8", newline="") as handle:
        rejected = list(csv.DictReader(handle))
    skipped = re.search(r"(\d+) rows? skipped", imported.stdout)
    assert skipped and int(skipped.group(1)) == len(rejected) >= 2  # the huge count and the NUL byte at least
    assert all(row["reason"].strip() for row in rejected)
    assert any("out of range" in row["reason"] for row in rejected)
    assert "dated before 2006 or more than a day ahead" in imported.stdout

    org = ["--account", "twitter:AcmeHelp"]
    for args in (["audit", "Acme", *org], ["audit", "Acme", *org, "--format", "json"], ["posts", "Acme", *org],
                 ["posts", "Acme", *org, "--inbound"], ["posts", "Acme", *org, "--format", "json"]):
        result = run_cli(*args, "--db", db)
        _clean(result, " ".join(args))
        assert result.exit_code == 0, (args, result.output[-2000:])

    listing = tmp_path / "list.csv"
    listing.write_text("org,platform,handle\n=Acme,twitter,AcmeHelp\n", encoding="utf-8")
    outputs = {ext: tmp_path / f"scores.{ext}" for ext in ("csv", "parquet", "json")}
    for ext, out in outputs.items():
        result = run_cli("score", listing, "--db", db, "--out", out, *(["--report", tmp_path / "scores.html"]
                                                                        if ext == "csv" else []))
        _clean(result, f"score {ext}")
        assert result.exit_code in (0, 4), result.output[-2000:]
    with outputs["csv"].open(encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@") and not re.fullmatch(r"-?\d+(\.\d+)?", c)]
    assert pd.read_parquet(outputs["parquet"])["org"].tolist() == ["=Acme"]  # data files keep the data whole
    assert json.loads(outputs["json"].read_text(encoding="utf-8"))[0]["org"] == "=Acme"
    html = (tmp_path / "scores.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "\x1b" not in html

    report = tmp_path / "audit.html"
    result = run_cli("audit", "Acme", *org, "--db", db, "--report", report)
    _clean(result, "audit --report")
    page = report.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "\x1b" not in page
