"""VADER sentiment (features.sentiment) and the store's enrichment table that keeps it with each post."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from features.sentiment import SENTIMENT_VERSION, compound, fill_missing, score_texts, sentiment_class
from features.text import SIGNATURE_VERSION
from store.database import Store


def test_classes_of_unmistakable_texts() -> None:
    # VADER's lexicon rates love/wonderful positive and terrible/awful negative; no rated word gives 0.
    scores = compound(pd.Series(["I love this, it is wonderful!", "This is terrible and awful.",
                                 "The store opens at nine."]))
    assert scores.iloc[0] > 0.5 and scores.iloc[1] < -0.5 and scores.iloc[2] == 0.0
    assert sentiment_class(scores).tolist() == ["positive", "negative", "neutral"]


@pytest.mark.parametrize("text", ["", None, "@AcmeHelp", "https://sad.example.com/awful-terrible", "  u/acme  "])
def test_nothing_left_after_links_and_mentions_is_missing(text: str | None) -> None:
    assert math.isnan(compound(pd.Series([text], dtype=object)).iloc[0])


def test_links_and_mentions_do_not_carry_sentiment() -> None:
    # "@TerribleTours" and the link's words are removed: what is left, "see you", has no rated word.
    assert compound(pd.Series(["@TerribleTours see you https://x.example.com/awful"])).iloc[0] == 0.0


def test_thresholds() -> None:
    classes = sentiment_class(pd.Series([0.05, 0.0499, -0.05, -0.0499, math.nan, 1.0, -1.0]))
    assert classes.tolist() == ["positive", "neutral", "negative", "neutral", None, "positive", "negative"]


def test_index_kept_and_equal_texts_scored_alike() -> None:
    text = pd.Series(["great!", "awful", "great!"], index=[30, 10, 20])
    scores = compound(text)
    assert scores.index.tolist() == [30, 10, 20]
    assert scores[30] == scores[20] > 0 > scores[10]
    assert compound(pd.Series([], dtype=object)).empty


def test_fill_missing_keeps_stored_scores() -> None:
    text = pd.Series(["terrible", "terrible", "lovely"])
    filled = fill_missing(text, pd.Series([0.9, math.nan, math.nan]))
    assert filled.iloc[0] == 0.9  # stored, although the text is negative
    assert filled.iloc[1] < 0 < filled.iloc[2]


def test_workers_give_the_same_scores() -> None:
    texts = [f"day {i}: {'great' if i % 2 else 'bad'} service" for i in range(40)]
    assert score_texts(texts, processes=2) == score_texts(texts, processes=1)


def test_version_names_vader() -> None:
    assert SENTIMENT_VERSION.startswith("vader-3.")


# -- the store's enrichment table ------------------------------------------------------------------------------


def test_enrichment_round_trip(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store.load_enrichment().empty
        store.save_enrichment(pd.DataFrame({"platform": ["twitter", "twitter"], "post_id": ["1", "2"],
                                            "sentiment": [0.5, math.nan]}), "sentiment", "v1")
        store.save_enrichment(pd.DataFrame({"platform": ["twitter"], "post_id": ["1"], "message_type": ["action"]}),
                              "message_type", "m1")
        store.save_enrichment(pd.DataFrame({"platform": ["twitter"], "post_id": ["1"], "sentiment": [-0.25]}),
                              "sentiment", "v2")
        rows = store.load_enrichment(pd.DataFrame({"platform": ["twitter", "twitter", "reddit"],
                                                   "post_id": ["1", "2", "1"]})).set_index("post_id")
    assert sorted(rows.index) == ["1", "2"]
    # saving the sentiment again replaced it and its version and kept the message type
    assert rows.loc["1", ["sentiment", "sentiment_version", "message_type", "message_type_version"]].tolist() == [
        -0.25, "v2", "action", "m1"]
    # a missing score is kept as "computed: none" (NULL with its version)
    assert math.isnan(rows.loc["2", "sentiment"]) and rows.loc["2", "sentiment_version"] == "v1"
    with Store(db_path) as store, pytest.raises(ValueError, match="unknown enrichment value"):
        store.save_enrichment(pd.DataFrame({"platform": [], "post_id": [], "x": []}), "x", "v")


def _import(run_cli, write_csv, db: Path) -> None:
    rows = [
        {"platform": "twitter", "post_id": "1", "author": "carol", "created_at": "2024-01-01T10:00:00Z",
         "text": "@AcmeHelp I love you, wonderful service!"},
        {"platform": "twitter", "post_id": "2", "author": "dave", "created_at": "2024-01-01T10:00:00Z",
         "text": "@AcmeHelp terrible, awful delay"},
        {"platform": "twitter", "post_id": "3", "author": "AcmeHelp", "created_at": "2024-01-01T11:00:00Z",
         "text": "@carol thanks!", "in_reply_to_id": "1"},
    ]
    result = run_cli("import", write_csv(rows, columns=[*rows[0], "in_reply_to_id"]), "--db", db)
    assert result.exit_code == 0, result.output


def _features(run_cli, db: Path) -> dict[str, float | None]:
    result = run_cli("audit", "Acme", "--account", "twitter:AcmeHelp", "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["features"]


def test_audit_from_the_store_scores_once_and_reuses_stored_scores(run_cli, write_csv, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    _import(run_cli, write_csv, db)
    first = _features(run_cli, db)
    # carol's praise answered, dave's complaint not: positive 1/1, negative 0/1
    assert (first["positive_inbound_response_rate"], first["negative_inbound_response_rate"]) == (1.0, 0.0)
    with Store(db) as store:
        stored = store.load_enrichment().set_index("post_id")
        # the customers' posts were scored and stored with the current version; the org's own post was not
        # (its sentiment and sentiment version stay NULL), though its message type and signature were stored
        assert sorted(stored.index) == ["1", "2", "3"]
        assert set(stored.loc[["1", "2"], "sentiment_version"]) == {SENTIMENT_VERSION}
        assert pd.isna(stored.loc["3", "sentiment_version"]) and math.isnan(stored.loc["3", "sentiment"])
        assert stored.loc["3", "message_type"] in ("information", "action", "dialogue")
        assert stored.loc["3", "signature_version"] == SIGNATURE_VERSION
        assert stored.loc["1", "sentiment"] > 0 > stored.loc["2", "sentiment"]
        # a stored score is used as it is: make carol's praise read as a complaint
        store.save_enrichment(pd.DataFrame({"platform": ["twitter"], "post_id": ["1"], "sentiment": [-0.8]}),
                              "sentiment", SENTIMENT_VERSION)
    second = _features(run_cli, db)
    assert math.isnan(second["positive_inbound_response_rate"] or math.nan)
    assert second["negative_inbound_response_rate"] == 0.5
    with Store(db) as store:  # a score of another scorer's version is stale: computed again
        store.save_enrichment(pd.DataFrame({"platform": ["twitter"], "post_id": ["1"], "sentiment": [-0.8]}),
                              "sentiment", "vader-0.0/old")
    third = _features(run_cli, db)
    assert (third["positive_inbound_response_rate"], third["negative_inbound_response_rate"]) == (1.0, 0.0)
