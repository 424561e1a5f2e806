"""The trained stage model beside the rubric: which model an audit uses, its probabilities, and the verdict.

The verdict rule: the model's most probable stage (after calibration, within the evidence range:
``classifier.calibration``) is the verdict only in the regime (posts addressed to the organization visible or
not) where its card shows that, leaving each real data set out in turn, it agreed with the readers' labels better
than the rubric (higher exact accuracy, no higher mean stage error), and, above the rubric's stage, only when the
evidence supports that stage: one of its criteria met and none certainly not met (never a stage reached on a
guess over unmeasurable criteria, nor one the measured evidence contradicts). Otherwise the rubric's transparent
placement is the verdict and the model's probabilities are shown beside it. Either way the rubric's evidence is
reported, and a disagreement between the two is always said, in a warning line and in the ``disagreement`` field.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from classifier.calibration import evidence_weight, honest
from classifier.errors import ClassifierError
from classifier.evidence import NOT_MET
from classifier.persistence import DEFAULT_MODEL, load_model
from classifier.rubric import RUBRIC, RubricResult, next_steps_from
from classifier.stage_model import StageModelBase
from classifier.stages import STAGES
from socialstage.audit.placement import AuditResult
from socialstage.errors import SocialstageError

logger = logging.getLogger(__name__)
NO_MODEL = "none"
DEFAULT = "default"


@dataclass
class ModelChoice:
    """The model an audit uses (or None), what to call it, whether the user chose it, and any warning."""

    model: StageModelBase | None
    name: str
    explicit: bool
    warning: str | None = None


def choose_model(option: str | None) -> ModelChoice:
    """``none``: the rubric alone; a path: that model (errors are fatal); else the shipped default model
    (when it cannot be used, the rubric alone, with a warning)."""
    if option and option.lower() == NO_MODEL:
        return ModelChoice(None, NO_MODEL, explicit=True)
    if option and option.lower() != DEFAULT:
        try:
            return ModelChoice(load_model(option), Path(option).name, explicit=True)
        except ClassifierError as exc:
            raise SocialstageError(str(exc)) from None
    try:
        return ModelChoice(load_model(DEFAULT_MODEL), "the shipped model", explicit=False)
    except ClassifierError as exc:
        return ModelChoice(None, DEFAULT, explicit=False,
                           warning=f"the shipped model cannot be used ({exc}); placed by the rubric alone")


def apply_model(results: list[AuditResult], choice: ModelChoice) -> None:
    """Add the model's probabilities, stage and verdict to each audit result (in place)."""
    if choice.warning:
        for result in results:
            result.warnings.append(choice.warning)
    if choice.model is None or not results:
        return
    table = pd.DataFrame([r.features for r in results], dtype=float)
    try:
        probabilities = choice.model.probabilities(table)
    except ClassifierError as exc:
        if choice.explicit:
            raise SocialstageError(f"{choice.name}: {exc}") from None
        for result in results:
            result.warnings.append(f"the shipped model cannot be used ({exc}); placed by the rubric alone")
        return
    summary = model_summary(choice)
    card = choice.model.card or {}
    for result, (_, row) in zip(results, probabilities.iterrows(), strict=True):
        _attach(result, row, summary, card)


def model_summary(choice: ModelChoice) -> dict[str, Any]:
    """What the audit says about the model: its name, data version, verdict and cross-validated figures."""
    card = choice.model.card if choice.model else {}
    cv = card.get("cross_validation", {})

    def figures(which: str) -> dict[str, float] | None:
        metrics = cv.get(which)
        return None if not metrics else {k: metrics[k] for k in ("exact_accuracy", "mean_absolute_error")}

    return {
        "name": choice.name,
        "data_version": card.get("data", {}).get("version"),
        "created_at": card.get("created_at"),
        "verdict": card.get("verdict", "rubric"),
        "verdict_by_regime": regime_verdicts(card),
        "cross_validation": {"model": figures("model"), "rubric": figures("rubric")},
    }


