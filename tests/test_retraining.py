"""Retraining changes the model: a labeler with a policy unlike the rubric's is learned, by grouped CV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from classifier.errors import ClassifierError
from classifier.labels import LABEL_COLUMNS
from classifier.stages import STAGES
from classifier.training import (
    choose_features,
    compare,
    cross_validate,
    model_beats_rubric,
    rubric_stages,
    stage_metrics,
    train,
)
from features.registry import feature_names


def response_time_labeler(row: pd.Series) -> int:
    """A labeler who judges mostly by how fast the organization answers, not by the rubric's criteria."""
    if row["org_posts"] == 0:
        return 0
    if row["posts_per_week"] < 1:
        return 1
    hours = row["response_time_median_hours"]
    if np.isnan(hours) or hours > 24:
        return 2
    if hours > 8:
        return 3
    if hours > 2:
        return 4
    return 6 if row["departments"] >= 3 else 5


def policy_table(n_orgs: int = 90, windows: int = 2, seed: int = 0) -> pd.DataFrame:
    """Synthetic labeled rows: organizations with varied behaviour, each seen in ``windows`` windows."""
    rng = np.random.default_rng(seed)
    rows = []
    for org in range(n_orgs):
        speed = rng.uniform(-1.5, 4.0)  # log10 hours to answer; the labeler looks at little else
        activity = rng.choice([0.0, 0.4, 3.0, 10.0, 40.0], p=[0.08, 0.1, 0.27, 0.3, 0.25])
        rate = rng.uniform(0.0, 1.0)
        depts = int(rng.integers(1, 6))
        for window in range(windows):
            ppw = activity * rng.uniform(0.8, 1.25)
            posts = round(ppw * 12)
            answered = posts > 0 and rate > 0.02
            values = {name: rng.uniform(0, 1) for name in feature_names()}  # features this labeler ignores
            values.update(
                org_posts=posts, posts_per_week=ppw, inbound=rng.integers(0, 300), accounts=depts,
                response_rate=min(1.0, rate * rng.uniform(0.8, 1.2)) if posts else np.nan,
                response_time_median_hours=10 ** (speed + rng.normal(0, 0.15)) if answered else np.nan,
                dialogue_share=rng.uniform(0, 1), amplification_share=rng.uniform(0, 0.3),
                measurement_share=rng.uniform(0, 0.4), departments=depts if posts else 0,
                department_entropy=np.log2(depts) * rng.uniform(0.6, 1.0), distinct_voices=depts + rng.integers(0, 6),
            )
            rows.append({"org": f"org-{org}", "window_start": f"2025-0{window + 1}-01", "source": "simulated",
                         **values})
    table = pd.DataFrame(rows)
    table["stage"] = table.apply(response_time_labeler, axis=1)
    return table


def test_retrained_model_agrees_with_its_labeler_clearly_better_than_the_rubric() -> None:
    table = policy_table()
    features, _ = choose_features(table)
    cv = cross_validate(table, features, n_splits=5)
    metrics = compare(table, cv.model, cv.rubric)
    model, rubric = metrics["model"], metrics["rubric"]
    assert cv.strategy == "stratified group k-fold"
    assert model["exact_accuracy"] >= rubric["exact_accuracy"] + 0.2, (model, rubric)
    assert model["mean_absolute_error"] < rubric["mean_absolute_error"]
    assert model["macro_f1"] > rubric["macro_f1"]
    assert model_beats_rubric(metrics)


@pytest.mark.filterwarnings("ignore:The least populated class")
def test_folds_never_split_an_organization() -> None:
    table = policy_table(n_orgs=30, windows=3)
    features, _ = choose_features(table)
    from sklearn.model_selection import StratifiedGroupKFold

    cv = cross_validate(table, features, n_splits=4)
    assert cv.folds == 4
    groups = table["org"].to_numpy()
    for train_rows, test_rows in StratifiedGroupKFold(4, shuffle=True, random_state=0).split(
            table, table["stage"], groups):
        assert not set(groups[train_rows]) & set(groups[test_rows])


def test_rubric_baseline_is_the_rubric_applied_row_by_row() -> None:
    table = policy_table(n_orgs=10, windows=1)
    from classifier.rubric import evaluate

    assert rubric_stages(table).tolist() == [evaluate(r).stage for r in table.to_dict("records")]


def test_metrics_by_hand() -> None:
    metrics = stage_metrics([0, 2, 2, 5, 6], [0, 3, 2, 2, 6])
    assert metrics["exact_accuracy"] == pytest.approx(3 / 5)
    assert metrics["within_one_accuracy"] == pytest.approx(4 / 5)
    assert metrics["mean_absolute_error"] == pytest.approx((0 + 1 + 0 + 3 + 0) / 5)
    # F1 per labeled stage: 0 -> 1; 2 -> precision 1/2, recall 1/2, so 1/2; 5 -> 0; 6 -> 1
    assert metrics["macro_f1"] == pytest.approx((1 + 1 / 2 + 0 + 1) / 4)
    matrix = np.array(metrics["confusion_matrix"])
    assert matrix.shape == (len(STAGES), len(STAGES))
    assert matrix[2, 3] == 1 and matrix[5, 2] == 1 and matrix.sum() == 5


def test_tiny_tables_degrade_with_a_note() -> None:
    table = policy_table(n_orgs=3, windows=2, seed=4)
    features, _ = choose_features(table)
    cv = cross_validate(table, features, n_splits=5)
    assert cv.folds == 3 and any("only 3 organizations" in note for note in cv.notes)
    single = cross_validate(table[table["org"] == "org-0"], features)
    assert single.model is None and single.strategy == "none"


def test_training_writes_a_card_with_data_metrics_and_the_registry_feature_list() -> None:
    table = policy_table(n_orgs=40, windows=1, seed=2)
    for column in LABEL_COLUMNS:
        if column not in table:
            table[column] = "x"
    model = train(table, n_splits=3)
    card = model.card
    assert list(model.features) == feature_names()
    assert card["data"]["rows"] == 40 and card["data"]["simulated_rows"] == 40
    assert sum(card["data"]["stage_counts"].values()) == 40
    assert card["cross_validation"]["folds"] == 3
    assert {"model", "rubric", "by_source"} <= set(card["cross_validation"])
    assert card["verdict"] in ("model", "rubric")


def test_features_without_values_are_skipped_and_an_empty_table_refused() -> None:
    table = policy_table(n_orgs=5, windows=1)
    table["response_rate"] = np.nan
    used, skipped = choose_features(table.drop(columns="poll_share"))
    assert "response_rate" in skipped and "poll_share" in skipped and "response_rate" not in used
    with pytest.raises(ClassifierError):
        choose_features(table[["org", "stage"]])
