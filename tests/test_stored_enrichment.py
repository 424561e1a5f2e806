"""Per-post enrichment kept in the store (socialstage.audit.enrichment): computed once, when the organization is
known, reused by every later audit, and never changing a feature."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from collectors.records import OrgAccount, Organization
from collectors.simulated import posts_frame, simulate_orgs
from features import compute_features, message_types, prepare
from features.enrichment import ENRICHMENT_COLUMNS
from features.sentiment import SENTIMENT_VERSION
from features.text import SIGNATURE_VERSION
from socialstage.audit import enrichment as stored_enrichment
from socialstage.audit.inputs import load_from_store, profiles_frame
from store.database import Store


@pytest.fixture(scope="module")
def simulated() -> list:
    return simulate_orgs([3, 6], seed=5, weeks=3)


def _fill(db: Path, simulated: list) -> None:
    """The simulated posts, accounts and organizations in a store, as ``import`` leaves them: not enriched."""
    with Store(db) as store:
        store.upsert_posts(posts_frame(simulated))
        store.upsert_accounts(a for sim in simulated for a in sim.accounts)
        for sim in simulated:
            store.save_organization(sim.organization)


def _from_store(db: Path, org: Organization) -> pd.DataFrame:
    with Store(db) as store:
        posts, profiles = load_from_store(store, org)
    return compute_features(prepare(posts, [org], profiles=profiles))


def _from_file(simulated: list, org: Organization) -> pd.DataFrame:
    profiles = profiles_frame([a for sim in simulated for a in sim.accounts])
    return compute_features(prepare(posts_frame(simulated), [org], profiles=profiles))


def _refuse_to_enrich(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("enrichment computed again")

    monkeypatch.setattr(stored_enrichment, "enrich", refuse)


@pytest.mark.parametrize("stage", [0, 1])
def test_features_are_the_same_enriched_reused_and_from_the_file(
    simulated: list, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stage: int
) -> None:
    db = tmp_path / "store.db"
    _fill(db, simulated)
    org = simulated[stage].organization
    first = _from_store(db, org)  # enriches and stores
    with Store(db) as store:
        rows = store.load_enrichment()
    own = rows["message_type"].notna()
    assert own.any() and (rows.loc[own, "message_type_version"] == message_types.message_type_version()).all()
    assert (rows.loc[own, "signature_version"] == SIGNATURE_VERSION).all()
    assert rows.loc[own, "sentiment"].isna().all() and rows.loc[own, "sentiment_version"].isna().all()
    assert (rows.loc[~own, "sentiment_version"] == SENTIMENT_VERSION).all()
    assert rows.loc[~own, "sentiment"].notna().any()
    _refuse_to_enrich(monkeypatch)
    second = _from_store(db, org)  # reuses every stored value
    pd.testing.assert_frame_equal(second, first)
    pd.testing.assert_frame_equal(first, _from_file(simulated, org))


def test_stale_values_are_computed_again(simulated: list, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    _fill(db, simulated)
    org = simulated[0].organization
    expected = _from_store(db, org)
    with Store(db) as store:
        rows = store.load_enrichment()
        own = rows[rows["message_type"].notna()].assign(message_type="information", signature="Zed")
        store.save_enrichment(own, "message_type", "rules-0/old")
        store.save_enrichment(own, "signature", "signatures-0/old")
        others = rows[rows["sentiment"].notna()].assign(sentiment=-0.99)
        store.save_enrichment(others, "sentiment", "vader-0.0/old")
    assert (rows["message_type"] != "information").any()  # the stale values would change the features
    pd.testing.assert_frame_equal(_from_store(db, org), expected)
    with Store(db) as store:
        again = store.load_enrichment().set_index(["platform", "post_id"])
    mine = again.loc[pd.MultiIndex.from_frame(own[["platform", "post_id"]])]
    assert (mine["message_type_version"] == message_types.message_type_version()).all()
    assert (mine["signature_version"] == SIGNATURE_VERSION).all() and not (mine["signature"] == "Zed").any()
    theirs = again.loc[pd.MultiIndex.from_frame(others[["platform", "post_id"]])]
    assert (theirs["sentiment_version"] == SENTIMENT_VERSION).all() and not (theirs["sentiment"] == -0.99).any()


def _sibling_posts() -> pd.DataFrame:
    rows = [
        {"post_id": "1", "author": "kim", "text": "@AcmeHelp where is my parcel?"},
        {"post_id": "2", "author": "AcmeHelp", "text": "@kim On its way, sorry! ^AB", "in_reply_to_id": "1"},
        {"post_id": "3", "author": "Acme", "text": "Our new shop opens today"},
        # a reply to the sibling account, its parent author known only from the loaded parent: not dialogue
        {"post_id": "4", "author": "AcmeHelp", "text": "Come and see us there", "in_reply_to_id": "3"},
        {"post_id": "5", "author": "AcmeHelp", "text": "@Acme agreed, great day", "in_reply_to_author": "Acme"},
        {"post_id": "6", "author": "lee", "text": "nice weather"},
    ]
    frame = pd.DataFrame(rows).assign(platform="twitter", created_at=pd.Timestamp("2024-01-01", tz="UTC"))
    frame["created_at"] += pd.to_timedelta(range(len(frame)), unit="h")
    return frame


def test_replies_to_a_sibling_account_are_stored_as_not_addressed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  write_csv, run_cli) -> None:
    db = tmp_path / "store.db"
    posts = _sibling_posts()
    rows = posts.astype(object).where(posts.notna(), "").to_dict("records")
    assert run_cli("import", write_csv(rows, columns=list(posts.columns)), "--db", db).exit_code == 0
    org = Organization("Acme", (OrgAccount("twitter", "AcmeHelp"), OrgAccount("twitter", "Acme")))
    first = _from_store(db, org)
    with Store(db) as store:
        rows = store.load_enrichment().set_index("post_id")
    assert rows.loc[["2", "4", "5"], "message_type_addressed"].tolist() == [True, False, False]
    assert rows.loc["2", "signature"] == "AB" and pd.isna(rows.loc["3", "signature"])  # NULL: computed, none
    assert "6" not in rows.index  # neither the organization's nor ever inbound: nothing to compute
    _refuse_to_enrich(monkeypatch)
    pd.testing.assert_frame_equal(_from_store(db, org), first)
    with Store(db) as store:  # the same posts for an organization of one account: AcmeHelp's reply 4 is dialogue
        one = Organization("Acme help", (OrgAccount("twitter", "AcmeHelp"),))
        monkeypatch.undo()
        posts_one, _ = load_from_store(store, one)
        assert store.load_enrichment().set_index("post_id").loc["4", "message_type_addressed"] is True
    assert set(ENRICHMENT_COLUMNS) <= set(posts_one.columns)


def test_a_store_made_before_the_addressed_flag_gets_the_column(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE enrichment (platform TEXT NOT NULL, post_id TEXT NOT NULL, sentiment REAL, "
                     "sentiment_version TEXT, message_type TEXT, message_type_version TEXT, signature TEXT, "
                     "signature_version TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (platform, post_id))")
        conn.execute("INSERT INTO enrichment VALUES ('twitter', '1', 0.5, 'v', 'action', 'm', NULL, NULL, 'now')")
    with Store(db) as store:
        rows = store.load_enrichment()
        assert rows["message_type_addressed"].tolist() == [None]  # not known: computed again when used
        assert rows[["sentiment", "message_type"]].iloc[0].tolist() == [0.5, "action"]  # nothing lost
        store.save_enrichment(rows.assign(message_type_addressed=True), "message_type", "m")
        assert store.load_enrichment()["message_type_addressed"].tolist() == [True]


def test_a_changed_post_loses_its_stale_enrichment(db_path: Path) -> None:
    posts = _sibling_posts().assign(text=lambda f: f["text"].where(f["post_id"] != "3", ""))
    with Store(db_path) as store:
        store.upsert_posts(posts)
        store.save_enrichment(posts.assign(signature=""), "signature", SIGNATURE_VERSION)
        store.upsert_posts(_sibling_posts())  # post 3's text arrives: its row goes, the others stay
        assert sorted(store.load_enrichment()["post_id"]) == ["1", "2", "4", "5", "6"]


def test_a_second_audit_from_the_store_loads_no_text_model(simulated: list, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    _fill(db, simulated)
    name = simulated[0].organization.name
    _from_store(db, simulated[0].organization)  # the first audit's enrichment
    probe = (
        "import json, sys\nfrom socialstage.cli import cli\n"
        f"cli(['audit', {name!r}, '--db', {str(db)!r}, '--format', 'json'], standalone_mode=False)\n"
        "from features import message_types\n"
        "print(json.dumps({'model': message_types._packaged_model.cache_info().currsize,"
        " 'modules': [m for m in ('skops', 'sklearn', 'vaderSentiment') if m in sys.modules]}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    lines = done.stdout.strip().splitlines()
    assert json.loads("\n".join(lines[:-1]))["features"]["org_posts"] > 0  # the audit ran
    assert json.loads(lines[-1]) == {"model": 0, "modules": []}
