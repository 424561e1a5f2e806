"""The stage model's array export: the same probabilities as the scikit-learn pipeline, tied to its model file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.naive_bayes import GaussianNB

from classifier.errors import ClassifierError
from classifier.labels import feature_columns, read_labels
from classifier.linear import LinearStageModel, export_linear, linear_path
from classifier.persistence import DEFAULT_MODEL, card_path, load_model, save_model
from classifier.pipeline import StageModel

ROOT = Path(__file__).resolve().parents[1]


def _table(seed: int = 3, rows: int = 80) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({
        "org_posts": rng.gamma(2.0, 50.0, rows),
        "response_rate": rng.uniform(0, 1, rows),
        "response_time_median_hours": rng.gamma(1.5, 10.0, rows),
    })
    table.loc[::5, "response_rate"] = np.nan
    table.loc[::9, "response_time_median_hours"] = np.nan
    stages = np.digitize(table["response_rate"].fillna(0.1), [0.2, 0.4, 0.6, 0.8]) + 1
    return table, stages


def test_the_shipped_export_equals_the_pipeline_on_the_labeled_table() -> None:
    pipeline = load_model(DEFAULT_MODEL, arrays=False)
    arrays = load_model(DEFAULT_MODEL)
    assert isinstance(pipeline, StageModel) and isinstance(arrays, LinearStageModel)
    table = read_labels(ROOT / "labeled_data")
    assert set(pipeline.features) <= set(feature_columns(table))
    expected, got = pipeline.probabilities(table), arrays.probabilities(table)
    assert np.abs(expected.to_numpy() - got.to_numpy()).max() < 1e-9
    assert (pipeline.predict(table) == arrays.predict(table)).all()
    assert arrays.card == pipeline.card


def test_export_equals_the_pipeline_with_missing_values_and_extreme_rows(tmp_path: Path) -> None:
    table, stages = _table()
    model = StageModel.fit(table, stages, list(table.columns))
    save_model(model, tmp_path / "m.skops")
    loaded = load_model(tmp_path / "m.skops")
    assert isinstance(loaded, LinearStageModel)
    probe = pd.DataFrame({"org_posts": [np.nan, 0.0, 1e9, -5.0], "response_rate": [np.nan, 1.0, 0.0, 0.5],
                          "response_time_median_hours": [np.nan, np.nan, 1e6, 0.0]})
    probe = pd.concat([probe, table], ignore_index=True)
    got = loaded.probabilities(probe).to_numpy()
    assert np.abs(model.probabilities(probe).to_numpy() - got).max() < 1e-9
    assert (got >= 0).all() and np.allclose(got.sum(axis=1), 1.0)


def test_labels_for_some_stages_only_still_export(tmp_path: Path) -> None:
    table, _ = _table()
    stages = np.where(table["org_posts"] > 100, 6, 1)
    model = StageModel.fit(table, stages, list(table.columns))
    save_model(model, tmp_path / "two.skops")
    loaded = load_model(tmp_path / "two.skops")
    assert isinstance(loaded, LinearStageModel) and loaded.stages_seen == [1, 6]
    assert np.abs(model.probabilities(table).to_numpy() - loaded.probabilities(table).to_numpy()).max() < 1e-9


def test_a_model_that_cannot_be_exported_loads_from_its_skops_file(tmp_path: Path) -> None:
    table, stages = _table()
    model = StageModel.fit(table, stages, list(table.columns), GaussianNB())
    path, card_file = save_model(model, tmp_path / "bayes.skops")
    assert not linear_path(path).exists()
    assert json.loads(card_file.read_text())["linear_sha256"] is None
    assert isinstance(load_model(path), StageModel)
    with pytest.raises(ClassifierError, match="logistic regressions"):
        export_linear(model)


def test_a_tampered_export_is_not_used(tmp_path: Path) -> None:
    table, stages = _table()
    path, _ = save_model(StageModel.fit(table, stages, list(table.columns)), tmp_path / "m.skops")
    arrays = linear_path(path)
    data = json.loads(arrays.read_text())
    data["intercepts"][0] += 5.0
    arrays.write_text(json.dumps(data))
    loaded = load_model(path)
    assert isinstance(loaded, StageModel)  # the card's SHA-256 of the export no longer matches


def test_an_export_of_another_model_file_is_not_used(tmp_path: Path) -> None:
    table, stages = _table()
    first, _ = save_model(StageModel.fit(table, stages, list(table.columns)), tmp_path / "a.skops")
    second, _ = save_model(StageModel.fit(table, 7 - stages, list(table.columns)), tmp_path / "b.skops")
    linear_path(second).write_bytes(linear_path(first).read_bytes())
    card = json.loads(card_path(second).read_text())
    card["linear_sha256"] = json.loads(card_path(first).read_text())["linear_sha256"]
    card_path(second).write_text(json.dumps(card))
    assert isinstance(load_model(second), StageModel)  # the export names the other model file


def test_placing_with_the_shipped_model_imports_no_scikit_learn() -> None:
    code = (
        "import sys, pandas as pd\n"
        "from socialstage.audit.verdict import choose_model\n"
        "choice = choose_model(None)\n"
        "row = pd.DataFrame([{name: 1.0 for name in choice.model.features}])\n"
        "assert abs(float(choice.model.probabilities(row).sum(axis=1).iloc[0]) - 1) < 1e-9\n"
        "print(sorted(m for m in ('sklearn', 'skops', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
