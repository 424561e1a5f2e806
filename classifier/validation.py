"""Leave one data set out: the honest test of the verdict, on real organizations only.

Each real data set (``source_dataset`` of the real rows) is left out in turn: the model is trained on every
other row (the other real data sets and all simulated rows) and places the left-out organizations; the rubric
places them too (it needs no training). Only real rows are ever scored: simulated rows never appear in a test
figure. From these out-of-data-set placements come:

* the **temperature** of the probabilities (``classifier.calibration``), fitted on all of them, with the
  reliability table and expected calibration error before and after;
* the **regime verdicts**: per regime (posts addressed to the organization visible or not), whether the model
  beats the rubric (higher exact accuracy, no higher mean stage error) and so decides there;
* the **verdict's figures** per left-out data set (the stage the verdict rule gives, with the probability
  shown): exact, within-one, mean error, and verdicts with probability >= 0.8 two or more stages off;
* the **conformal threshold** (alpha 0.1) from all rows, and its coverage per data set measured with a
  threshold calibrated on the other data sets only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from classifier.calibration import (
    condition,
    conformal_threshold,
    evidence_weight,
    fit_calibration,
    prediction_set,
    reliability,
    temper,
    unseen_weight,
)
from classifier.evidence import counts
from classifier.labels import row_unseen
from classifier.pipeline import StageModel
from classifier.rubric import evaluate
from classifier.stages import STAGES

REGIMES = ("inbound visible", "inbound not visible")
ALPHA = 0.1
CONFIDENT = 0.8


def _metrics(true: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    error = np.abs(true - pred)
    return {"rows": len(true), "exact_accuracy": float(np.mean(error == 0)) if len(true) else None,
            "within_one_accuracy": float(np.mean(error <= 1)) if len(true) else None,
            "mean_absolute_error": float(np.mean(error)) if len(true) else None}


def beats(model: dict[str, Any], rubric: dict[str, Any]) -> bool:
    """The verdict rule's test: higher exact accuracy and no higher mean stage error, on at least one row."""
    if not model.get("rows"):
        return False
    return (model["exact_accuracy"] > rubric["exact_accuracy"]
            and model["mean_absolute_error"] <= rubric["mean_absolute_error"])


