"""Training the stage model on a labeled table and evaluating it honestly against the rubric.

Evaluation is grouped cross-validation: every row of one organization (several windows) falls in the same fold,
so the model is never scored on an organization it has seen. Folds are stratified by stage when the labels
allow it. The rubric needs no training, so its baseline figures are its placements of the same rows.

Metrics (stages are indices 0-6): exact accuracy, within-one accuracy (placed at most one stage away), mean
absolute stage error, macro F1 over the stages present in the labels, and the 7 x 7 confusion matrix (rows:
labeled stage, columns: placed stage).
"""

from __future__ import annotations

import logging
import platform
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from classifier.errors import ClassifierError
from classifier.labels import data_version, labels_path, row_unseen
from classifier.pipeline import STAGE_INDICES, StageModel
from classifier.rubric import evaluate
from classifier.stages import STAGES
from classifier.validation import REGIMES, leave_one_dataset_out
from features.registry import feature_names

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]
DEFAULT_FOLDS = 5


@dataclass
class CrossValidation:
    """Out-of-fold placements of the model (``None`` when the data is too small) and of the rubric."""

    model: np.ndarray | None
    rubric: np.ndarray
    strategy: str
    folds: int
    notes: list[str] = field(default_factory=list)


def stage_metrics(y_true: Sequence[int], y_pred: Sequence[int]) -> dict[str, Any]:
    """Exact and within-one accuracy, mean absolute stage error, macro F1 and the confusion matrix."""
    true, pred = np.asarray(y_true, dtype=int), np.asarray(y_pred, dtype=int)
    if len(true) == 0:
        raise ClassifierError("no labeled rows to evaluate")
    error = np.abs(true - pred)
    present = sorted(set(true.tolist()))
    return {
        "rows": len(true),
        "exact_accuracy": float(np.mean(error == 0)),
        "within_one_accuracy": float(np.mean(error <= 1)),
        "mean_absolute_error": float(np.mean(error)),
        "macro_f1": float(f1_score(true, pred, labels=present, average="macro", zero_division=0)),
        "confusion_matrix": confusion_matrix(true, pred, labels=list(STAGE_INDICES)).tolist(),
    }


def rubric_stages(table: pd.DataFrame) -> np.ndarray:
    """The rubric's placement of every row (a feature absent from the table counts as missing)."""
    rows = table.to_dict("records")
    return np.array([evaluate(row, unseen=row_unseen(row)).stage for row in rows], dtype=int)


