"""The command line's input handling: bad files and options give one clean ``Error:`` line, the import
command's skipping, --strict and re-imports, and an audit from the store equal to one from the file."""

from __future__ import annotations

import csv
import json
import logging
import re
from pathlib import Path

import pytest

from collectors.files import ImportFormatError
from socialstage.cli.group import setup_logging
from socialstage.errors import SocialstageError
from store.database import Store

HEADER = "platform,post_id,author,created_at,text\n"


def _count(db: Path) -> int:
    with Store(db) as store:
        return store.count_posts()


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def posts_file(tmp_path: Path):
    """Write a posts file from text (or bytes) and return its path."""

    def write(content: str | bytes, name: str = "posts.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return write


# -- whole-file problems, through import and audit --------------------------------------------------


@pytest.mark.parametrize("command", ["import", "audit"])
def test_missing_file(run_cli, clean_error, tmp_path: Path, db_path: Path, command: str) -> None:
    missing = tmp_path / "nowhere.csv"
    args = ["import", missing] if command == "import" else ["audit", "--posts", missing, "--org", "Acme"]
    clean_error(run_cli(*args, "--db", db_path), "nowhere.csv", "no such file")
    assert not db_path.exists()


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("", ["empty"]),
        (HEADER, ["no rows"]),
        ("platform,id,user,text\ntwitter,1,a,hi\n", ["missing required columns", "post_id", "author", "created_at"]),
        ("platform,post_id,author,text\ntwitter,1,a,hi\n", ["missing required column created_at"]),
    ],
    ids=["zero-bytes", "header-only", "three-missing", "one-missing"],
)
@pytest.mark.parametrize("command", ["import", "audit"])
def test_unusable_file(run_cli, clean_error, posts_file, db_path: Path, content: str, fragments: list[str],
                       command: str) -> None:
    path = posts_file(content)
    args = ["import", path] if command == "import" else ["audit", "--posts", path, "--org", "a"]
    clean_error(run_cli(*args, "--db", db_path), "posts.csv", *fragments)
    assert not db_path.exists()


@pytest.mark.parametrize("command", ["import", "audit"])
def test_no_usable_row_is_an_error(run_cli, clean_error, posts_file, db_path: Path, command: str) -> None:
    path = posts_file(HEADER + "twitter,1,a,31/12/2023,x\ntwitter,2,,2024-01-01,y\n")
    args = ["import", path] if command == "import" else ["audit", "--posts", path, "--org", "a"]
    clean_error(run_cli(*args, "--db", db_path), "no usable row", "2 rows skipped", "line 2", "created_at")
    assert not db_path.exists()


def test_no_usable_row_leaves_an_existing_store_unchanged(run_cli, clean_error, posts_file, fixtures_dir: Path,
                                                          db_path: Path) -> None:
    assert run_cli("import", fixtures_dir / "acme_posts.csv", "--db", db_path).exit_code == 0
    before = _count(db_path)
    clean_error(run_cli("import", posts_file(HEADER + "twitter,99,a,never,x\n"), "--db", db_path), "no usable row")
    assert _count(db_path) == before


# -- bad rows -------------------------------------------------------------------------------------

MULTILINE_THEN_BAD = (
    HEADER
    + 'twitter,1,a,2024-01-01T10:00:00,"a text\nover three\nlines"\n'  # lines 2-4
    + "twitter,2,b,2024-01-01T11:00:00,fine\n"                           # line 5
    + "twitter,3,c,01.02.2024 10:00,bad time\n"                          # line 6 (row 3)
    + "twitter,4,d,2024-01-01T12:00:00,fine again\n"
)


def test_strict_reports_the_line_of_an_unparsable_time(run_cli, clean_error, posts_file, db_path: Path) -> None:
    result = run_cli("import", posts_file(MULTILINE_THEN_BAD), "--strict", "--db", db_path)
    line = clean_error(result, "line 6", "created_at", "01.02.2024 10:00")
    assert "line 5" not in line  # not the row index + 2


