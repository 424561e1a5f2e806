"""Honest probabilities on hand-made rows: temperature, the evidence range, thin evidence, unseen criteria."""

from __future__ import annotations

import numpy as np
import pytest

from classifier.calibration import condition, fit_calibration, honest, temper, unseen_weight
from classifier.rubric import evaluate

#: A model sure of Letting Go (4).
SURE_OF_FOUR = np.array([0.0, 0.0, 0.02, 0.02, 0.94, 0.02, 0.0])


def test_temperature_flattens_and_keeps_the_order() -> None:
    flat = temper(SURE_OF_FOUR[None, :], 2.0)[0]
    assert flat.sum() == pytest.approx(1.0)
    assert flat[4] < SURE_OF_FOUR[4] and flat.argmax() == 4
    assert flat[0] == 0.0  # a stage the model gives 0 stays 0


def test_condition_keeps_the_range_and_mixes_toward_its_uniform() -> None:
    shown = condition(SURE_OF_FOUR, 2, 5, weight=0.5)
    assert shown[[0, 1, 6]].sum() == 0.0
    # half the model's conditioned 0.94 plus half of the uniform's 1/4 over stages 2-5
    assert shown[4] == pytest.approx(0.5 * 0.94 + 0.5 * 0.25)


def test_unseen_weight_is_the_measured_share_to_the_fitted_power() -> None:
    assert unseen_weight(1.0, 2.0) == 1.0  # every criterion of the range measured: untouched
    assert unseen_weight(0.25, 0.5) == pytest.approx(0.5)
    assert unseen_weight(0.4, 0.0) == 1.0  # an exponent of 0 leaves the model whole
    assert unseen_weight(0.0, 1.0) == 0.0


def test_an_own_timeline_placement_above_what_it_proves_is_not_confident() -> None:
    # Letting Go on an own timeline: amplification and talk seen, response rate and criticism unseen
    timeline = evaluate({"org_posts": 80, "posts_per_week": 3.0, "dialogue_share": 0.3,
                         "conversational_reply_share": 0.3, "amplification_share": 0.2, "inbound": 0})
    assert timeline.stage == 4 and timeline.stage_range == (2, 5)
    assert 0 < timeline.measured_share < 1
    card = {"calibration": {"temperature": 1.0, "outside": 0.0, "unseen": 1.0}}
    proba, _, _ = honest(SURE_OF_FOUR, *timeline.stage_range, 1.0, card, timeline.measured_share)
    assert proba[4] < 0.8
    # a desk whose range criteria are all measured keeps the model's say
    desk = evaluate({"org_posts": 80, "posts_per_week": 3.0, "dialogue_share": 0.9,
                     "conversational_reply_share": 0.9, "amplification_share": 0.0, "inbound": 100,
                     "response_rate": 0.9, "response_time_median_hours": 1.0, "criticism_response_ratio": 1.0})
    assert desk.measured_share == 1.0
    kept, _, _ = honest(SURE_OF_FOUR, 2, 5, 1.0, card, desk.measured_share)
    assert kept[4] == pytest.approx(0.94)  # the range holds all of the model's mass: unchanged


def test_fit_calibration_discounts_unseen_criteria_only_when_the_labels_ask_for_it() -> None:
    # twenty rows where the model is sure of 4 over a range 2-5 with half the criteria unseen
    proba = np.tile(SURE_OF_FOUR, (20, 1))
    ranges = [(2, 5, 1.0, 0.5)] * 20
    right = fit_calibration(proba, [4] * 20, ranges)
    assert right[2] == 0.0  # the model is right every time: no discount
    wrong = fit_calibration(proba, [4] * 10 + [2] * 10, ranges)
    assert wrong[2] > 0.0  # wrong half the time: the unseen criteria cost it its say