def choose_features(table: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Registered features the table holds values of (registry order), and registered ones it cannot supply."""
    used, skipped = [], []
    for name in feature_names():
        has_values = name in table.columns and table[name].notna().any()
        (used if has_values else skipped).append(name)
    if not used:
        raise ClassifierError("the labeled table holds no values of any registered feature")
    return used, skipped


def _splitter(stages: np.ndarray, groups: np.ndarray, n_splits: int, seed: int) -> tuple[Any, str, list[str]]:
    notes = []
    n_groups = len(set(groups.tolist()))
    folds = min(n_splits, n_groups)
    if folds < n_splits:
        notes.append(f"only {n_groups} organizations: {folds}-fold instead of {n_splits}-fold cross-validation")
    largest = int(pd.Series(stages).value_counts().max())
    if len(set(stages.tolist())) > 1 and largest >= folds:
        return StratifiedGroupKFold(folds, shuffle=True, random_state=seed), "stratified group k-fold", notes
    notes.append(f"no stage has {folds} labeled rows: folds are grouped by organization but not stratified")
    return GroupKFold(folds, shuffle=True, random_state=seed), "group k-fold", notes


def cross_validate(table: pd.DataFrame, features: Sequence[str], *, n_splits: int = DEFAULT_FOLDS,
                   seed: int = 0, estimator: Any = None, progress: Progress | None = None) -> CrossValidation:
    """Grouped (by organization) out-of-fold placements of a fresh model, beside the rubric's placements."""
    stages = table["stage"].to_numpy(dtype=int)
    groups = table["org"].astype(str).str.strip().str.lower().to_numpy()
    rubric = rubric_stages(table)
    if len(set(groups.tolist())) < 2:
        return CrossValidation(None, rubric, "none", 0, ["fewer than two organizations: no cross-validation"])
    splitter, strategy, notes = _splitter(stages, groups, n_splits, seed)
    predicted = np.full(len(table), -1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for fold, (train, test) in enumerate(splitter.split(table, stages, groups), start=1):
            if progress:
                progress(f"cross-validation fold {fold} of {splitter.get_n_splits()}")
            model = StageModel.fit(table.iloc[train], stages[train], features, estimator)
            predicted[test] = model.predict(table.iloc[test]).to_numpy()
    notes.extend(sorted({str(w.message) for w in caught if issubclass(w.category, UserWarning)}))
    return CrossValidation(predicted, rubric, strategy, splitter.get_n_splits(), notes)


def compare(table: pd.DataFrame, model_stages: np.ndarray | None, rubric: np.ndarray) -> dict[str, Any]:
    """Metrics of the model and of the rubric on all rows, and separately on real and simulated rows."""
    stages = table["stage"].to_numpy(dtype=int)
    report: dict[str, Any] = {
        "model": None if model_stages is None else stage_metrics(stages, model_stages),
        "rubric": stage_metrics(stages, rubric),
        "by_source": {},
    }
    for source in sorted(table["source"].unique()):
        mask = (table["source"] == source).to_numpy()
        report["by_source"][source] = {
            "model": None if model_stages is None else stage_metrics(stages[mask], model_stages[mask]),
            "rubric": stage_metrics(stages[mask], rubric[mask]),
        }
    return report


def model_beats_rubric(metrics: dict[str, Any]) -> bool:
    """The verdict rule: the model's exact accuracy is higher than the rubric's and its mean error no higher."""
    model, rubric = metrics.get("model"), metrics.get("rubric")
    if not model or not rubric:
        return False
    return (model["exact_accuracy"] > rubric["exact_accuracy"]
            and model["mean_absolute_error"] <= rubric["mean_absolute_error"])


def data_summary(table: pd.DataFrame, path: Path | None) -> dict[str, Any]:
    """Rows, organizations, real and simulated rows, and labeled rows per stage."""
    counts = table["stage"].value_counts()
    return {
        "path": None if path is None else str(path),
        "version": None if path is None else data_version(path),
        "rows": len(table),
        "organizations": int(table["org"].str.lower().nunique()),
        "real_rows": int((table["source"] == "real").sum()),
        "simulated_rows": int((table["source"] == "simulated").sum()),
        "stage_counts": {f"{s.index} {s.name}": int(counts.get(s.index, 0)) for s in STAGES},
    }


def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries a model depends on."""
    versions = {"python": platform.python_version()}
    for name in ("socialstage", "scikit-learn", "skops", "numpy", "pandas"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "unknown"
    return versions


def train(table: pd.DataFrame, *, data: str | Path | None = None, n_splits: int = DEFAULT_FOLDS, seed: int = 0,
          estimator: Any = None, progress: Progress | None = None) -> StageModel:
    """Cross-validate, then fit the model on every row; its card holds the data, metrics and feature list."""
    features, skipped = choose_features(table)
    if skipped:
        logger.warning("the labeled table has no values of %s; trained without them (refresh the table: "
                       "python labeled_data/seed_labels.py)", ", ".join(skipped))
    cv = cross_validate(table, features, n_splits=n_splits, seed=seed, estimator=estimator, progress=progress)
    metrics = compare(table, cv.model, cv.rubric)
    lodo = leave_one_dataset_out(table, features, estimator, progress) if _real_datasets(table) >= 2 else {}
    if progress:
        progress("fitting the model on every labeled row")
    model = StageModel.fit(table, table["stage"].to_numpy(dtype=int), features, estimator)
    model.card = {
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "estimator": "Frank & Hall ordinal classifier (logistic regression per threshold) after median "
                     "imputation with missing indicators, arcsinh and standard scaling",
        "data": data_summary(table, None if data is None else labels_path(data)),
        "features_skipped": skipped,
        "cross_validation": {"strategy": cv.strategy, "folds": cv.folds, "grouped_by": "organization",
                             "seed": seed, "notes": cv.notes, **metrics},
        **_verdict(metrics, lodo),
        "versions": library_versions(),
    }
    return model


def _real_datasets(table: pd.DataFrame) -> int:
    return int(table.loc[table["source"] == "real", "source_dataset"].nunique())


def _verdict(metrics: dict[str, Any], lodo: dict[str, Any]) -> dict[str, Any]:
    """The card's verdict entries: per regime from leaving each real data set out when there are two or more
    real data sets, else (an older or smaller table) from grouped cross-validation for both regimes."""
    if not lodo:
        verdict = "model" if model_beats_rubric(metrics) else "rubric"
        return {"verdict": verdict, "verdict_by_regime": dict.fromkeys(REGIMES, verdict),
                "verdict_rule": "fewer than two real data sets: the model's stage is the verdict when its "
                                "cross-validated exact accuracy is higher than the rubric's and its mean absolute "
                                "stage error is no higher; otherwise the rubric's"}
    by_regime = lodo["verdict_by_regime"]
    chosen = set(by_regime.values())
    return {
        "verdict": chosen.pop() if len(chosen) == 1 else "by regime",
        "verdict_by_regime": by_regime,
        "verdict_rule": "per regime (posts addressed to the organization visible or not): the model's stage is the "
                        "verdict where, leaving each real data set out in turn, its exact accuracy on the real rows "
                        "is higher than the rubric's and its mean absolute stage error no higher, and only on a "
                        "stage with a measured criterion met; otherwise the rubric's",
        "leave_one_dataset_out": lodo,
        "calibration": {"temperature": lodo["calibration"]["temperature"], "outside": lodo["calibration"]["outside"],
                        "unseen": lodo["calibration"].get("unseen", 0.0),
                        "fitted_on": "real rows, each placed by a model trained without its data set"},
        "conformal": lodo["conformal"],
    }


def evaluate_model(model: StageModel, table: pd.DataFrame) -> dict[str, Any]:
    """The metrics of a fitted model on a labeled table (no refitting), beside the rubric's."""
    return compare(table, model.predict(table).to_numpy(), rubric_stages(table))