def test_default_import_skips_and_lists_bad_rows(run_cli, posts_file, db_path: Path, tmp_path: Path) -> None:
    result = run_cli("import", posts_file(MULTILINE_THEN_BAD), "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert re.search(r"\b3 new\b", result.stdout), result.stdout
    assert "1 row skipped" in result.stdout and "line 6" in result.stdout
    listed = re.search(r"listed in (\S+\.csv)", result.stdout)
    assert listed, result.stdout
    rejects = Path(listed.group(1))
    assert rejects.is_file()
    with rejects.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["line"], r["post_id"]) for r in rows] == [("6", "3")]
    assert "created_at" in rows[0]["reason"]
    assert _count(db_path) == 3


def test_rejects_folder_option_and_formula_cells(run_cli, posts_file, db_path: Path, tmp_path: Path) -> None:
    content = HEADER + "twitter,1,a,2024-01-01,ok\ntwitter,2,=HYPERLINK(\"http://evil\"),=1+1,@cmd\n" \
        "twitter,3,-x,+2024,-2\n"
    result = run_cli("import", posts_file(content), "--rejects", tmp_path / "skipped", "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "2 rows skipped" in result.stdout
    [rejects] = list((tmp_path / "skipped").glob("*.csv"))
    assert str(rejects) in result.stdout
    with rejects.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert [r[0] for r in rows[1:]] == ["3", "4"]
    dangerous = [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@")]
    assert dangerous == []
    assert "'=HYPERLINK(\"http://evil\")" in rows[1]


@pytest.mark.parametrize(
    ("content", "name", "fragments"),
    [
        # A row with only an id and empty fields (as in the TWCS sample), in the TWCS layout.
        ("tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
         "1,cust,True,Tue Oct 31 22:10:47 +0000 2017,hi,,\n2,,,,,,\n", "twcs.csv",
         ["line 3", "author_id", "created_at"]),
        (HEADER + "twitter,1,a,2024-01-01,x\ntwitter,2,a,2024-01-01,hello, world\n", "posts.csv",
         ["line 3", "6 fields", "header has 5"]),
        ('{"platform": "twitter", "post_id": "1", "author": "a", "created_at": "2024-01-01", "text": ""}\n'
         '{"platform": "twitter", "post_id": "2", "author": "a", "created_at": "2024-01-01", "text": "x"\n',
         "posts.jsonl", ["line 2", "not valid JSON"]),
        (HEADER + 'twitter,1,a,2024-01-01,x\ntwitter,2,a,2024-01-01,"not closed\ntwitter,3,a,2024-01-01,y\n',
         "posts.csv", ["line 3", "never closed"]),
    ],
    ids=["twcs-id-only", "extra-fields", "invalid-json", "unclosed-quote"],
)
def test_bad_row_kinds(run_cli, clean_error, posts_file, db_path: Path, content: str, name: str,
                       fragments: list[str]) -> None:
    path = posts_file(content, name)
    clean_error(run_cli("import", path, "--strict", "--db", db_path), name, *fragments)
    assert not db_path.exists()
    result = run_cli("import", path, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "1 row skipped" in result.stdout and fragments[0] in result.stdout
    assert _count(db_path) == 1


def test_audit_warns_about_skipped_rows(run_cli, posts_file) -> None:
    content = HEADER + "twitter,1,acme,2024-01-01,hello\ntwitter,2,cust,2024-01-01T10:00,@acme hi\n" \
        "twitter,3,cust,soon,@acme?\n"
    data = _json(run_cli("audit", "--posts", posts_file(content), "--org", "acme", "--format", "json"))
    assert any("1 row skipped" in w and "line 4" in w for w in data["warnings"]), data["warnings"]
    assert data["features"]["org_posts"] == 1


# -- --strict, re-imports ---------------------------------------------------------------------------


def test_strict_leaves_an_existing_store_unchanged(run_cli, clean_error, posts_file, fixtures_dir: Path,
                                                   db_path: Path) -> None:
    assert run_cli("import", fixtures_dir / "acme_posts.csv", "--db", db_path).exit_code == 0
    before = _count(db_path)
    # New rows before the bad one must not be imported either.
    content = HEADER + "twitter,9001,new,2024-01-01,x\ntwitter,9002,new,2024-01-01,y\ntwitter,9003,new,,z\n"
    clean_error(run_cli("import", posts_file(content), "--strict", "--db", db_path), "line 4", "created_at")
    assert _count(db_path) == before
    # Nor the good file given before the bad one.
    good = posts_file(HEADER + "twitter,9100,new,2024-01-01,fine\n", "good.csv")
    clean_error(run_cli("import", good, posts_file(content), "--strict", "--db", db_path), "line 4")
    assert _count(db_path) == before


def test_reimport_adds_nothing(run_cli, fixtures_dir: Path, db_path: Path) -> None:
    first = run_cli("import", fixtures_dir / "acme_posts.csv", "--db", db_path)
    assert first.exit_code == 0, first.output
    assert "12 new" in first.stdout
    count = _count(db_path)
    second = run_cli("import", fixtures_dir / "acme_posts.csv", "--db", db_path)
    assert second.exit_code == 0, second.output
    assert re.search(r"\b0 new, 12 already stored\b", second.stdout), second.stdout
    assert _count(db_path) == count == 12


def test_import_several_files_and_repeated_ids(run_cli, posts_file, fixtures_dir: Path, db_path: Path) -> None:
    repeated = posts_file(HEADER + "twitter,1,a,2024-01-01,x\ntwitter,1,a,2024-01-01,x again\n")
    result = run_cli("import", fixtures_dir / "twcs_layout.csv", repeated, "--db", db_path)
    assert result.exit_code == 0, result.output
    assert "twcs layout" in result.stdout
    assert "1 row repeated an earlier post id" in result.stdout
    assert _count(db_path) == 5  # 4 TWCS posts + 1


# -- organizations ----------------------------------------------------------------------------------


def test_unknown_organization(run_cli, clean_error, fixtures_dir: Path) -> None:
    posts = fixtures_dir / "acme_posts.csv"
    clean_error(run_cli("audit", "--posts", posts, "--org", "Nobody"), "Nobody", "--account")
    line = clean_error(run_cli("audit", "--posts", posts, "--org", "AcmeHlp"), "AcmeHlp")
    assert "did you mean" in line and "AcmeHelp" in line


def test_organization_only_mentioned_is_placed_at_unaware(run_cli, fixtures_dir: Path) -> None:
    posts = fixtures_dir / "acme_posts.csv"
    data = _json(run_cli("audit", "--posts", posts, "--org", "BetaCorp", "--format", "json"))
    assert data["stage"]["index"] == 0 and data["stage"]["name"] == "Unaware"
    assert data["features"]["org_posts"] == 0 and data["features"]["inbound"] == 1
    assert any("no posts" in w and "Unaware" in w for w in data["warnings"]), data["warnings"]
    text = run_cli("audit", "--posts", posts, "--org", "BetaCorp")
    assert text.exit_code == 0 and "Traceback" not in text.output
    assert "no posts" in text.stdout and "Unaware" in text.stdout


@pytest.mark.parametrize("spec", ["twitter", "twitter:", ":AcmeHelp", "twitter:a:b:c", "https://x.com/AcmeHelp",
                                  "twit ter:AcmeHelp", "twitter:Acme Help"])
def test_malformed_account(run_cli, clean_error, fixtures_dir: Path, spec: str) -> None:
    result = run_cli("audit", "--posts", fixtures_dir / "acme_posts.csv", "--org", "Acme", "--account", spec)
    clean_error(result, "PLATFORM:HANDLE", spec)


def test_accounts_from_options(run_cli, fixtures_dir: Path) -> None:
    data = _json(run_cli("audit", "Acme", "--posts", fixtures_dir / "acme_posts.csv", "--format", "json",
                         "--account", "x:@AcmeHelp:Support", "--account", "twitter:AcmeNews"))
    accounts = {(a["platform"], a["handle"], a["department"], a["department_source"]) for a in data["accounts"]}
    # AcmeNews has no department given: its handle says news.
    assert accounts == {("twitter", "AcmeHelp", "support", "given"), ("twitter", "AcmeNews", "news", "handle")}
    assert data["features"]["org_posts"] == 5


def test_orgs_file(run_cli, fixtures_dir: Path) -> None:
    data = _json(run_cli("audit", "acme", "--posts", fixtures_dir / "acme_posts.csv", "--orgs",
                         fixtures_dir / "orgs.toml", "--format", "json"))
    assert data["org"] == "Acme"
    assert {(a["handle"], a["department"]) for a in data["accounts"]} == {("AcmeHelp", "support"),
                                                                          ("AcmeNews", "marketing")}


@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        ('[[organization]\nname = "Acme"\n', ["not valid TOML"]),
        ('[[organization]]\nname = "Beta"\naccounts = ["twitter:BetaCorp"]\n', ["no organization called", "Acme"]),
        ('title = "no organizations"\n', ["no [[organization]] tables"]),
        ('[[organization]]\nname = "Acme"\naccounts = []\n', ["lists no accounts"]),
        ('[[organization]]\nname = "Acme"\naccounts = "twitter:AcmeHelp"\n', ["not a list"]),
        ('[[organization]]\nname = "Acme"\naccounts = [{ platform = "twitter" }]\n', ["without platform and handle"]),
        ('[[organization]]\nname = "Acme"\naccounts = ["AcmeHelp"]\n', ["PLATFORM:HANDLE"]),
        ('[[organization]]\naccounts = ["twitter:AcmeHelp"]\n', ["has no name"]),
    ],
    ids=["invalid", "lacks-org", "no-tables", "no-accounts", "accounts-string", "account-table", "account-spec",
         "no-name"],
)
def test_bad_orgs_file(run_cli, clean_error, tmp_path: Path, fixtures_dir: Path, toml: str,
                       fragments: list[str]) -> None:
    orgs = tmp_path / "orgs.toml"
    orgs.write_text(toml, encoding="utf-8")
    result = run_cli("audit", "Acme", "--posts", fixtures_dir / "acme_posts.csv", "--orgs", orgs)
    clean_error(result, *fragments)


def test_orgs_file_missing_or_not_text(run_cli, clean_error, tmp_path: Path, fixtures_dir: Path) -> None:
    posts = fixtures_dir / "acme_posts.csv"
    clean_error(run_cli("audit", "Acme", "--posts", posts, "--orgs", tmp_path / "none.toml"), "no such")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[[organization]]\nname = "Café"\naccounts = ["twitter:AcmeHelp"]\n'.encode("latin-1"))
    clean_error(run_cli("audit", "Acme", "--posts", posts, "--orgs", latin), "UTF-8")


# -- the store --------------------------------------------------------------------------------------


def test_audit_from_a_store_that_does_not_exist(run_cli, clean_error, db_path: Path) -> None:
    clean_error(run_cli("audit", "AcmeHelp", "--db", db_path), "no store", "import")
    assert not db_path.exists()


def test_audit_from_an_empty_store(run_cli, clean_error, db_path: Path) -> None:
    Store(db_path).close()
    clean_error(run_cli("audit", "AcmeHelp", "--db", db_path), "no posts", "import")


@pytest.mark.parametrize(
    ("fixture", "org_args"),
    [
        ("acme_posts.csv", ["AcmeHelp"]),
        ("acme_posts.csv", ["Acme", "--orgs", "{fixtures}/orgs.toml"]),
        ("acme_posts.csv", ["Acme", "--account", "twitter:AcmeHelp", "--account", "twitter:jo_customer"]),
        ("acme_posts.csv", ["BetaCorp"]),
        ("twcs_layout.csv", ["AcmeCare"]),
    ],
)
def test_audit_from_store_equals_audit_from_file(run_cli, fixtures_dir: Path, db_path: Path, posts_file,
                                                 fixture: str, org_args: list[str]) -> None:
    args = [a.format(fixtures=fixtures_dir) for a in org_args]
    # Other posts in the store must not change the result.
    noise = posts_file(HEADER + "twitter,77,stranger,2023-01-01,hello world\nreddit,78,somebody,2025-01-01,hi acme\n")
    assert run_cli("import", noise, fixtures_dir / fixture, "--db", db_path).exit_code == 0
    from_file = _json(run_cli("audit", *args, "--posts", fixtures_dir / fixture, "--format", "json"))
    from_store = _json(run_cli("audit", *args, "--db", db_path, "--format", "json"))
    assert from_store["features"] == from_file["features"]
    assert from_store["stage"] == from_file["stage"]
    assert from_file["features"]["org_posts"] is not None


def test_audit_uses_an_organization_saved_in_the_store(run_cli, fixtures_dir: Path, db_path: Path) -> None:
    from collectors.records import OrgAccount, Organization

    assert run_cli("import", fixtures_dir / "acme_posts.csv", "--db", db_path).exit_code == 0
    with Store(db_path) as store:
        store.save_organization(Organization("Acme", (OrgAccount("twitter", "AcmeHelp", "support"),)))
    data = _json(run_cli("audit", "acme", "--db", db_path, "--format", "json"))
    assert [(a["handle"], a["department"]) for a in data["accounts"]] == [("AcmeHelp", "support")]
    assert data["features"]["org_posts"] == 5


# -- --debug and logging ----------------------------------------------------------------------------


def test_debug_shows_the_exception(run_cli, tmp_path: Path) -> None:
    result = run_cli("--debug", "import", tmp_path / "missing.csv", "--db", tmp_path / "s.db")
    assert result.exit_code != 0
    assert isinstance(result.exception, ImportFormatError)
    result = run_cli("--debug", "audit", "--posts", tmp_path / "missing.csv", "--org", "x", "--account", "bad")
    assert isinstance(result.exception, (ImportFormatError, SocialstageError))


def test_without_debug_the_same_error_is_one_line(run_cli, clean_error, tmp_path: Path) -> None:
    clean_error(run_cli("import", tmp_path / "missing.csv", "--db", tmp_path / "s.db"), "missing.csv")


def test_logs_go_to_stderr_not_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging(0, False)
    try:
        logging.getLogger("socialstage.test").warning("a warning for the log")
        captured = capsys.readouterr()
        assert "a warning for the log" in captured.err
        assert "a warning for the log" not in captured.out  # stdout carries results such as JSON
    finally:
        logging.basicConfig(force=True, handlers=[logging.NullHandler()])


# -- windows --------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["audit", "score"])
def test_a_window_ending_before_it_starts_is_a_usage_error(run_cli, fixtures_dir: Path, command: str) -> None:
    args = ["--posts", fixtures_dir / "acme_posts.csv", "--since", "2030-01-01", "--until", "2017-11-29"]
    result = run_cli(command, "Acme", *args)
    assert result.exit_code == 2, result.output
    assert "--since 2030-01-01" in result.output and "after --until 2017-11-29" in result.output
    assert "Traceback" not in result.output


def test_a_window_with_nothing_by_or_to_the_organization_is_no_data(run_cli, clean_error, fixtures_dir: Path) -> None:
    posts = fixtures_dir / "acme_posts.csv"
    result = run_cli("audit", "Acme", "--posts", posts, "--account", "twitter:AcmeHelp", "--since", "2030-01-01")
    assert result.exit_code == 4, result.output
    line = clean_error(result, "no data", "Acme", "2030-01-01", "--since")
    assert "Unaware" not in line
    # the same window as JSON: no stage either
    as_json = run_cli("audit", "Acme", "--posts", posts, "--account", "twitter:AcmeHelp", "--since", "2030-01-01",
                      "--format", "json")
    assert as_json.exit_code == 4 and '"stage"' not in as_json.stdout


def test_python_dash_m_runs_the_command_line() -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "socialstage", "--version"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0 and "socialstage" in done.stdout
