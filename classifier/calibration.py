"""Honest probabilities: temperature scaling, the evidence range, thin evidence, and a conformal prediction set.

The stage model's raw probabilities go through four steps before anyone sees them (:func:`honest`):

1. **Temperature** (``T``, one parameter fitted on real rows the model never saw, leave one data set out):
   ``p_s ** (1 / T)``, renormalized. ``T > 1`` flattens an over-confident model.
2. **The evidence range.** Stages the evidence excludes (outside the rubric's ``low``-``high``) are
   down-weighted by a factor (``outside``, fitted with ``T``: the range is evidence at a 90% level, not a
   certainty) and the rest renormalized: the probabilities are conditioned on what the data shows. When the
   model gives every stage 0, the range is taken as uniform.
3. **Thin evidence.** On thin evidence (fewer than 10 posts by the organization, or addressed to it where such
   posts are in the data) the probabilities are mixed with the uniform distribution over the range, with the
   model's weight ``n / (n + 10)`` for ``n`` cases: one post leaves the model 9% of the say, nine posts 47%.
4. **Unseen criteria.** The model's weight is also multiplied by ``m ** u``, ``m`` the share of the criteria of
   the stages above the proven one (up to ``high``) that the data measures (``RubricResult.measured_share``):
   where what would separate the stages of the range is unseen (response rate and speed on an own-timeline
   export, mentions refused) the model was trained on data that showed it, and its confidence there is
   extrapolation, so the probabilities move toward the uniform over the range. The exponent ``u`` (``UNSEEN``)
   is fitted with ``T`` and ``outside``: the data decide how far to discount (0 would leave the model whole).
   A range of one stage, or one whose criteria are all measured, is untouched.

The **prediction set** is split-conformal (least ambiguous set-valued classifier): over real calibration rows
the score of a row is ``1 - p(label)``; ``q`` is their ``ceil((n + 1)(1 - alpha)) / n`` empirical quantile; the
set of a new organization is every stage of its range whose probability is at least ``1 - q``. Over rows
exchangeable with the calibration rows it holds the readers' stage with probability at least ``1 - alpha``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from classifier.evidence import MIN_CASES

N_STAGES = 7
TEMPERATURES = np.exp(np.linspace(math.log(0.25), math.log(8.0), 61))
OUTSIDE = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
UNSEEN = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0)


def temper(proba: np.ndarray, temperature: float) -> np.ndarray:
    """``p ** (1 / T)`` renormalized per row (rows of zeros stay zeros)."""
    proba = np.clip(np.asarray(proba, dtype=float), 0.0, None)
    with np.errstate(divide="ignore"):
        logs = np.where(proba > 0, np.log(np.where(proba > 0, proba, 1.0)), -np.inf) / temperature
    top = np.max(logs, axis=-1, keepdims=True)
    weights = np.where(np.isfinite(logs), np.exp(logs - np.where(np.isfinite(top), top, 0.0)), 0.0)
    total = weights.sum(axis=-1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)


def evidence_weight(posts: int, inbound: int, inbound_visible: bool, thin: bool) -> float:
    """The model's share of the say on thin evidence, ``n / (n + 10)`` (1 when the evidence is not thin)."""
    if not thin:
        return 1.0
    cases = min(posts, inbound) if inbound_visible else posts
    return cases / (cases + MIN_CASES)


def unseen_weight(measured: float, unseen: float) -> float:
    """The model's share of the say where criteria of the range are unseen: ``measured ** unseen``
    (``measured``: ``RubricResult.measured_share``; ``unseen``: the fitted exponent, 0 leaves the model whole)."""
    return float(measured) ** float(unseen) if measured > 0 else float(unseen == 0)


def condition(proba: np.ndarray, low: int, high: int, weight: float = 1.0, outside: float = 0.0) -> np.ndarray:
    """One row of probabilities with the stages outside ``low``..``high`` down-weighted by ``outside`` (0: excluded)
    and renormalized, then mixed with the uniform distribution over the range (the model's weight ``weight``)."""
    proba = np.asarray(proba, dtype=float)
    inside = np.zeros(N_STAGES, dtype=bool)
    inside[low:high + 1] = True
    uniform = inside / inside.sum()
    kept = np.where(inside, proba, outside * proba)
    total = kept.sum()
    kept = kept / total if total > 0 else uniform
    return weight * kept + (1.0 - weight) * uniform