def out_of_dataset(table: pd.DataFrame, features: Sequence[str], estimator: Any = None,
                   progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """One row per real labeled row: its data set, label, the rubric's stage and range, regime, evidence weight,
    and the raw probabilities (``p0``..``p6``) of a model trained without its data set."""
    real = table[table["source"] == "real"]
    stages = table["stage"].to_numpy(dtype=int)
    rows = []
    for dataset in sorted(real["source_dataset"].unique()):
        if progress:
            progress(f"leaving out {dataset}")
        held = (table["source"] == "real") & (table["source_dataset"] == dataset)
        model = StageModel.fit(table[~held], stages[~held.to_numpy()], features, estimator)
        proba = model.probabilities(table[held]).to_numpy()
        for (_, row), raw in zip(table[held].iterrows(), proba, strict=True):
            placed = evaluate(row.to_dict(), unseen=row_unseen(row.to_dict()))
            low, high = placed.stage_range
            seen = counts(row.to_dict())
            weight = evidence_weight(seen["posts"], seen["inbound"], placed.view.inbound != "absent", placed.thin)
            supported = [placed.supports(s) for s in range(len(STAGES))]
            rows.append({"org": row["org"], "dataset": dataset, "label": int(row["stage"]), "rubric": placed.stage,
                         "low": low, "high": high, "regime": placed.view.regime, "weight": weight,
                         "measured": placed.measured_share,
                         "supported": supported, **{f"p{s}": float(raw[s]) for s in range(len(STAGES))}})
    return pd.DataFrame(rows)


def _raw(rows: pd.DataFrame) -> np.ndarray:
    return rows[[f"p{s}" for s in range(len(STAGES))]].to_numpy(dtype=float)


def shown(rows: pd.DataFrame, temperature: float, outside: float, unseen: float = 0.0) -> np.ndarray:
    """The probabilities an audit would show for each row: tempered, conditioned on its range, weight and
    measured share."""
    tempered = temper(_raw(rows), temperature)
    return np.array([condition(p, int(r.low), int(r.high), float(r.weight) * unseen_weight(r.measured, unseen),
                               outside)
                     for p, r in zip(tempered, rows.itertuples(), strict=True)])


def _ranges(rows: pd.DataFrame) -> list[tuple[int, int, float, float]]:
    return [(int(r.low), int(r.high), float(r.weight), float(r.measured)) for r in rows.itertuples()]


def verdicts(rows: pd.DataFrame, proba: np.ndarray, by_regime: dict[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """The verdict rule on each row: the model's stage where its regime says so and the stage is not above the
    rubric's or the evidence supports it (``RubricResult.supports``), else the rubric's; with the probability
    shown for it."""
    model = proba.argmax(axis=1)
    chosen = []
    for stage, r in zip(model, rows.itertuples(), strict=True):
        use = by_regime.get(r.regime) == "model" and (stage <= r.rubric or r.supported[stage])
        chosen.append(int(stage) if use else int(r.rubric))
    chosen_arr = np.array(chosen, dtype=int)
    return chosen_arr, proba[np.arange(len(chosen_arr)), chosen_arr]


def leave_one_dataset_out(table: pd.DataFrame, features: Sequence[str], estimator: Any = None,
                          progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every figure of the module docstring, as a JSON-ready dict for the model card (empty without real rows)."""
    rows = out_of_dataset(table, features, estimator, progress)
    if rows.empty:
        return {}
    labels = rows["label"].to_numpy(dtype=int)
    temperature, outside, unseen = fit_calibration(_raw(rows), labels, _ranges(rows))
    proba = shown(rows, temperature, outside, unseen)
    model_stage = proba.argmax(axis=1)
    rubric = rows["rubric"].to_numpy(dtype=int)
    by_regime_figures, by_regime = {}, {}
    for regime in REGIMES:
        mask = (rows["regime"] == regime).to_numpy()
        figures = {"model": _metrics(labels[mask], model_stage[mask]), "rubric": _metrics(labels[mask], rubric[mask])}
        by_regime_figures[regime] = figures
        by_regime[regime] = "model" if beats(figures["model"], figures["rubric"]) else "rubric"
    verdict, verdict_p = verdicts(rows, proba, by_regime)
    threshold = conformal_threshold(proba, labels, ALPHA)
    per_dataset = {}
    for dataset in sorted(rows["dataset"].unique()):
        mask = (rows["dataset"] == dataset).to_numpy()
        others = conformal_threshold(proba[~mask], labels[~mask], ALPHA)
        sets = [prediction_set(p, others, int(r.low), int(r.high)) for p, r in
                zip(proba[mask], rows[mask].itertuples(), strict=True)]
        error = np.abs(labels[mask] - verdict[mask])
        per_dataset[dataset] = {
            "verdict": {**_metrics(labels[mask], verdict[mask]),
                        "confident_two_off": int(np.sum((verdict_p[mask] >= CONFIDENT) & (error >= 2)))},
            "model": _metrics(labels[mask], model_stage[mask]), "rubric": _metrics(labels[mask], rubric[mask]),
            "label_in_range": float(np.mean((labels[mask] >= rows["low"].to_numpy()[mask])
                                            & (labels[mask] <= rows["high"].to_numpy()[mask]))),
            "conformal_coverage": float(np.mean([lab in s for lab, s in zip(labels[mask], sets, strict=True)])),
            "mean_set_size": float(np.mean([len(s) for s in sets])),
        }
    raw_top = temper(_raw(rows), 1.0)
    return {
        "rows": len(rows), "datasets": sorted(per_dataset), "by_dataset": per_dataset,
        "by_regime": by_regime_figures, "verdict_by_regime": by_regime,
        "verdict": {**_metrics(labels, verdict),
                    "confident_two_off": int(np.sum((verdict_p >= CONFIDENT) & (np.abs(labels - verdict) >= 2)))},
        "calibration": {"temperature": round(temperature, 4), "outside": outside, "unseen": unseen,
                        "before": reliability(raw_top, labels),
                        "after": reliability(proba, labels)},
        "conformal": {"alpha": ALPHA, "coverage": 1 - ALPHA, "threshold": round(threshold, 6)},
        "placements": [{"org": r.org, "dataset": r.dataset, "label": int(r.label), "rubric": int(r.rubric),
                        "model": int(m), "verdict": int(v), "p_verdict": round(float(p), 4), "low": int(r.low),
                        "high": int(r.high), "regime": r.regime}
                       for r, m, v, p in zip(rows.itertuples(), model_stage, verdict, verdict_p, strict=True)],
    }
