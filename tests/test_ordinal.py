"""The ordinal estimator: scikit-learn's estimator checks, any label subset, valid probabilities, order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from classifier.errors import MissingFeaturesError
from classifier.ordinal import OrdinalClassifier, isotonic_decreasing
from classifier.pipeline import STAGE_INDICES, StageModel, make_pipeline

#: Checks that cannot pass for a given configuration, with the reason.
STAGE_ORDER_EXPECTED_FAILURES = {
    "check_classifiers_classes": "with an explicit label order (the seven stages), labels outside it, such as "
                                 "the check's strings 'one'/'two', are refused by design",
}


def _expected_failures(estimator: OrdinalClassifier) -> dict[str, str]:
    return STAGE_ORDER_EXPECTED_FAILURES if estimator.classes is not None else {}


@parametrize_with_checks(
    [
        OrdinalClassifier(),
        OrdinalClassifier(estimator=DecisionTreeClassifier(max_depth=4, random_state=0)),
        OrdinalClassifier(classes=STAGE_INDICES),
    ],
    expected_failed_checks=_expected_failures,
)
def test_scikit_learn_estimator_checks(estimator: OrdinalClassifier, check: object) -> None:
    check(estimator)


def _ordered_data(n: int = 240, seed: int = 0, stages: tuple[int, ...] = STAGE_INDICES) -> tuple[np.ndarray, ...]:
    """One informative feature (stage grows with it) and one noise feature."""
    rng = np.random.default_rng(seed)
    signal = rng.uniform(0, len(stages), n)
    X = np.column_stack([signal + rng.normal(0, 0.3, n), rng.normal(size=n)])
    y = np.array(stages)[np.clip(signal.astype(int), 0, len(stages) - 1)]
    return X, y


def test_fits_with_labels_for_only_some_stages() -> None:
    X, y = _ordered_data(stages=(0, 2, 5))
    model = OrdinalClassifier(classes=STAGE_INDICES).fit(X, y)
    assert model.classes_.tolist() == [0, 2, 5]
    assert len(model.estimators_) == 2
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 3)
    assert set(model.predict(X).tolist()) <= {0, 2, 5}
    assert np.mean(model.predict(X) == y) > 0.8


def test_stage_model_gives_zero_probability_to_stages_without_labels() -> None:
    X, y = _ordered_data(stages=(1, 3, 4))
    table = pd.DataFrame(X, columns=["a", "b"])
    model = StageModel.fit(table, y, ["a", "b"])
    proba = model.probabilities(table)
    assert list(proba.columns) == list(STAGE_INDICES)
    assert (proba[[0, 2, 5, 6]] == 0).all().all()
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.stages_seen == [1, 3, 4]


def test_one_label_only_predicts_that_label_with_certainty() -> None:
    X, _ = _ordered_data(n=20)
    model = OrdinalClassifier().fit(X, np.full(20, 4))
    assert model.predict(X).tolist() == [4] * 20
    assert np.allclose(model.predict_proba(X), 1.0)


def test_labels_outside_an_explicit_order_are_refused() -> None:
    X, y = _ordered_data(n=30)
    with pytest.raises(ValueError, match="not in classes"):
        OrdinalClassifier(classes=(0, 1, 2)).fit(X, y)


def test_explicit_order_is_respected_for_string_labels() -> None:
    X, y = _ordered_data(stages=(0, 1, 2))
    names = np.array(["low", "mid", "high"])[y]
    model = OrdinalClassifier(classes=("low", "mid", "high")).fit(X, names)
    assert model.classes_.tolist() == ["low", "mid", "high"]
    assert np.mean(model.predict(X) == names) > 0.8


def test_most_probable_stage_rises_monotonically_with_the_ordered_feature() -> None:
    X, y = _ordered_data(n=400, seed=3)
    model = OrdinalClassifier().fit(X, y)
    grid = np.column_stack([np.linspace(-1, 8, 200), np.zeros(200)])
    predicted = model.predict(grid)
    assert np.all(np.diff(predicted) >= 0)
    assert predicted[0] == 0 and predicted[-1] == 6
    expected_stage = model.predict_proba(grid) @ model.classes_
    assert np.all(np.diff(expected_stage) >= -1e-9)


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 7)),
              elements=st.floats(0, 1, allow_nan=False)))
def test_isotonic_fit_is_non_increasing_and_never_worse_than_the_raw_values(raw: np.ndarray) -> None:
    fitted = isotonic_decreasing(raw)
    assert np.all(np.diff(fitted, axis=1) <= 1e-12)
    assert np.allclose(fitted.sum(axis=1), raw.sum(axis=1))  # isotonic regression preserves the mean
    if raw.shape[1] > 1 and np.all(np.diff(raw, axis=1) <= 0):
        assert np.allclose(fitted, raw)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(8, 80),
    stages=st.lists(st.sampled_from(STAGE_INDICES), min_size=1, max_size=7, unique=True),
    missing=st.floats(0, 0.6),
)
def test_pipeline_probabilities_are_valid_for_any_labels_and_missing_values(
    seed: int, n: int, stages: list[int], missing: float
) -> None:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(rng.normal(size=(n, 3)) * rng.uniform(0.1, 100, 3), columns=["a", "b", "c"])
    table = table.mask(rng.random(table.shape) < missing)
    labels = rng.choice(stages, n)
    model = StageModel.fit(table, labels, ["a", "b", "c"])
    proba = model.probabilities(table).to_numpy()
    assert np.all(proba >= 0) and np.all(np.isfinite(proba))
    assert np.allclose(proba.sum(axis=1), 1.0)
    unseen = [s for s in STAGE_INDICES if s not in set(labels.tolist())]
    assert np.all(proba[:, unseen] == 0)


def test_missing_values_are_imputed_inside_the_pipeline_with_indicators() -> None:
    X, y = _ordered_data(n=120)
    table = pd.DataFrame(X, columns=["a", "b"])
    table.loc[::4, "b"] = np.nan
    pipeline = make_pipeline().fit(table, y)
    assert pipeline[-1].n_features_in_ == 3  # two features and one missing indicator
    assert np.isfinite(pipeline.predict_proba(table.iloc[:5])).all()


def test_model_refuses_a_table_missing_its_features_and_ignores_extra_ones() -> None:
    X, y = _ordered_data(n=60)
    table = pd.DataFrame(X, columns=["a", "b"])
    model = StageModel.fit(table, y, ["a", "b"])
    wider = table.assign(new_feature=1.0)[["new_feature", "b", "a"]]
    assert model.predict(wider).tolist() == model.predict(table).tolist()
    with pytest.raises(MissingFeaturesError, match=r"lacks 1 feature.*: b"):
        model.predict(table.drop(columns="b"))
