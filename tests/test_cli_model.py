"""label, train, evaluate and audit --model as a user runs them; the labeled table's safety."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from classifier.labels import LABEL_COLUMNS, OPTIONAL_COLUMNS, add_label, read_labels
from classifier.pipeline import StageModel
from classifier.stages import STAGES
from features.registry import feature_names
from socialstage.audit.verdict import ModelChoice, apply_model
from socialstage.cli import cli

DEMO_ACCOUNTS = {  # the demo organizations' names and their stage
    "demo-participating": 2, "demo-measuring": 3, "demo-letting-go": 4, "demo-actively-engaging": 5,
    "demo-propagating": 6, "demo-listening": 1,
}


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store holding the demo's simulated posts and organizations (built once; the tests only read it)."""
    db = tmp_path_factory.mktemp("store") / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--save", "--db", str(db), "--model", "none"])
    assert result.exit_code == 0, result.output
    return db


def _label(run_cli: Callable[..., Result], db: Path, data: Path, org: str, stage: str, *extra: str) -> Result:
    return run_cli("label", org, "--stage", stage, "--rationale", f"test label of {org}", "--db", db,
                   "--data", data, "--labeler", "tester", *extra)


def test_label_adds_a_row_with_every_registered_feature(run_cli, demo_store: Path, tmp_path: Path) -> None:
    data = tmp_path / "labels"
    result = _label(run_cli, demo_store, data, "demo-measuring", "measuring")
    assert result.exit_code == 0, result.output
    assert "Labeled demo-measuring as Measuring (3)" in result.output
    table = read_labels(data)
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["org"], row["stage"], row["stage_name"], row["labeler"]) == ("demo-measuring", 3, "Measuring", "tester")
    assert row["source"] == "real" and row["rationale"] == "test label of demo-measuring"
    assert row["org_accounts"] == "twitter:measuring_co:general"
    assert list(table.columns) == [*LABEL_COLUMNS, *OPTIONAL_COLUMNS, *feature_names()]
    assert row["org_posts"] > 0 and row["window_start"] < row["window_end"]
    assert not [p for p in data.iterdir() if p.name.endswith(".tmp")]


def test_label_refuses_a_duplicate_unless_replace(run_cli, clean_error, demo_store: Path, tmp_path: Path) -> None:
    data = tmp_path / "labels"
    assert _label(run_cli, demo_store, data, "demo-measuring", "3").exit_code == 0
    clean_error(_label(run_cli, demo_store, data, "Demo-Measuring", "4"), "already labeled", "--replace")
    replaced = _label(run_cli, demo_store, data, "demo-measuring", "Letting Go", "--replace")
    assert replaced.exit_code == 0 and "Replaced" in replaced.output
    assert read_labels(data)["stage"].tolist() == [4]
    narrower = _label(run_cli, demo_store, data, "demo-measuring", "3", "--since", "2026-02-01")
    assert narrower.exit_code == 0  # another window of the same organization is another row
    assert len(read_labels(data)) == 2


def test_label_rejects_bad_stages_and_rationales(run_cli, clean_error, demo_store: Path, tmp_path: Path) -> None:
    data = tmp_path / "labels"
    clean_error(_label(run_cli, demo_store, data, "demo-measuring", "9"), "unknown stage")
    clean_error(_label(run_cli, demo_store, data, "demo-measuring", "expert"), "unknown stage")
    empty = run_cli("label", "demo-measuring", "--stage", "3", "--rationale", "  ", "--db", demo_store, "--data", data)
    clean_error(empty, "rationale is empty")
    assert not (data / "labels.csv").exists()


