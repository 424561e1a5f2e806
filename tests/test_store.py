"""The embedded store (store/database.py): upserts, what load_posts returns, organizations, cursors,
where the store lives, and how the command line treats a file that is not a store."""

from __future__ import annotations

import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from collectors.records import POST_COLUMNS, Account, OrgAccount, Organization, Post
from store.database import DB_ENV_VAR, Store, default_db_path, resolve_db_path

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


def post(post_id: str, author: str = "someone", platform: str = "twitter", **values: object) -> Post:
    """A post with a fixed time unless given."""
    values.setdefault("created_at", T0)
    return Post(platform=platform, post_id=post_id, author=author, **values)  # type: ignore[arg-type]


@pytest.fixture
def store(db_path: Path):
    with Store(db_path) as opened:
        yield opened


def _ids(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["platform"], frame["post_id"], strict=True))


# -- upserts ----------------------------------------------------------------------------------------


def test_upsert_by_platform_and_post_id(store: Store) -> None:
    first = store.upsert_posts([post("1", text="a tweet"), post("1", platform="reddit", text="a reddit post")])
    assert (first.added, first.already_stored) == (2, 0)
    again = store.upsert_posts([post("1", text="a tweet"), post("2")])
    assert (again.added, again.already_stored) == (1, 1)
    assert store.count_posts() == 3
    texts = store.load_posts().set_index(["platform", "post_id"])["text"]
    assert texts[("twitter", "1")] == "a tweet"
    assert texts[("reddit", "1")] == "a reddit post"


def test_upsert_counts_with_repeats_in_a_batch_and_batches_of_thousands(store: Store) -> None:
    store.upsert_posts([post(str(i)) for i in range(0, 1200, 2)])
    batch = [post(str(i)) for i in range(1200)] + [post("1"), post("5", platform="reddit")]
    counts = store.upsert_posts(batch)
    assert (counts.added, counts.already_stored) == (601, 601)  # 600 new ids, one new reddit post; "1" twice
    assert store.count_posts() == 1201


def test_later_copy_fills_in_but_never_erases(store: Store) -> None:
    store.upsert_posts([post("1", text="", in_reply_to_id="0", like_count=5, repost_count=1,
                             urls=("https://a.example",), is_poll=True)])
    store.upsert_posts([post("1", text="now with text", in_reply_to_author="bob", conversation_id="0",
                             like_count=9, repost_count=None, reply_count=2)])
    row = store.load_posts().iloc[0]
    assert row["text"] == "now with text"          # an empty text is filled in
    assert row["in_reply_to_id"] == "0"            # kept (the later copy lacks it)
    assert row["in_reply_to_author"] == "bob"      # filled in
    assert row["conversation_id"] == "0"
    assert row["urls"] == "https://a.example"      # kept
    assert bool(row["is_poll"])                    # kept
    assert row["like_count"] == 9                  # refreshed
    assert row["repost_count"] == 1                # not erased by a missing count
    assert row["reply_count"] == 2
    store.upsert_posts([post("1", text="another text")])
    assert store.load_posts().iloc[0]["text"] == "now with text"  # a known text is not replaced


