"""Model files: skops with a card, no code executed on load, unknown types and mismatched cards refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from classifier.errors import ClassifierError, UntrustedModelError
from classifier.fileio import file_sha256
from classifier.persistence import card_path, load_model, read_card, save_model
from classifier.pipeline import StageModel, make_pipeline


class SneakyClassifier(LogisticRegression):
    """A type no model file may hold (skops would have to import and run this module to build it)."""


def _reseal(card_file: Path, model_file: Path) -> None:
    """Make the card claim the model file's current content (as a forger would)."""
    card = json.loads(card_file.read_text())
    card["model_sha256"] = file_sha256(model_file)
    card_file.write_text(json.dumps(card))


def _fitted(estimator: object = None) -> tuple[StageModel, pd.DataFrame]:
    rng = np.random.default_rng(1)
    table = pd.DataFrame(rng.normal(size=(50, 2)), columns=["org_posts", "response_rate"])
    table.loc[::7, "response_rate"] = np.nan
    stages = np.where(table["org_posts"] > 0, 5, 2)
    model = StageModel.fit(table, stages, ["org_posts", "response_rate"], estimator)
    model.card = {"data": {"rows": 50}}
    return model, table


def test_saved_model_loads_with_its_card_and_predicts_the_same(tmp_path: Path) -> None:
    model, table = _fitted()
    path, card_file = save_model(model, tmp_path / "m.skops")
    assert card_file == card_path(path) == tmp_path / "m.card.json"
    loaded = load_model(path)
    assert loaded.features == ("org_posts", "response_rate")
    assert loaded.card["data"] == {"rows": 50}
    assert loaded.card["stages_seen"] == [2, 5]
    assert np.allclose(loaded.probabilities(table), model.probabilities(table))


def test_a_model_holding_an_unknown_type_is_refused(tmp_path: Path) -> None:
    model, _ = _fitted(SneakyClassifier())
    path, _ = save_model(model, tmp_path / "sneaky.skops")
    with pytest.raises(UntrustedModelError, match=r"untrusted types: .*SneakyClassifier"):
        load_model(path)


def test_a_model_that_is_not_the_stage_pipeline_is_refused(tmp_path: Path) -> None:
    model, table = _fitted()
    path, card_file = save_model(model, tmp_path / "other.skops")
    path.write_bytes(sio.dumps(LogisticRegression().fit(table.fillna(0), np.arange(50) % 2)))
    _reseal(card_file, path)
    with pytest.raises(ClassifierError, match="not a socialstage stage pipeline"):
        load_model(path)


def test_a_card_that_belongs_to_another_model_is_refused(tmp_path: Path) -> None:
    model, _ = _fitted()
    first, _ = save_model(model, tmp_path / "a.skops")
    second, second_card = save_model(model, tmp_path / "b.skops")
    first.write_bytes(sio.dumps(make_pipeline()))  # the file changed after its card was written
    with pytest.raises(ClassifierError, match="does not match its card"):
        load_model(first)
    second_card.unlink()
    with pytest.raises(ClassifierError, match="card is missing"):
        load_model(second)


def test_garbage_model_files_give_clear_errors(tmp_path: Path) -> None:
    model, _ = _fitted()
    path, card_file = save_model(model, tmp_path / "m.skops")
    path.write_bytes(b"not a zip file")
    _reseal(card_file, path)
    with pytest.raises(ClassifierError, match="not a skops model file"):
        load_model(path)
    card_file.write_text("{broken")
    with pytest.raises(ClassifierError, match="not a readable model card"):
        read_card(path)
    with pytest.raises(ClassifierError, match="no such model file"):
        load_model(tmp_path / "absent.skops")
    with pytest.raises(ClassifierError, match=r"must end in \.skops"):
        save_model(model, tmp_path / "m.pkl")