def test_an_interrupted_label_leaves_the_table_intact(run_cli, demo_store: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "labels"
    assert _label(run_cli, demo_store, data, "demo-measuring", "3").exit_code == 0
    before = (data / "labels.csv").read_bytes()

    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("collectors.safe_write.os.replace", interrupted)
    result = _label(run_cli, demo_store, data, "demo-propagating", "6")
    assert result.exit_code == 130
    assert (data / "labels.csv").read_bytes() == before
    assert sorted(p.name for p in data.iterdir()) == ["labels.csv", "labels.csv.lock"]


def test_concurrent_writers_lose_no_row(tmp_path: Path) -> None:
    def row(n: int) -> dict[str, object]:
        return {"org": f"org-{n}", "org_accounts": f"twitter:o{n}", "window_start": "", "window_end": "",
                "source": "simulated", "source_dataset": "test", "labeler": "t", "labeled_at": "2026-01-01",
                "stage": n % 7, "stage_name": STAGES[n % 7].name, "rationale": "r", "org_posts": float(n)}

    threads = [threading.Thread(target=add_label, args=(tmp_path, row(n))) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(read_labels(tmp_path)["org_posts"].tolist()) == list(range(12))


def test_label_train_evaluate_and_audit_with_the_new_model(run_cli, demo_store: Path, tmp_path: Path) -> None:
    data, model = tmp_path / "labels", tmp_path / "models" / "mine.skops"
    for org, stage in DEMO_ACCOUNTS.items():
        assert _label(run_cli, demo_store, data, org, str(stage), "--source", "simulated").exit_code == 0
    trained = run_cli("train", "--data", data, "--out", model, "--folds", "3")
    assert trained.exit_code == 0, trained.output
    assert "exact accuracy" in trained.output and "rubric" in trained.output
    assert f"socialstage audit NAME --model {model}" in trained.output.replace("\n", "")
    card = json.loads(model.with_name("mine.card.json").read_text())
    assert card["features"] == [f for f in feature_names() if read_labels(data)[f].notna().any()]
    assert card["data"]["rows"] == 6 and card["data"]["simulated_rows"] == 6
    assert card["stages_seen"] == sorted(DEMO_ACCOUNTS.values())
    assert card["cross_validation"]["folds"] == 3

    evaluated = run_cli("evaluate", model, "--data", data, "--format", "json")
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)
    assert report["in_sample"] is True and report["model"]["rows"] == 6

    audited = run_cli("audit", "demo-measuring", "--db", demo_store, "--model", model, "--format", "json")
    assert audited.exit_code == 0, audited.output
    result = json.loads(audited.output)
    assert result["model"]["name"] == "mine.skops"
    assert result["probabilities"]["Unaware"] == 0  # no labels of Unaware: probability 0
    assert sum(result["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    assert result["method"] == card["verdict"]


def test_audit_uses_the_shipped_model_by_default_and_none_turns_it_off(run_cli, demo_store: Path) -> None:
    default = json.loads(run_cli("audit", "demo-letting-go", "--db", demo_store, "--format", "json").output)
    assert default["model"]["name"] == "the shipped model"
    assert list(default["probabilities"]) == [s.name for s in STAGES]
    assert sum(default["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    assert default["rubric_stage"]["index"] == 4
    rubric_only = json.loads(run_cli("audit", "demo-letting-go", "--db", demo_store, "--model", "none",
                                     "--format", "json").output)
    assert rubric_only["method"] == "rubric" and rubric_only["probabilities"] is None
    assert rubric_only["model"] is None and rubric_only["disagreement"] is None


def test_bad_model_files_give_one_line_errors(run_cli, clean_error, demo_store: Path, tmp_path: Path) -> None:
    clean_error(run_cli("audit", "demo-measuring", "--db", demo_store, "--model", tmp_path / "absent.skops"),
                "no such model file")
    clean_error(run_cli("evaluate", tmp_path / "absent.skops", "--data", tmp_path), "no such model file")
    clean_error(run_cli("train", "--data", tmp_path / "nothing"), "no labeled table")


def _constant_model(stage: int, verdict: str) -> ModelChoice:
    """A model trained on labels of one stage only (it always says ``stage``), with a chosen verdict."""
    table = pd.DataFrame({"org_posts": np.arange(10.0)})
    model = StageModel.fit(table, [stage] * 10, ["org_posts"])
    model.card = {"verdict": verdict, "cross_validation": {}, "calibration": {"outside": 1.0}}
    return ModelChoice(model, "constant", explicit=True)


@pytest.mark.parametrize("verdict", ["model", "rubric"])
def test_disagreement_is_always_said_and_the_card_decides_the_verdict(run_cli, demo_store: Path,
                                                                       verdict: str) -> None:
    """(A model placing above the rubric on a stage with no measured criterion met is refused: see
    test_a_model_guess_above_the_evidence_never_decides.)"""
    from socialstage.audit.pipeline import audit_one

    result = audit_one("demo-measuring", None, (), None, None, None, str(demo_store))
    apply_model([result], _constant_model(2, verdict))
    assert result.rubric.stage == 3 and result.model_stage == 2
    assert result.disagreement == {"rubric": 3, "model": 2}
    assert any("disagree" in w and "Participating" in w for w in result.warnings)
    data = result.as_dict()
    assert data["stage"]["index"] == (2 if verdict == "model" else 3)
    assert data["verdict_reason"].startswith("the model decides" if verdict == "model" else "the rubric decides")
    assert data["method"] == verdict
    assert all(step["stage"] == data["stage"]["index"] + 1 for step in data["next_steps"])


def test_a_model_missing_features_is_refused_when_chosen_and_skipped_when_shipped(demo_store: Path) -> None:
    from socialstage.audit.pipeline import audit_one
    from socialstage.errors import SocialstageError

    table = pd.DataFrame({"org_posts": np.arange(10.0), "retired_feature": np.arange(10.0)})
    model = StageModel.fit(table, [2] * 5 + [5] * 5, ["org_posts", "retired_feature"])
    result = audit_one("demo-measuring", None, (), None, None, None, str(demo_store))
    with pytest.raises(SocialstageError, match="retired_feature"):
        apply_model([result], ModelChoice(model, "old.skops", explicit=True))
    apply_model([result], ModelChoice(model, "default", explicit=False))
    assert result.probabilities is None and any("retired_feature" in w for w in result.warnings)


def test_a_model_guess_above_the_evidence_never_decides(demo_store: Path) -> None:
    from socialstage.audit.pipeline import audit_one

    result = audit_one("demo-measuring", None, (), None, None, None, str(demo_store))
    apply_model([result], _constant_model(6, "model"))
    assert result.model_stage == 6 and result.method == "rubric" and result.stage == 3
    assert "Propagating is contradicted by the evidence" in result.verdict_reason
    assert "departments speaking >= 3" in result.verdict_reason