def test_frame_and_records_store_the_same(tmp_path: Path) -> None:
    posts = [
        post("1", author="@AcmeHelp", text="hi, \"you\"\nthere", urls=("https://a.example", "https://b.example"),
             like_count=0, is_poll=True),
        post("2", author="cust", in_reply_to_id="1", in_reply_to_author="AcmeHelp",
             created_at=datetime(2024, 3, 5, 1, 2, 3, 456789, tzinfo=UTC)),
    ]
    frame = pd.DataFrame([p.as_row() for p in posts])
    with Store(tmp_path / "a.db") as a, Store(tmp_path / "b.db") as b:
        a.upsert_posts(posts)
        b.upsert_posts(frame)
        loaded_a = a.load_posts().sort_values("post_id").reset_index(drop=True)
        loaded_b = b.load_posts().sort_values("post_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(loaded_a, loaded_b)
    assert list(loaded_a.columns) == list(POST_COLUMNS)
    assert loaded_a.loc[1, "created_at"] == pd.Timestamp("2024-03-05T01:02:03.456789Z")
    assert loaded_a.loc[0, "urls"] == "https://a.example https://b.example"
    assert loaded_a.loc[0, "like_count"] == 0 and pd.isna(loaded_a.loc[1, "like_count"])


def test_failed_upsert_leaves_the_store_unchanged(store: Store) -> None:
    store.upsert_posts([post("1")])
    bad = pd.DataFrame([post("2").as_row(), {**post("3").as_row(), "author": None}])
    with pytest.raises(sqlite3.IntegrityError):
        store.upsert_posts(bad)
    assert store.count_posts() == 1
    store.upsert_posts([post("4")])  # the next commit does not carry the failed rows along
    assert _ids(store.load_posts()) == {("twitter", "1"), ("twitter", "4")}


def test_empty_store_loads_an_empty_frame(store: Store) -> None:
    frame = store.load_posts()
    assert frame.empty and list(frame.columns) == list(POST_COLUMNS)
    assert store.load_posts([("twitter", "acme")]).empty
    assert store.platforms() == []


# -- load_posts(keys) -------------------------------------------------------------------------------


@pytest.fixture
def conversation(store: Store) -> Store:
    t = [datetime(2024, 3, 4, h, tzinfo=UTC) for h in range(24)]
    store.upsert_posts([
        post("10", "alice", text="my order is late", created_at=t[1]),                      # parent of 21
        post("20", "AcmeHelp", text="Spring hours are online", created_at=t[2]),              # org
        post("21", "acmehelp", text="@alice sorry, DM us", in_reply_to_id="10", created_at=t[3]),  # org
        post("22", "AcmeHelp", repost_of_id="30", created_at=t[4]),                          # org repost
        post("23", "AcmeHelp", quote_of_id="31", text="so true", created_at=t[4]),           # org quote
        post("30", "bob", text="Acme kettles are great", created_at=t[0]),                   # reposted
        post("31", "bo", text="quoted", created_at=t[0]),                                    # quoted
        post("40", "carol", text="nice", in_reply_to_id="20", created_at=t[5]),              # reply to org
        post("41", "dave", text="hey @ACMEHELP where is my parcel?", created_at=t[6]),       # mention
        post("42", "erin", text="hello?", in_reply_to_id="777", in_reply_to_author="AcmeHelp",
             created_at=t[7]),                                                               # addressed
        post("50", "frank", text="nothing to do with anyone", created_at=t[8]),              # unrelated
        post("51", "gina", text="me too", in_reply_to_id="10", created_at=t[9]),             # sibling reply
        post("10", "henry", platform="reddit", text="same id, other platform"),              # not the parent
        post("20", "ivan", platform="reddit", text="also same id"),
        post("60", "AcmeHelp", platform="reddit", text="the same name on reddit"),           # not an account
        post("61", "jo", platform="reddit", text="u/acmehelp hi", created_at=t[9]),          # reddit mention
    ])
    return store


def test_load_posts_of_accounts_with_context(conversation: Store) -> None:
    loaded = conversation.load_posts([("twitter", "AcmeHelp")])
    twitter = {(("twitter", i)) for i in ("10", "20", "21", "22", "23", "30", "31", "40", "41", "42")}
    assert _ids(loaded) == twitter
    assert len(loaded) == len(twitter)  # each once


def test_load_posts_without_context(conversation: Store) -> None:
    loaded = conversation.load_posts([("twitter", "AcmeHelp")], context=False)
    assert _ids(loaded) == {("twitter", i) for i in ("20", "21", "22", "23")}


def test_load_posts_keys_are_normalized(conversation: Store) -> None:
    a = conversation.load_posts([("twitter", "AcmeHelp")])
    b = conversation.load_posts([("x", "@acmehelp")])
    assert _ids(a) == _ids(b)


def test_load_posts_reddit_account(conversation: Store) -> None:
    loaded = conversation.load_posts([("reddit", "u/AcmeHelp")])
    assert _ids(loaded) == {("reddit", "60"), ("reddit", "61")}


def test_load_posts_of_two_accounts(conversation: Store) -> None:
    loaded = conversation.load_posts([("twitter", "alice"), ("twitter", "frank")])
    # alice's post, the org's reply and gina's reply to it, frank's post; not the mention of @acmehelp
    assert _ids(loaded) == {("twitter", "10"), ("twitter", "21"), ("twitter", "51"), ("twitter", "50")}


def test_authors_and_platforms(conversation: Store) -> None:
    authors = conversation.authors().set_index(["platform", "author"])["posts"]
    assert authors.groupby(level=0).sum().to_dict() == {"reddit": 4, "twitter": 12}
    assert conversation.platforms() == ["reddit", "twitter"]


# -- organizations, accounts, cursors -----------------------------------------------------------------


def test_save_and_load_organization(store: Store) -> None:
    acme = Organization("Acme", (OrgAccount("twitter", "AcmeHelp", "support"), OrgAccount("reddit", "acme_official")))
    store.save_organization(acme)
    loaded = store.load_organization("acme")
    assert loaded is not None
    assert loaded.name == "Acme"
    assert set(loaded.accounts) == set(acme.accounts)
    store.save_organization(Organization("Acme", (OrgAccount("twitter", "AcmeNews"),)))
    replaced = store.load_organization("ACME")
    assert replaced is not None and replaced.accounts == (OrgAccount("twitter", "AcmeNews"),)
    assert store.load_organization("Beta") is None


def test_organization_survives_reopening(db_path: Path) -> None:
    with Store(db_path) as store:
        store.save_organization(Organization("Acme", (OrgAccount("twitter", "AcmeHelp", "support"),)))
    with Store(db_path) as store:
        loaded = store.load_organization("Acme")
    assert loaded is not None and loaded.accounts[0].department == "support"


def test_accounts_round_trip(store: Store) -> None:
    created = datetime(2010, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.upsert_accounts([Account("twitter", "@AcmeHelp", "123", "Acme Help", "We help", created, 10, 2, 300)])
    store.upsert_accounts([Account("twitter", "acmehelp", None, None, None, None, 11, 2, 301)])
    [account] = store.load_accounts([("twitter", "ACMEHELP")])
    assert account.account_id == "123" and account.bio == "We help"  # kept
    assert account.created_at == created
    assert (account.followers, account.post_count) == (11, 301)      # refreshed
    assert store.load_accounts([("twitter", "nobody")]) == []


def test_cursors(store: Store) -> None:
    assert store.get_cursor("twitter", "AcmeHelp", "mentions") is None
    store.set_cursor("twitter", "AcmeHelp", "mentions", "100")
    store.set_cursor("twitter", "AcmeHelp", "timeline", "50")
    assert store.get_cursor("twitter", "@acmehelp", "mentions") == "100"
    store.set_cursor("twitter", "acmehelp", "mentions", "150")
    assert store.get_cursor("twitter", "AcmeHelp", "mentions") == "150"
    assert store.get_cursor("twitter", "AcmeHelp", "timeline") == "50"
    assert store.get_cursor("reddit", "AcmeHelp", "mentions") is None


def test_cursor_survives_reopening(db_path: Path) -> None:
    with Store(db_path) as store:
        store.set_cursor("reddit", "u/acme", "comments", "t1_abc")
    with Store(db_path) as store:
        assert store.get_cursor("reddit", "acme", "comments") == "t1_abc"


# -- the file -------------------------------------------------------------------------------------


def test_wal_mode(db_path: Path) -> None:
    with Store(db_path) as store:
        store.upsert_posts([post("1")])
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        conn.close()


def test_store_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "store.db"
    with Store(path) as store:
        assert store.count_posts() == 0
    assert path.is_file()


def test_not_a_database_raises_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 20, encoding="utf-8")
    with pytest.raises(sqlite3.DatabaseError):
        Store(path)
    assert path.read_text(encoding="utf-8").startswith("these are my notes")


# -- where the store lives --------------------------------------------------------------------------


def test_resolve_db_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    assert resolve_db_path(None) == default_db_path()
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "env.db"))
    assert resolve_db_path(None) == tmp_path / "env.db"
    assert resolve_db_path(tmp_path / "option.db") == tmp_path / "option.db"
    assert resolve_db_path(str(tmp_path / "option.db")) == tmp_path / "option.db"
    monkeypatch.setenv(DB_ENV_VAR, "")
    assert resolve_db_path(None) == default_db_path()


