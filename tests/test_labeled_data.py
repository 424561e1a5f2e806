"""The committed labeled table and the shipped model: consistent, up to date, and free of third-party text.

When one of these tests fails after the feature set changed, refresh both with ``make model`` (it reruns
``labeled_data/seed_labels.py`` and ``socialstage train --data labeled_data --out classifier/models/default.skops``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from classifier.labels import LABEL_COLUMNS, data_version, feature_columns, read_labels
from classifier.persistence import DEFAULT_MODEL, card_path, load_model
from classifier.stages import STAGES
from classifier.training import train
from features.registry import feature_names

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "labeled_data" / "labels.csv"
REAL_LABELS = ROOT / "labeled_data" / "real_labels.csv"
SHARED = ROOT.parent / "shared" / "data"
REFRESH = "the labeled table or the shipped model is out of date: run `make model` and commit the results"


def _seed_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("seed_labels", ROOT / "labeled_data" / "seed_labels.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["seed_labels"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return read_labels(LABELS)


def test_table_has_the_documented_columns_and_valid_labels(table: pd.DataFrame) -> None:
    assert list(table.columns[: len(LABEL_COLUMNS)]) == list(LABEL_COLUMNS)
    assert set(table["source"]) == {"real", "simulated"}
    assert (table["stage_name"] == [STAGES[s].name for s in table["stage"]]).all()
    assert not table["rationale"].str.contains("\n").any()
    assert not table.duplicated(["org", "window_start", "window_end"]).any()


def test_table_holds_every_registered_feature(table: pd.DataFrame) -> None:
    missing = [name for name in feature_names() if name not in feature_columns(table)]
    assert not missing, f"labels.csv lacks {missing}: {REFRESH}"


def test_simulated_rows_cover_every_stage_and_real_rows_follow_real_labels(table: pd.DataFrame) -> None:
    simulated = table[table["source"] == "simulated"]
    assert set(simulated["stage"]) == {s.index for s in STAGES}
    assert (simulated["stage"].value_counts() >= 3).all()
    real = table[table["source"] == "real"].set_index("org")
    labels = pd.read_csv(REAL_LABELS, dtype=str, keep_default_na=False).set_index("org")
    assert sorted(real.index) == sorted(labels.index)
    assert (real["stage"].astype(str) == labels.loc[real.index, "stage"]).all()
    assert (real["rationale"] == labels.loc[real.index, "rationale"]).all()
    assert (real["labeler"] != "simulator").all()


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is absent (the real rows come from it)")
def test_no_post_text_of_the_shared_data_is_in_the_repository() -> None:
    committed = LABELS.read_text(encoding="utf-8") + REAL_LABELS.read_text(encoding="utf-8")
    texts = pd.concat([
        pd.read_csv(SHARED / "twcs" / "twcs_5k.csv", dtype=str)["text"],
        pd.read_csv(SHARED / "corporate_messaging" / "corporate_messaging_6_accounts.csv", dtype=str,
                    encoding_errors="replace")["text"],
    ]).dropna()
    long_texts = [t for t in texts if len(t) >= 40]
    assert len(long_texts) > 1000
    assert not [t for t in long_texts if t in committed]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is absent (the real rows come from it)")
def test_real_rows_hold_the_features_computed_now(table: pd.DataFrame) -> None:
    seed = _seed_script()
    labels = pd.read_csv(REAL_LABELS, dtype=str, keep_default_na=False)
    fresh = pd.DataFrame(list(seed.real_rows(labels, SHARED))).set_index("org")
    stored = table[table["source"] == "real"].set_index("org").loc[fresh.index]
    _same_features(stored, fresh, "real")


def _same_features(stored: pd.DataFrame, fresh: pd.DataFrame, kind: str) -> None:
    missing = [name for name in feature_names() if name not in stored.columns]
    assert not missing, f"labels.csv lacks {missing}: {REFRESH}"
    differ = [name for name in feature_names()
              if not np.allclose(stored[name].astype(float), fresh[name].astype(float), rtol=1e-8, equal_nan=True)]
    assert not differ, f"{differ} of the {kind} rows differ from their values computed now: {REFRESH}"


def test_simulated_rows_hold_the_features_computed_now(table: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    seed = _seed_script()
    monkeypatch.setattr(seed, "SIMULATED_RUNS", seed.SIMULATED_RUNS[:1])  # the smallest run, for speed
    fresh = pd.DataFrame(list(seed.simulated_rows())).set_index("org")
    stored = table.set_index("org").loc[fresh.index]
    assert (stored["stage"] == fresh["stage"]).all()
    _same_features(stored, fresh, "simulated")


def test_shipped_model_reads_the_registered_features_and_was_trained_on_this_table() -> None:
    model = load_model(DEFAULT_MODEL)
    assert list(model.features) == feature_names(), f"the shipped model's features differ: {REFRESH}"
    assert model.card["data"]["version"] == data_version(LABELS), f"trained on another table: {REFRESH}"


def test_retraining_reproduces_the_shipped_model_and_its_card(table: pd.DataFrame) -> None:
    shipped = load_model(DEFAULT_MODEL)
    retrained = train(table, data=LABELS.parent)
    assert retrained.features == shipped.features
    assert np.allclose(retrained.probabilities(table), shipped.probabilities(table), atol=1e-6), REFRESH
    for key in ("rows", "real_rows", "simulated_rows", "stage_counts"):
        assert retrained.card["data"][key] == shipped.card["data"][key]
    for who in ("model", "rubric"):
        assert retrained.card["cross_validation"][who] == shipped.card["cross_validation"][who], REFRESH
    assert retrained.card["verdict"] == shipped.card["verdict"]


def test_bench_results_report_the_shipped_models_figures() -> None:
    card = load_model(DEFAULT_MODEL).card
    results = (ROOT / "bench" / "RESULTS.md").read_text(encoding="utf-8")
    section = results.split("## Stage classifier", 1)[-1]
    assert card["data"]["version"][:19] in section, f"bench/RESULTS.md lacks the shipped model's figures: {REFRESH}"
    assert card_path(DEFAULT_MODEL).is_file()


def test_unseen_column_is_kept_and_an_older_table_without_it_still_reads(table: pd.DataFrame, tmp_path: Path) -> None:
    from classifier.labels import OPTIONAL_COLUMNS, row_unseen

    assert "unseen" in OPTIONAL_COLUMNS and "unseen" not in feature_columns(table)
    county = table[table["source_dataset"] == "county_health_2021"]
    # the agencies' files hold no retweets: nearly every agency row says so (a few own posts open "RT @"), and the
    # rubric reads it back
    assert (county["unseen"] == "reposts").mean() > 0.9
    assert row_unseen(county[county["unseen"] == "reposts"].iloc[0].to_dict()) == ("reposts",)
    older = tmp_path / "labels.csv"
    table.drop(columns=["unseen"]).to_csv(older, index=False)
    again = read_labels(older)
    assert (again["unseen"] == "").all() and "unseen" not in feature_columns(again)
    assert row_unseen(again.iloc[0].to_dict()) == ()