def fit_calibration(proba: np.ndarray, labels: Sequence[int],
                    ranges: Sequence[tuple[int, int, float, float]]) -> tuple[float, float, float]:
    """``(T, outside, unseen)``: the temperature (log grid, 0.25 to 8), the weight of stages outside the evidence
    range (``OUTSIDE``) and the exponent of the measured share (``UNSEEN``) that minimise the negative
    log-likelihood of ``labels`` over the probabilities an audit shows (``ranges``: each row's low, high,
    evidence weight and measured share)."""
    labels = np.asarray(labels, dtype=int)
    if len(labels) == 0:
        return 1.0, 0.0, 0.0
    best, best_loss = (1.0, 0.0, 0.0), math.inf
    for temperature in TEMPERATURES[::3]:
        tempered = temper(proba, temperature)
        for outside, unseen in itertools.product(OUTSIDE, UNSEEN):
            shown = np.array([condition(p, lo, hi, w * unseen_weight(m, unseen), outside)
                              for p, (lo, hi, w, m) in zip(tempered, ranges, strict=True)])
            loss = -np.mean(np.log(np.clip(shown[np.arange(len(labels)), labels], 1e-6, None)))
            if loss < best_loss - 1e-12:
                best, best_loss = (float(temperature), float(outside), float(unseen)), loss
    return best


def fit_temperature(proba: np.ndarray, labels: Sequence[int]) -> float:
    """The temperature (from a log grid, 0.25 to 8) that minimises the negative log-likelihood of ``labels``."""
    labels = np.asarray(labels, dtype=int)
    if len(labels) == 0:
        return 1.0
    best, best_loss = 1.0, math.inf
    for temperature in TEMPERATURES:
        tempered = temper(proba, temperature)
        loss = -np.mean(np.log(np.clip(tempered[np.arange(len(labels)), labels], 1e-12, None)))
        if loss < best_loss - 1e-12:
            best, best_loss = float(temperature), loss
    return best


def reliability(proba: np.ndarray, labels: Sequence[int], bins: int = 5) -> dict[str, Any]:
    """The reliability table (confidence bins of the most probable stage: rows, mean confidence, accuracy)
    and the expected calibration error (the rows-weighted mean gap between confidence and accuracy)."""
    proba, labels = np.asarray(proba, dtype=float), np.asarray(labels, dtype=int)
    confidence, predicted = proba.max(axis=1), proba.argmax(axis=1)
    edges = np.linspace(0.0, 1.0, bins + 1)
    table, gap = [], 0.0
    for lower, upper in itertools.pairwise(edges):
        mask = (confidence > lower) & (confidence <= upper) if lower > 0 else (confidence <= upper)
        if not mask.any():
            table.append({"bin": f"{lower:.1f}-{upper:.1f}", "rows": 0, "confidence": None, "accuracy": None})
            continue
        mean_conf, accuracy = float(confidence[mask].mean()), float((predicted[mask] == labels[mask]).mean())
        gap += mask.sum() * abs(mean_conf - accuracy)
        table.append({"bin": f"{lower:.1f}-{upper:.1f}", "rows": int(mask.sum()), "confidence": round(mean_conf, 4),
                      "accuracy": round(accuracy, 4)})
    return {"bins": table, "ece": round(gap / max(len(labels), 1), 4)}


def conformal_threshold(proba: np.ndarray, labels: Sequence[int], alpha: float = 0.1) -> float:
    """``q``: the ``ceil((n + 1)(1 - alpha)) / n`` quantile of the scores ``1 - p(label)`` (1 when too few rows,
    so every stage of the range is in the set)."""
    labels = np.asarray(labels, dtype=int)
    n = len(labels)
    level = math.ceil((n + 1) * (1 - alpha)) / max(n, 1)
    if n == 0 or level > 1:
        return 1.0
    scores = 1.0 - np.asarray(proba, dtype=float)[np.arange(n), labels]
    return float(np.quantile(scores, level, method="higher"))


def prediction_set(proba: np.ndarray, threshold: float, low: int, high: int) -> list[int]:
    """The stages of ``low``..``high`` whose probability is at least ``1 - threshold`` (the most probable one
    when none is)."""
    proba = np.asarray(proba, dtype=float)
    chosen = [s for s in range(low, high + 1) if proba[s] >= 1.0 - threshold - 1e-12]
    return chosen or [low + int(np.argmax(proba[low:high + 1]))]


def honest(raw: np.ndarray, low: int, high: int, weight: float, card: dict[str, Any],
           measured: float = 1.0) -> tuple[np.ndarray, list[int], float | None]:
    """The probabilities an audit shows (module docstring) and the prediction set with its coverage, from the
    model's raw probabilities of one organization, its evidence range, weight and measured share, and the card."""
    calibration = card.get("calibration") or {}
    weight *= unseen_weight(measured, float(calibration.get("unseen", 0.0)))
    proba = condition(temper(np.asarray(raw, dtype=float)[None, :], float(calibration.get("temperature", 1.0)))[0],
                      low, high, weight, float(calibration.get("outside", 0.0)))
    conformal = card.get("conformal") or {}
    if "threshold" not in conformal:
        return proba, list(range(low, high + 1)), None
    return proba, prediction_set(proba, float(conformal["threshold"]), low, high), float(conformal["coverage"])