def regime_verdicts(card: dict[str, Any]) -> dict[str, str]:
    """Who decides in each regime (``inbound visible``, ``inbound not visible``): ``model`` or ``rubric``. A card
    without per-regime figures (an older model) applies its one verdict to both."""
    by_regime = card.get("verdict_by_regime")
    if isinstance(by_regime, dict):
        return {str(k): str(v) for k, v in by_regime.items()}
    verdict = str(card.get("verdict", "rubric"))
    return {"inbound visible": verdict, "inbound not visible": verdict}


def _regime_figures(card: dict[str, Any], regime: str) -> str:
    figures = ((card.get("leave_one_dataset_out") or {}).get("by_regime") or {}).get(regime) or {}
    model, rubric = figures.get("model"), figures.get("rubric")
    if not model or not rubric:
        return ""
    return (f" (left-out data sets, {regime}: model exact on {model['exact_accuracy']:.0%}, rubric on "
            f"{rubric['exact_accuracy']:.0%} of {rubric['rows']} real organizations)")


def _attach(result: AuditResult, row: pd.Series, summary: dict[str, Any], card: dict[str, Any]) -> None:
    rubric = result.rubric
    low, high = rubric.stage_range
    seen = result.counts
    weight = evidence_weight(seen["posts"], seen["inbound"], rubric.view.inbound != "absent", rubric.thin)
    proba, likely, coverage = honest(row.to_numpy(dtype=float), low, high, weight, card, rubric.measured_share)
    result.probabilities = {STAGES[s].name: round(float(p), 4) for s, p in enumerate(proba)}
    result.model_stage = int(np.argmax(proba))
    result.model = summary
    result.likely, result.coverage = likely, coverage
    regime = rubric.view.regime
    figures = _regime_figures(card, regime)
    if regime_verdicts(card).get(regime) != "model":
        result.verdict_reason = f"the rubric decides when {regime}: the model did not beat it there{figures}"
    elif result.model_stage > rubric.stage and not rubric.supports(result.model_stage):
        result.verdict_reason = f"the rubric decides: the model's {_unsupported(rubric, result.model_stage)}{figures}"
    else:
        result.method = "model"
        result.model_next_steps = next_steps_from(result.model_stage, result.features, RUBRIC)
        result.verdict_reason = f"the model decides when {regime}: it beat the rubric there{figures}"
    if result.model_stage != rubric.stage:
        model_name, rubric_name = STAGES[result.model_stage].name, rubric.stage_name
        verdict = "the model's" if result.method == "model" else "the rubric's"
        result.warnings.append(
            f"the model ({model_name}, p = {proba.max():.2f}) and the rubric ({rubric_name}) disagree; the verdict "
            f"is {verdict} (see the verdict rule in the README)"
        )


def _unsupported(rubric: RubricResult, stage: int) -> str:
    lines = [e for e in rubric.evidence if e.stage == stage]
    failed = [e.criterion for e in lines if e.status == NOT_MET and e.certain]
    if failed:
        return f"{STAGES[stage].name} is contradicted by the evidence ({'; '.join(failed)}: certainly not met)"
    return f"{STAGES[stage].name} rests on no measured criterion of that stage, only on a guess"


def verdict_line(results: list[AuditResult]) -> str:
    """One line on who placed the organizations and how often the model and the rubric agree."""
    scored = [r for r in results if r.model is not None]
    if not scored:
        return "Placed by the rubric alone (no stage model)."
    summary = scored[0].model or {}
    by_model = sum(r.method == "model" for r in scored)
    if by_model == len(scored):
        who = f"Verdict by {summary.get('name')} for all {len(scored)}"
    elif by_model == 0:
        who = "Verdict by the rubric for all"
    else:
        who = f"Verdict by {summary.get('name')} for {by_model}, by the rubric for {len(scored) - by_model}"
    regimes = summary.get("verdict_by_regime") or {}
    rule = "; ".join(f"{regime}: {decider}" for regime, decider in regimes.items())
    agree = sum(r.disagreement is None for r in scored)
    return f"{who} (who decides, by regime: {rule}); the model and the rubric agree on {agree} of {len(scored)}."
