"""``socialstage store``: list, info, export (a round trip through import), delete, prune, clear-journals."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from collectors.records import POST_COLUMNS, OrgAccount, Organization
from socialstage.batch.journal import Journal, finished_marker
from socialstage.cli import cli
from store.database import Store

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
ACME = Organization("Acme", (OrgAccount("twitter", "AcmeHelp", "support"), OrgAccount("twitter", "Acme")))
BETA = Organization("Beta", (OrgAccount("twitter", "BetaCo"), OrgAccount("twitter", "Acme")))  # shares @Acme
#: Texts a spreadsheet would run, and texts that only look like the guard.
HOSTILE = ["=HYPERLINK(\"http://evil\")", "@cust0 thanks!", "+1 agreed", "-5 stars", "'=already quoted", "\tTAB",
           "''@two quotes", "plain 'quote'", "＝fullwidth"]


def _posts() -> pd.DataFrame:
    rows = []
    for i, text in enumerate(HOSTILE):
        rows.append({"platform": "twitter", "post_id": f"q{i}", "author": f"cust{i}", "author_id": f"=id{i}",
                     "created_at": T0 + timedelta(days=i), "text": f"@AcmeHelp question {i}?", "like_count": i,
                     "urls": "https://a.example/x https://b.example/y" if i == 0 else None})
        rows.append({"platform": "twitter", "post_id": f"a{i}", "author": "AcmeHelp", "text": text,
                     "created_at": T0 + timedelta(days=i, minutes=30), "in_reply_to_id": f"q{i}",
                     "in_reply_to_author": f"cust{i}", "is_poll": i == 2, "reply_count": 2**40 if i == 1 else None})
    rows.append({"platform": "twitter", "post_id": "b1", "author": "BetaCo", "text": "Beta news",
                 "created_at": T0 + timedelta(days=30)})
    rows.append({"platform": "twitter", "post_id": "s1", "author": "Acme", "text": "Shared account",
                 "created_at": T0 - timedelta(days=30)})
    return pd.DataFrame(rows)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "store.db"
    with Store(path) as store:
        store.upsert_posts(_posts())
        store.save_organization(ACME)
        store.save_organization(BETA)
    return path


def run(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["platform", "post_id"]).reset_index(drop=True)[list(POST_COLUMNS)]


# -- list -------------------------------------------------------------------------------------------------


def test_list_shows_organizations_their_accounts_and_the_others(db: Path) -> None:
    result = run("store", "list", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    rows = [(r["org"], r["account"], r["posts"]) for r in found["accounts"]]
    assert rows[:4] == [("Acme", "Acme", 1), ("Acme", "AcmeHelp", 9), ("Beta", "Acme", 1), ("Beta", "BetaCo", 1)]
    assert [r["org"] for r in found["accounts"][4:]] == [None] * 9  # the customers, in no organization
    assert found["accounts"][1]["first_post"] == "2024-03-04T09:30:00.000000Z"
    assert found["accounts"][1]["last_post"] == "2024-03-12T09:30:00.000000Z"
    assert found["not_shown"] == 0


def test_list_limits_the_accounts_in_no_organization(db: Path) -> None:
    result = run("store", "list", "--db", db, "--others", "2")
    assert result.exit_code == 0, result.output
    assert "7 more accounts in no organization not shown" in result.stdout
    assert "AcmeHelp" in result.stdout and "2024-03-12" in result.stdout


def test_list_as_csv_guards_formula_cells(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.upsert_posts(pd.DataFrame([{"platform": "twitter", "post_id": "1", "author": "=cmd|calc",
                                          "created_at": T0, "text": "x"}]))
    result = run("store", "list", "--db", path, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(result.stdout.splitlines()))
    assert rows[0] == ["org", "platform", "account", "department", "posts", "first_post", "last_post"]
    assert rows[1][2] == "'=cmd|calc"


def test_a_missing_store_is_one_line(tmp_path: Path, clean_error: Callable[..., str]) -> None:
    clean_error(run("store", "list", "--db", tmp_path / "none.db"), "no store at")
    assert not (tmp_path / "none.db").exists()


# -- export -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_export_then_import_gives_back_the_same_posts(db: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"acme.{suffix}"
    result = run("store", "export", "Acme", "--db", db, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"Wrote 19 posts of Acme to {out} ({suffix})" in result.stdout
    copy = tmp_path / "copy.db"
    imported = run("import", out, "--db", copy)
    assert imported.exit_code == 0, imported.output
    assert "19 new" in imported.stdout
    with Store(db) as original, Store(copy) as again:
        expected = _sorted(original.load_posts(ACME.keys))
        got = _sorted(again.load_posts())
    pd.testing.assert_frame_equal(got, expected)
    assert "'=already quoted" in set(got["text"]) and "''@two quotes" in set(got["text"])


def test_export_csv_cells_are_guarded_against_formulas(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "acme.csv"
    assert run("store", "export", "Acme", "--db", db, "-o", out, "--own").exit_code == 0
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10  # the own posts only
    texts = {r["text"] for r in rows}
    assert "'=HYPERLINK(\"http://evil\")" in texts and "'@cust0 thanks!" in texts and "'-5 stars" in texts
    assert "''=already quoted" in texts and "'\tTAB" in texts and "'＝fullwidth" in texts
    assert "plain 'quote'" in texts
    assert all(r["formula_guard"] == "yes" for r in rows)
    for row in rows:  # no cell a spreadsheet would run
        assert not any(v.lstrip().startswith(("=", "+", "-", "@", "＝")) for v in row.values())


def test_the_format_follows_the_extension_unless_given(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "acme.data"
    assert run("store", "export", "Acme", "--db", db, "-o", out, "--format", "parquet").exit_code == 0
    assert pd.read_parquet(out)["post_id"].size == 19
    assert run("store", "export", "Acme", "--db", db, "-o", tmp_path / "x.parquet").exit_code == 0
    assert out.read_bytes()[:4] == b"PAR1"


def test_export_of_an_unknown_organization_writes_nothing(db: Path, tmp_path: Path,
                                                          clean_error: Callable[..., str]) -> None:
    clean_error(run("store", "export", "Nobody", "--db", db, "-o", tmp_path / "n.csv"), "no post by or to Nobody")
    assert not (tmp_path / "n.csv").exists()


# -- delete -----------------------------------------------------------------------------------------------


def test_delete_asks_first_and_a_no_changes_nothing(db: Path) -> None:
    result = run("store", "delete", "Acme", "--db", db, input="n\n")
    assert result.exit_code == 1
    assert "Delete 10 posts of 2 accounts of Acme and its definition" in result.output
    with Store(db) as store:
        assert store.count_posts() == 20 and store.load_organization("Acme") is not None


def test_delete_removes_the_posts_and_the_definition_and_keeps_a_shared_account(db: Path) -> None:
    with Store(db) as store:
        store.save_enrichment(store.load_posts().assign(signature=""), "signature", "v")
    result = run("store", "delete", "acme", "--db", db, input="y\n")
    assert result.exit_code == 0, result.output
    assert "Deleted Acme: 9 posts, 0 account profiles, its definition (2 accounts)." in result.stdout
    assert "Kept the posts of twitter:Acme: also an account of Beta." in result.stdout
    with Store(db) as store:
        assert store.load_organization("Acme") is None
        beta = store.load_organization("Beta")
        assert beta is not None and set(beta.accounts) == set(BETA.accounts)
        remaining = store.load_posts()
        assert "AcmeHelp" not in set(remaining["author"]) and "s1" in set(remaining["post_id"])
        assert set(store.load_enrichment()["post_id"]) == set(remaining["post_id"])  # no row left behind


def test_delete_an_account_that_is_no_organization(db: Path) -> None:
    result = run("store", "delete", "cust3", "--db", db, "--yes")
    assert result.exit_code == 0, result.output
    assert "Deleted cust3: 1 post, 0 account profiles." in result.stdout


def test_delete_of_nothing_is_one_line(db: Path, clean_error: Callable[..., str]) -> None:
    clean_error(run("store", "delete", "Nobody", "--db", db, "--yes"), "defines no organization 'Nobody'")


# -- prune ------------------------------------------------------------------------------------------------


def test_prune_deletes_the_posts_outside_the_window_and_counts_them(db: Path) -> None:
    result = run("store", "prune", "--before", "2024-03-05", "--after", "2024-03-10", "--db", db, "--yes")
    assert result.exit_code == 0, result.output
    # before: s1 (Feb), q0, a0 (4 Mar); after the 10th: days 7 and 8 (4 posts) and b1
    assert "Deleted 8 posts written before 2024-03-05 00:00 and after 2024-03-10 23:59; 12 posts left." in result.stdout
    with Store(db) as store:
        times = store.load_posts()["created_at"]
    assert times.min() >= pd.Timestamp("2024-03-05", tz="UTC") and times.max() < pd.Timestamp("2024-03-11", tz="UTC")


def test_prune_asks_first(db: Path) -> None:
    result = run("store", "prune", "--before", "2024-03-05", "--db", db, input="n\n")
    assert result.exit_code == 1 and "Delete 3 posts written before 2024-03-05 00:00" in result.output
    assert "Deleted" not in result.stdout


def test_prune_needs_a_window_that_keeps_something(db: Path) -> None:
    assert run("store", "prune", "--db", db).exit_code == 2
    backwards = run("store", "prune", "--before", "2024-03-10", "--after", "2024-03-05", "--db", db, "--yes")
    assert backwards.exit_code == 2 and "every post would go" in backwards.output


def test_prune_with_nothing_outside_says_so(db: Path) -> None:
    result = run("store", "prune", "--before", "2000-01-01", "--db", db)
    assert result.exit_code == 0 and "nothing deleted" in result.stdout


# -- info and journals -----------------------------------------------------------------------------------


def _journal(path: Path, statuses: list[str], *, finish: bool) -> Journal:
    journal = Journal(path)
    entries = [(f"fp{i}", {"org": f"o{i}", "status": s}) for i, s in enumerate(statuses)]
    journal.append(entries)
    if finish:
        journal.rewrite(entries)
    return journal


def test_a_journal_is_finished_when_its_batch_ends_and_unfinished_when_a_batch_appends(tmp_path: Path) -> None:
    journal = _journal(tmp_path / "x.rows.jsonl", ["ok"], finish=True)
    assert json.loads(finished_marker(journal.path).read_text())["rows"] == 1
    journal.append([("fp9", {"org": "o9", "status": "ok"})])
    assert not finished_marker(journal.path).exists()


def test_info_shows_the_store_and_its_journals_and_clear_removes_only_finished_ones(db: Path) -> None:
    folder = db.parent / "score"
    done = _journal(folder / "batch-done.rows.jsonl", ["ok", "no_data"], finish=True)
    retry = _journal(folder / "batch-retry.rows.jsonl", ["ok", "rate_limited"], finish=True)
    running = _journal(folder / "batch-running.rows.jsonl", ["ok"], finish=False)
    result = run("store", "info", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["path"] == str(db.resolve()) and info["posts"] == 20 and info["organizations"] == 2
    assert info["bytes"] >= db.stat().st_size and info["first_post"] == "2024-02-03T09:00:00.000000Z"
    states = {Path(j["path"]).name: (j["state"], j["rows"]) for j in info["journals"]}
    assert states == {"batch-done.rows.jsonl": ("finished", 2), "batch-retry.rows.jsonl": ("finished, 1 to retry", 2),
                      "batch-running.rows.jsonl": ("unfinished", 1)}
    text = run("store", "info", "--db", db)
    assert f"Store: {db.resolve()}" in text.stdout and "Posts: 20, 2024-02-03 09:00 to 2024-04-03 09:00" in text.stdout
    assert "batch-running.rows.jsonl" in text.stdout and "unfinished" in text.stdout
    cleared = run("store", "clear-journals", "--db", db)
    assert cleared.exit_code == 0, cleared.output
    assert "Removed 1 finished journal" in cleared.stdout
    assert not done.path.exists() and not finished_marker(done.path).exists()
    assert retry.path.exists() and running.path.exists()


def test_a_journal_without_a_marker_is_finished_when_its_output_is_newer(tmp_path: Path) -> None:
    from socialstage.batch.journal import journal_finished

    journal = _journal(tmp_path / "out.csv.rows.jsonl", ["ok"], finish=False)
    assert not journal_finished(journal.path)
    out = tmp_path / "out.csv"
    out.write_text("x\n")
    stamp = journal.path.stat().st_mtime
    os.utime(out, (stamp + 5, stamp + 5))
    assert journal_finished(journal.path)
    os.utime(out, (stamp - 5, stamp - 5))
    assert not journal_finished(journal.path)


def test_score_marks_its_journal_finished(db: Path, tmp_path: Path) -> None:
    orgs = tmp_path / "orgs.toml"
    orgs.write_text('[[organization]]\nname = "Acme"\naccounts = ["twitter:AcmeHelp"]\n', encoding="utf-8")
    result = run("score", "--orgs", orgs, "--db", db, "--model", "none")
    assert result.exit_code == 0, result.output
    info = json.loads(run("store", "info", "--db", db, "--format", "json").stdout)
    assert [j["state"] for j in info["journals"]] == ["finished"]
    assert "Removed 1 finished journal" in run("store", "clear-journals", "--db", db).stdout


@given(st.text())
def test_the_csv_guard_comes_off_exactly(text: str) -> None:
    from collectors.csv_safety import needs_guard, safe_cell, unguard_cell

    cell = safe_cell(text)
    assert unguard_cell(str(cell)) == text
    assert not str(cell).lstrip().startswith(("=", "+", "-", "@", "＝", "＋", "－", "＠")) or cell == text == ""
    assert needs_guard(text) == (cell != text)


def test_a_plain_csv_keeps_its_apostrophes(tmp_path: Path) -> None:
    from collectors.files import read_posts

    path = tmp_path / "plain.csv"
    path.write_text("platform,post_id,author,created_at,text\ntwitter,1,a,2024-01-01,'=1+1\n", encoding="utf-8")
    assert read_posts(path).posts["text"].tolist() == ["'=1+1"]
    marked = tmp_path / "marked.csv"
    marked.write_text("platform,post_id,author,created_at,text,formula_guard\ntwitter,1,a,2024-01-01,'=1+1,yes\n",
                      encoding="utf-8")
    assert read_posts(marked).posts["text"].tolist() == ["=1+1"]
