"""``socialstage score`` from posts files: the list reader, the row contract, ranking, CSV safety, resuming."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.csv_safety import FORMULA_STARTS
from collectors.records import OrgAccount, Organization
from socialstage.audit.placement import KEY_FEATURES
from socialstage.audit.verdict import choose_model
from socialstage.batch.plan import read_list
from socialstage.batch.ranking import rank_rows
from socialstage.batch.rows import PROBABILITY_COLUMNS, ROW_COLUMNS, place_frame, rows_frame
from socialstage.cli import cli
from socialstage.errors import SocialstageError

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
TWCS_TIME = "%a %b %d %H:%M:%S %z %Y"
TWCS_COLUMNS = ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id",
                "in_response_to_tweet_id"]
HOSTILE = ('=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A9)")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def twcs_rows(brands: Mapping[str, tuple[int, int]]) -> list[dict[str, object]]:
    """Per brand (customers, answered): customers each write to the brand; the first ``answered`` of them get
    a reply an hour later; every brand also posts two announcements. Customer ids are numbers, as in TWCS."""
    rows: list[dict[str, object]] = []
    ids = iter(range(1000, 100000))
    customer = iter(range(500000, 600000))
    for b, (brand, (customers, answered)) in enumerate(brands.items()):
        start = T0 + timedelta(days=b)
        for k in range(2):
            rows.append({"tweet_id": next(ids), "author_id": brand, "inbound": "False",
                         "created_at": (start + timedelta(hours=k)).strftime(TWCS_TIME),
                         "text": f"News {k} from us", "response_tweet_id": "", "in_response_to_tweet_id": ""})
        for c in range(customers):
            asked, who = next(ids), next(customer)
            rows.append({"tweet_id": asked, "author_id": who, "inbound": "True",
                         "created_at": (start + timedelta(hours=2 + c)).strftime(TWCS_TIME),
                         "text": f"@{brand} my order {c} is late?", "response_tweet_id": "",
                         "in_response_to_tweet_id": ""})
            if c < answered:
                rows.append({"tweet_id": next(ids), "author_id": brand, "inbound": "False",
                             "created_at": (start + timedelta(hours=3 + c)).strftime(TWCS_TIME),
                             "text": f"@{who} sorry, sorting it now ^AB", "response_tweet_id": "",
                             "in_response_to_tweet_id": asked})
    return rows


@pytest.fixture
def twcs_file(write_csv: Callable[..., Path]) -> Path:
    return write_csv(twcs_rows({"AcmeCare": (10, 9), "BoltHelp": (10, 2), "CoreSupport": (6, 0),
                                "DeltaDesk": (8, 8)}), name="twcs.csv", columns=TWCS_COLUMNS)


# -- the list --------------------------------------------------------------------------------------


def test_the_list_groups_rows_by_organization(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Org,Platform,Handle,Department\nAcme,x,AcmeHelp,support\nAcme,twitter,acme,\n"
                    "Globex,reddit,r/GlobexSupport,\n,,,\nacme,twitter,AcmeHelp,support\n", encoding="utf-8")
    orgs = read_list(path)
    assert [o.name for o in orgs] == ["Acme", "Globex"]
    assert orgs[0].accounts == (OrgAccount("twitter", "AcmeHelp", "support"), OrgAccount("twitter", "acme"))
    assert orgs[1].accounts == (OrgAccount("reddit", "r/GlobexSupport"),)


@pytest.mark.parametrize(("text", "fragments"), [
    ("org,handle\nAcme,acme\n", ["missing column platform", "org, platform, handle"]),
    ("org,platform,handle\nAcme,twitter,acme\nGlobex,twitter,\n", ["line 3", "no handle"]),
    ("org,platform,handle\nAcme,twitter,acme\n,twitter,globex\n", ["line 3", "no org"]),
    ("org,platform,handle\nAcme,Twit ter,acme\n", ["line 2", "not a platform and handle"]),
    ("org,platform,handle\nAcme,twitter,=HYPERLINK(1)\n", ["line 2", "not a platform and handle"]),
    ("org,platform,handle\nAcme,twitter,acme,extra\n", ["line 2", "more fields"]),
    ("org,platform,handle\n", ["names no organization"]),
])
def test_bad_lists_are_one_error_naming_the_line(
    tmp_path: Path, text: str, fragments: list[str], clean_error: Callable[..., str]
) -> None:
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SocialstageError) as caught:
        read_list(path)
    for fragment in fragments:
        assert fragment in str(caught.value)
    clean_error(run("score", path, "--posts", path), *fragments)


def test_a_list_that_is_not_utf8_or_missing_is_one_error(tmp_path: Path, clean_error: Callable[..., str]) -> None:
    path = tmp_path / "list.csv"
    path.write_bytes("org,platform,handle\nCaf\xe9,twitter,cafe\n".encode("latin-1"))
    clean_error(run("score", path), "not utf-8")
    clean_error(run("score", tmp_path / "nope.csv"), "no such list file")


def test_an_unknown_output_extension_is_an_error_before_any_work(
    twcs_file: Path, tmp_path: Path, clean_error: Callable[..., str]
) -> None:
    clean_error(run("score", "--posts", twcs_file, "--out", tmp_path / "scores.xlsx"), ".xlsx", ".csv")
    assert not list(tmp_path.glob("scores*"))


def test_an_import_format_file_without_organizations_says_how_to_name_them(
    write_csv: Callable[..., Path], clean_error: Callable[..., str]
) -> None:
    path = write_csv([{"platform": "twitter", "post_id": "1", "author": "acme", "created_at": "2024-01-01",
                       "text": "hi"}])
    clean_error(run("score", "--posts", path), "import format", "--orgs")


# -- scoring posts files ----------------------------------------------------------------------------


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_score_a_twcs_file_gives_one_ranked_row_per_brand(twcs_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    result = run("score", "--posts", twcs_file, "--out", out, "--model", "none")
    assert result.exit_code == 0, result.output
    rows = read_rows(out)
    assert list(rows[0]) == list(ROW_COLUMNS)
    assert sorted(r["org"] for r in rows) == ["AcmeCare", "BoltHelp", "CoreSupport", "DeltaDesk"]
    assert {r["status"] for r in rows} == {"ok"}
    by_org = {r["org"]: r for r in rows}
    # response rates counted by hand from twcs_rows: 9/10, 2/10, 0/6, 8/8
    assert float(by_org["AcmeCare"]["response_rate"]) == pytest.approx(0.9)
    assert float(by_org["DeltaDesk"]["response_rate"]) == pytest.approx(1.0)
    assert float(by_org["CoreSupport"]["response_rate"]) == 0.0
    assert by_org["AcmeCare"]["org_posts"] == "11" and by_org["AcmeCare"]["inbound"] == "10"
    assert [int(r["rank"]) for r in rows] == [1, 2, 3, 4]
    assert [float(r["percentile"]) for r in rows] == [100.0, pytest.approx(66.7), pytest.approx(33.3), 0.0]
    order = [(r["thin_evidence"] == "true", -int(r["stage_index"])) for r in rows]
    assert order == sorted(order)  # sufficient evidence first, then higher stage
    # the evidence behind each rank: AcmeCare 11 posts and 10 addressed to it; CoreSupport 2 posts (thin);
    # every post addressed to DeltaDesk in the file is one it answered (a partial view of them)
    assert [by_org[o]["thin_evidence"] for o in ("AcmeCare", "CoreSupport", "BoltHelp")] == ["false", "true", "true"]
    assert by_org["AcmeCare"]["inbound_view"] == "visible" and by_org["DeltaDesk"]["inbound_view"] == "partial"
    assert rows[0]["org"] == "AcmeCare"
    for r in rows:
        assert r["method"] == "rubric" and r["stage"] == r["rubric_stage"]
        assert all(r[c] == "" for c in PROBABILITY_COLUMNS)  # no model, no probabilities
    assert "4 organizations: 4 ok." in result.stderr


def test_score_an_import_format_file_with_an_organizations_file(
    write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    posts = []
    for i in range(12):
        at = T0 + timedelta(days=i)
        posts.append({"platform": "twitter", "post_id": f"q{i}", "author": f"fan{i}", "created_at": at.isoformat(),
                      "text": "@AcmeHelp does it work?", "in_reply_to_id": "", "in_reply_to_author": ""})
        posts.append({"platform": "twitter", "post_id": f"a{i}", "author": "AcmeHelp",
                      "created_at": (at + timedelta(hours=1)).isoformat(), "text": f"@fan{i} yes -Maria",
                      "in_reply_to_id": f"q{i}", "in_reply_to_author": f"fan{i}"})
        posts.append({"platform": "twitter", "post_id": f"g{i}", "author": "globex", "created_at": at.isoformat(),
                      "text": "Our news", "in_reply_to_id": "", "in_reply_to_author": ""})
    path = write_csv(posts)
    orgs = tmp_path / "orgs.toml"
    orgs.write_text('[[organization]]\nname = "Acme"\naccounts = ["x:AcmeHelp:support"]\n\n'
                    '[[organization]]\nname = "Globex"\naccounts = ["twitter:globex"]\n\n'
                    '[[organization]]\nname = "Initech"\naccounts = ["twitter:initech"]\n', encoding="utf-8")
    out = tmp_path / "scores.json"
    result = run("score", "--posts", path, "--orgs", orgs, "--out", out, "--model", "none")
    assert result.exit_code == 4, result.output  # Initech has no data
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert [r["org"] for r in rows] == ["Acme", "Globex", "Initech"]
    acme, globex, initech = rows
    assert acme["status"] == "ok" and acme["rank"] == 1 and acme["response_rate"] == 1.0
    assert acme["org_posts"] == 12 and acme["inbound"] == 12 and acme["accounts"] == "twitter:AcmeHelp"
    assert globex["status"] == "ok" and globex["rank"] == 2 and globex["response_rate"] is None
    assert acme["stage_index"] > globex["stage_index"]
    assert initech["status"] == "no_data" and initech["rank"] is None and initech["stage"] is None
    assert "no post by, to or about Initech" in initech["message"]
    assert "--resume would not change that" in result.stderr and "retry the others" not in result.stderr
    # the same organizations given as a list, to the terminal
    listed = tmp_path / "list.csv"
    listed.write_text("org,platform,handle\nAcme,x,AcmeHelp\nGlobex,twitter,globex\n", encoding="utf-8")
    table = CliRunner().invoke(cli, ["score", str(listed), "--posts", str(path), "--model", "none"],
                               terminal_width=160)
    assert table.exit_code == 0, table.output
    lines = [line for line in table.stdout.splitlines() if "Acme" in line or "Globex" in line]
    assert lines[0].split()[:2] == ["1", "Acme"] and lines[1].split()[:2] == ["2", "Globex"]


def test_with_the_shipped_model_rows_carry_probabilities(twcs_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    assert run("score", "--posts", twcs_file, "--out", out).exit_code == 0
    rows = pd.read_parquet(out)
    assert list(rows.columns) == list(ROW_COLUMNS)
    assert rows[list(PROBABILITY_COLUMNS)].sum(axis=1).to_numpy() == pytest.approx([1.0] * 4, abs=1e-3)
    assert set(rows["method"]) <= {"model", "rubric"}


def test_hostile_names_and_handles_cannot_become_spreadsheet_formulas(
    write_csv: Callable[..., Path], tmp_path: Path
) -> None:
    brands = {name: (3, 1) for name in ('=cmd|" /C calc"!A0', "+SUM(1)", "AcmeCare")}
    posts = write_csv(twcs_rows(brands), name="twcs.csv", columns=TWCS_COLUMNS)
    out = tmp_path / "scores.csv"
    assert run("score", "--posts", posts, "--out", out, "--model", "none").exit_code == 0
    listed = tmp_path / "list.csv"
    with listed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["org", "platform", "handle"])
        for name in HOSTILE:
            writer.writerow([name, "twitter", "-AcmeCare"])  # a handle starting with '-' too
    out2 = tmp_path / "listed.csv"
    assert run("score", listed, "--posts", posts, "--out", out2, "--model", "none").exit_code == 4  # no data
    for path, expected in ((out, 3), (out2, len(HOSTILE))):
        with path.open(encoding="utf-8", newline="") as handle:
            cells = [cell for row in csv.reader(handle) for cell in row]
        assert not [c for c in cells if c.lstrip().startswith(FORMULA_STARTS)]
        names = [r["org"] for r in read_rows(path)]
        assert len(names) == expected
    assert {'\'=cmd|" /C calc"!A0', "'+SUM(1)"} <= {r["org"] for r in read_rows(out)}
    assert {"'" + name for name in HOSTILE} == {r["org"] for r in read_rows(out2)}


# -- ranking ----------------------------------------------------------------------------------------


def placed(org: str, stage: int, rate: float | None, posts: float, status: str = "ok", thin: bool = False
           ) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update(org=org, accounts=f"twitter:{org}", status=status, message="")
    if status == "ok":
        row.update(stage_index=stage, response_rate=rate, org_posts=posts, thin_evidence=thin)
    return row


RANKED = [
    placed("Zeta", 5, 0.9, 40), placed("Alpha", 5, 0.9, 40), placed("beta", 5, 0.9, 40), placed("Mid", 5, 0.5, 99),
    placed("Quiet", 5, None, 500), placed("Low", 2, 1.0, 1000), placed("Gone", 0, None, 0, "not_found"),
    placed("Zero", 0, None, 0, "no_data"), placed("Guess", 6, 1.0, 4, thin=True),
]


def test_ranks_follow_evidence_then_stage_then_response_rate_then_posts_then_name() -> None:
    ranked = rank_rows(rows_frame(RANKED))
    assert list(ranked["org"]) == ["Alpha", "beta", "Zeta", "Mid", "Quiet", "Low", "Guess", "Zero", "Gone"]
    ranks = list(ranked["rank"].astype(object).where(ranked["rank"].notna(), None))
    assert ranks == [1, 2, 3, 4, 5, 6, 7, None, None]
    assert list(ranked["percentile"].iloc[:7]) == [100.0, 83.3, 66.7, 50.0, 33.3, 16.7, 0.0]
    assert ranked["percentile"].iloc[7:].isna().all()


def test_within_a_stage_a_confident_placement_ranks_above_a_doubtful_one() -> None:
    sure, doubtful = placed("Sure", 5, 0.8, 200), placed("Doubtful", 5, 1.0, 7)
    sure.update(dict.fromkeys(PROBABILITY_COLUMNS, 0.0), p_actively_engaging=0.95, p_propagating=0.05)
    doubtful.update(dict.fromkeys(PROBABILITY_COLUMNS, 0.0), p_actively_engaging=0.6, p_listening=0.4)
    ranked = rank_rows(rows_frame([doubtful, sure, placed("Rubric", 5, 1.0, 3)]))
    assert list(ranked["org"]) == ["Sure", "Rubric", "Doubtful"]  # 5.05, 5 (no probabilities), 3.4


@settings(max_examples=15, deadline=None)
@given(st.randoms(use_true_random=False))
def test_ranking_does_not_depend_on_the_order_of_the_rows(rng: random.Random) -> None:
    rows = list(RANKED)
    rng.shuffle(rows)
    pd.testing.assert_frame_equal(rank_rows(rows_frame(rows)), rank_rows(rows_frame(RANKED)))


def test_placing_in_parts_equals_placing_together(twcs_file: Path) -> None:
    from collectors.files import read_posts

    posts = read_posts(twcs_file).posts
    orgs = [Organization(b, (OrgAccount("twitter", b),)) for b in ("AcmeCare", "BoltHelp", "CoreSupport",
                                                                    "DeltaDesk")]
    choice = choose_model("none")
    together = place_frame(posts, orgs, choice, source="twcs.csv")
    parts = pd.concat([place_frame(posts.sample(frac=1, random_state=1), orgs[2:][::-1], choice, source="twcs.csv"),
                       place_frame(posts, orgs[:2], choice, source="twcs.csv")])
    pd.testing.assert_frame_equal(rank_rows(parts), rank_rows(together))
    assert list(together["org"]) == [o.name for o in orgs]  # unranked, in the order given
    assert together["rank"].isna().all()
    assert list(together.columns) == [*ROW_COLUMNS[:-len(KEY_FEATURES)], *KEY_FEATURES]


# -- interrupted and resumed ------------------------------------------------------------------------


class StopAfter:
    """A progress callback that interrupts the batch (like Ctrl-C) after ``rows`` newly placed rows."""

    def __init__(self, rows: int) -> None:
        self.left = rows

    def start(self, total: int) -> None: ...

    def page(self, account: str, endpoint: str, items: int) -> None: ...

    def wait(self, message: str, seconds_left: float) -> None: ...

    def row(self, row: Mapping[str, Any], resumed: bool) -> None:
        if not resumed:
            self.left -= 1
            if self.left == 0:
                raise KeyboardInterrupt


def interrupt_then_resume(posts_file: Path, out: Path, after: int, *args: str, chunk_size: int = 1) -> Result:
    """Run the batch until it is interrupted after ``after`` rows (placed ``chunk_size`` at a time), then resume
    it through the command line."""
    from collectors.files import read_posts
    from socialstage.batch.journal import Journal, file_identity, journal_path
    from socialstage.batch.plan import brand_organizations
    from socialstage.batch.sources import score_posts
    from socialstage.batch.state import Batch
    from store.database import resolve_db_path

    read = read_posts(posts_file)
    journal = Journal(journal_path(out, resolve_db_path(None), []))
    batch = Batch(brand_organizations(read.brands), choose_model(args[-1] if args else None), journal,
                  progress=StopAfter(after))
    with pytest.raises(KeyboardInterrupt):
        score_posts(batch, read.posts, read.path.name, file_identity(posts_file), chunk_size=chunk_size)
    assert len(journal.load()) == after  # every finished row was kept
    assert not out.exists()
    return run("score", "--posts", posts_file, "--out", out, "--resume", *(("--model", args[-1]) if args else ()))


def test_an_interrupted_batch_resumed_gives_the_same_output(twcs_file: Path, tmp_path: Path) -> None:
    whole = tmp_path / "whole.csv"
    assert run("score", "--posts", twcs_file, "--out", whole, "--model", "none").exit_code == 0
    out = tmp_path / "resumed.csv"
    resumed = interrupt_then_resume(twcs_file, out, 2, "none")
    assert resumed.exit_code == 0, resumed.output
    assert "2 kept from an earlier run" in resumed.stderr
    assert out.read_bytes() == whole.read_bytes()


def test_resume_rescores_when_the_model_or_the_data_changes(twcs_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.json"
    assert run("score", "--posts", twcs_file, "--out", out, "--model", "none").exit_code == 0
    again = run("score", "--posts", twcs_file, "--out", out, "--model", "none", "--resume")
    assert "4 kept from an earlier run" in again.stderr
    other_model = run("score", "--posts", twcs_file, "--out", out, "--resume")
    assert other_model.exit_code == 0 and "kept from an earlier run" not in other_model.stderr
    with twcs_file.open("a", encoding="utf-8") as handle:
        handle.write(f"99999,AcmeCare,False,{T0.strftime(TWCS_TIME)},one more,,\n")
    changed = run("score", "--posts", twcs_file, "--out", out, "--model", "none", "--resume")
    assert changed.exit_code == 0 and "kept from an earlier run" not in changed.stderr
    assert json.loads(out.read_text(encoding="utf-8"))[0]["org"] in {"AcmeCare", "DeltaDesk"}


def test_score_from_the_store_equals_score_from_the_file(twcs_file: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    assert run("import", twcs_file, "--db", db).exit_code == 0
    listed = tmp_path / "list.csv"
    listed.write_text("org,platform,handle\nAcmeCare,twitter,AcmeCare\nBoltHelp,x,BoltHelp\nNobody,x,nobody\n",
                      encoding="utf-8")
    from_store, from_file = tmp_path / "store.json", tmp_path / "file.json"
    stored = run("score", listed, "--db", db, "--out", from_store, "--model", "none")
    assert stored.exit_code == 4, stored.output  # Nobody has no data
    assert run("score", listed, "--posts", twcs_file, "--out", from_file, "--model", "none").exit_code == 4
    store_rows, file_rows = (json.loads(p.read_text(encoding="utf-8")) for p in (from_store, from_file))
    assert [r["status"] for r in store_rows] == ["ok", "ok", "no_data"]
    for a, b in zip(store_rows[:2], file_rows[:2], strict=True):
        assert {k: v for k, v in a.items() if k != "message"} == {k: v for k, v in b.items() if k != "message"}
    again = run("score", listed, "--db", db, "--out", from_store, "--model", "none", "--resume")
    assert "3 kept from an earlier run" in again.stderr
    assert json.loads(from_store.read_text(encoding="utf-8")) == store_rows