def test_resolve_db_path_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_db_path("~/s.db") == tmp_path / "s.db"
    monkeypatch.setenv(DB_ENV_VAR, "~/env.db")
    assert resolve_db_path(None) == tmp_path / "env.db"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG_DATA_HOME is the Linux convention")
def test_default_db_path_is_per_user(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_db_path() == tmp_path / "data" / "socialstage" / "socialstage.db"


def test_cli_uses_env_var_and_option_beats_it(run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              fixtures_dir: Path) -> None:
    env_db = tmp_path / "env" / "store.db"
    option_db = tmp_path / "option" / "store.db"
    monkeypatch.setenv(DB_ENV_VAR, str(env_db))
    result = run_cli("import", fixtures_dir / "acme_posts.csv")
    assert result.exit_code == 0, result.output
    assert env_db.is_file()
    with Store(env_db) as store:
        assert store.count_posts() == 12
    result = run_cli("import", fixtures_dir / "twcs_layout.csv", "--db", option_db)
    assert result.exit_code == 0, result.output
    with Store(env_db) as store:
        assert store.count_posts() == 12  # untouched
    with Store(option_db) as store:
        assert store.count_posts() == 4
    result = run_cli("audit", "AcmeHelp", "--format", "json")  # reads the store named by the env var
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="only XDG_DATA_HOME is redirected by conftest")
def test_cli_default_store_is_per_user(run_cli, monkeypatch: pytest.MonkeyPatch, fixtures_dir: Path) -> None:
    result = run_cli("import", fixtures_dir / "acme_posts.csv")
    assert result.exit_code == 0, result.output
    assert default_db_path().is_file()
    assert str(default_db_path()) in result.output


@pytest.mark.parametrize("command", [["import", "{posts}"], ["audit", "AcmeHelp"]])
def test_cli_not_a_store(run_cli, clean_error, tmp_path: Path, fixtures_dir: Path, command: list[str]) -> None:
    bad = tmp_path / "notes.db"
    bad.write_bytes(b"\x00\x01 not sqlite at all " * 100)
    args = [c.format(posts=fixtures_dir / "acme_posts.csv") for c in command]
    result = run_cli(*args, "--db", bad)
    clean_error(result, "not a socialstage store", str(bad))
    assert bad.read_bytes().startswith(b"\x00\x01 not sqlite")
