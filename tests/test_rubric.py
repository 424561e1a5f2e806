"""The transparent rubric on hand-made feature dictionaries: placement, gates, evidence, next steps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from classifier.rubric import RUBRIC, Criterion, evaluate, format_value

#: Regular posting: meets Listening (1) and Participating (2) and nothing above.
PARTICIPATING = {"org_posts": 40, "posts_per_week": 3.0, "active_weeks_share": 0.9}
MEASURING = {**PARTICIPATING, "measurement_share": 0.2, "response_rate": 0.25}
LETTING_GO = {
    **PARTICIPATING, "amplification_share": 0.15, "response_rate": 0.45, "measurement_share": 0.0,
    "criticism_response_ratio": 0.9,
}
ENGAGING = {
    **PARTICIPATING, "dialogue_share": 0.7, "response_rate": 0.8, "response_time_median_hours": 1.5,
    "distinct_signatures": 3,
}
PROPAGATING = {
    **PARTICIPATING, "departments": 4, "engaging_departments": 3, "department_entropy": 1.5, "response_rate": 0.55,
    "distinct_voices": 6,
}
EVERYTHING = {
    **PARTICIPATING, "measurement_share": 0.5, "amplification_share": 0.5, "criticism_response_ratio": 1.0,
    "dialogue_share": 0.9, "response_rate": 0.95, "response_time_median_hours": 0.5, "distinct_signatures": 10,
    "departments": 5, "engaging_departments": 5, "department_entropy": 2.0, "distinct_voices": 20,
}


@pytest.mark.parametrize(
    ("features", "stage", "name", "journey"),
    [
        ({}, 0, "Unaware", "Traditional"),
        ({"org_posts": 0}, 0, "Unaware", "Traditional"),
        ({"org_posts": 3, "posts_per_week": 0.5, "active_weeks_share": 0.3}, 1, "Listening", "Traditional"),
        ({**PARTICIPATING, "measurement_share": 0.05, "response_rate": 0.1}, 2, "Participating", "Experimental"),
        (MEASURING, 3, "Measuring", "Operational"),
        (LETTING_GO, 4, "Letting Go", "Operational"),
        (ENGAGING, 5, "Actively Engaging", "Measurable"),
        (PROPAGATING, 6, "Propagating", "Fully engaged"),
        (EVERYTHING, 6, "Propagating", "Fully engaged"),
    ],
)
def test_each_stage_reachable(features: dict[str, float], stage: int, name: str, journey: str) -> None:
    result = evaluate(features)
    assert (result.stage, result.stage_name, result.journey) == (stage, name, journey)


def test_placement_above_participating_is_the_highest_stage_met() -> None:
    # Engaging without measuring or amplifying: stage 5 although 3 and 4 do not hold.
    result = evaluate(ENGAGING)
    assert result.stages_met() == [1, 2, 5]
    assert result.stage == 5


@pytest.mark.parametrize(
    ("gate_features", "stage"),
    [
        # Fails Participating (too few posts per week): at most Listening.
        ({"org_posts": 5, "posts_per_week": 0.5, "active_weeks_share": 0.9}, 1),
        # Fails Participating (fewer than 10 posts, however many per week): at most Listening.
        ({"org_posts": 9, "posts_per_week": 9.0, "active_weeks_share": 1.0}, 1),
        # No posts: Unaware, whatever else is measured.
        ({"org_posts": 0, "posts_per_week": 0.0, "active_weeks_share": 0.0}, 0),
        # posts_per_week missing: Participating not met.
        ({"org_posts": 5, "posts_per_week": None, "active_weeks_share": 0.9}, 1),
        # org_posts missing: not even Listening.
        ({"org_posts": None, "posts_per_week": 3.0, "active_weeks_share": 0.9}, 0),
    ],
)
def test_gates_hold_back_great_responders(gate_features: dict[str, float | None], stage: int) -> None:
    result = evaluate({**EVERYTHING, **gate_features})
    assert result.stage == stage
    # The higher stages' own criteria still hold and are reported as such.
    assert {5, 6} <= set(result.stages_met())


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, np.float64("nan"), "absent"])
def test_missing_values_never_meet_a_criterion(missing: object) -> None:
    features: dict[str, object] = dict.fromkeys({c.feature for c in RUBRIC}, missing)
    if missing == "absent":
        features = {}
    result = evaluate(features)
    assert result.stage == 0
    assert len(result.evidence) == len(RUBRIC)
    assert all(e.value is None and e.met is False for e in result.evidence)
    # Also for "at most" criteria, where a missing value must not pass as small.
    assert not Criterion(5, "response_time_median_hours", "<=", 4.0, "median first response", "hours").holds(None)
    assert not Criterion(5, "response_time_median_hours", "<=", 4.0, "x", "hours").holds(math.nan)


def test_missing_median_blocks_actively_engaging() -> None:
    result = evaluate({**ENGAGING, "amplification_share": 0.15, "criticism_response_ratio": 1.0,
                       "response_time_median_hours": math.nan})
    assert result.stage == 4
    median = next(e for e in result.evidence if e.feature == "response_time_median_hours")
    assert (median.value, median.met) == (None, False)


def test_evidence_lists_every_criterion_with_value_threshold_and_met() -> None:
    result = evaluate(MEASURING)
    assert len(result.evidence) == len(RUBRIC)
    assert [(e.stage, e.feature, e.op, e.threshold) for e in result.evidence] == [
        (c.stage, c.feature, c.op, c.threshold) for c in RUBRIC
    ]
    assert {e.stage for e in result.evidence} == {1, 2, 3, 4, 5, 6}
    # Values and verdicts for MEASURING (org_posts 40, 3.0/week, 90% of weeks, 20% measurement, 25% response).
    expected = [
        (1, "org_posts", 40.0, True),
        (2, "posts_per_week", 3.0, True),
        (2, "org_posts", 40.0, True),
        (3, "measurement_share", 0.2, True),
        (3, "response_rate", 0.25, True),
        (4, "amplification_share", None, False),
        (4, "response_rate", 0.25, False),
        (4, "criticism_response_ratio", None, False),
        (5, "dialogue_share", None, False),
        (5, "response_rate", 0.25, False),
        (5, "response_time_median_hours", None, False),
        (6, "departments", None, False),
        (6, "engaging_departments", None, False),
        (6, "department_entropy", None, False),
        (6, "response_rate", 0.25, False),
        (6, "distinct_voices", None, False),
    ]
    assert [(e.stage, e.feature, e.value, e.met) for e in result.evidence] == expected
    names = {1: "Listening", 2: "Participating", 3: "Measuring", 4: "Letting Go", 5: "Actively Engaging",
             6: "Propagating"}
    assert all(e.stage_name == names[e.stage] for e in result.evidence)
    line = result.evidence[4].as_dict()
    assert line == {
        "stage": 3, "stage_name": "Measuring", "criterion": "response rate >= 20%", "feature": "response_rate",
        "value": 0.25, "op": ">=", "threshold": 0.2, "met": True, "parts": {}, "detail": "",
    }
    assert result.stages_met() == [1, 2, 3]


def test_threshold_is_inclusive() -> None:
    at_threshold = {**PARTICIPATING, "measurement_share": 0.10, "response_rate": 0.20}
    assert evaluate(at_threshold).stage == 3
    fast_enough = {**ENGAGING, "response_time_median_hours": 4.0}
    assert evaluate(fast_enough).stage == 5
    too_slow = {**ENGAGING, "response_time_median_hours": 4.01}
    assert evaluate(too_slow).stage == 2


def test_next_steps_name_the_next_stage_gaps() -> None:
    # Measuring with a 23% response rate, 5% amplification and criticism answered 0.5 times as readily
    # as praise: Letting Go needs 10%, 40% and 0.8.
    result = evaluate({**MEASURING, "response_rate": 0.23, "amplification_share": 0.05,
                       "criticism_response_ratio": 0.5})
    assert result.stage == 3
    steps = {s.feature: s for s in result.next_steps}
    assert set(steps) == {"amplification_share", "response_rate", "criticism_response_ratio"}
    ratio = steps["criticism_response_ratio"]
    assert ratio.gap == pytest.approx(0.3)
    assert "criticism answered as readily as praise" in ratio.text and "0.50" in ratio.text and "0.80" in ratio.text
    assert all((s.stage, s.stage_name) == (4, "Letting Go") for s in result.next_steps)
    rate = steps["response_rate"]
    assert (rate.value, rate.threshold) == (0.23, 0.40)
    assert rate.gap == pytest.approx(0.17)
    assert "23%" in rate.text and "40%" in rate.text and "Letting Go" in rate.text
    amplification = steps["amplification_share"]
    assert amplification.gap == pytest.approx(0.05)
    assert "5%" in amplification.text and "10%" in amplification.text
    assert rate.as_dict()["gap"] == pytest.approx(0.17)


def test_next_steps_toward_actively_engaging() -> None:
    # Letting Go with 45% response, 30% dialogue and a 10-hour median: all three of Actively
    # Engaging's criteria are unmet.
    features = {**LETTING_GO, "dialogue_share": 0.3, "response_time_median_hours": 10.0, "distinct_signatures": 1}
    result = evaluate(features)
    assert result.stage == 4
    steps = {s.feature: s for s in result.next_steps}
    assert list(steps) == ["dialogue_share", "response_rate", "response_time_median_hours"]
    assert "45%" in steps["response_rate"].text and "60%" in steps["response_rate"].text
    assert steps["response_rate"].gap == pytest.approx(0.15)
    assert "10.0 h" in steps["response_time_median_hours"].text and "4.0 h" in steps["response_time_median_hours"].text
    assert steps["response_time_median_hours"].gap == pytest.approx(6.0)
    assert "30%" in steps["dialogue_share"].text and "50%" in steps["dialogue_share"].text


def test_next_steps_only_unmet_and_missing() -> None:
    # Participating with a 60% response rate: Measuring's response criterion holds; measurement is missing.
    result = evaluate({**PARTICIPATING, "response_rate": 0.6})
    assert result.stage == 2
    assert [s.feature for s in result.next_steps] == ["measurement_share"]
    step = result.next_steps[0]
    assert (step.value, step.gap, step.stage_name) == (None, None, "Measuring")
    assert "not measurable yet" in step.text and "10%" in step.text


def test_unaware_next_step_is_posting() -> None:
    result = evaluate({"org_posts": 0})
    assert [(s.stage, s.feature, s.value, s.gap) for s in result.next_steps] == [(1, "org_posts", 0.0, 1.0)]
    assert "Listening" in result.next_steps[0].text


def test_propagating_has_no_next_steps() -> None:
    assert evaluate(PROPAGATING).next_steps == ()
    assert evaluate(EVERYTHING).next_steps == ()


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(0.234, "share", "23%"), (0.6, "share", "60%"), (3.25, "hours", "3.2 h"), (4.0, "hours", "4.0 h"),
     (3.0, "count", "3"), (1.5, "bits", "1.50"), (None, "share", "missing"), (math.nan, "hours", "missing")],
)
def test_format_value(value: float | None, unit: str, text: str) -> None:
    assert format_value(value, unit) == text


def test_bursty_posting_over_a_long_window_still_participates() -> None:
    # 111 posts over a window stretched to 69 weeks by one old inbound post: 1.6 a week, active in
    # 10% of weeks. Participating holds (>= 10 posts, >= 1 a week); activity in most weeks is not asked.
    result = evaluate({"org_posts": 111, "posts_per_week": 1.6, "active_weeks_share": 0.1})
    assert result.stage == 2


# -- the signals of Measuring, Letting Go and Propagating (issue 4) ------------------------------------------


def test_letting_go_needs_criticism_answered_about_as_readily_as_praise() -> None:
    # Amplifying and answering 45% is not enough when criticism is answered at 0.79 times the rate of praise.
    assert evaluate({**LETTING_GO, "criticism_response_ratio": 0.79}).stage == 2
    assert evaluate({**LETTING_GO, "criticism_response_ratio": 0.80}).stage == 4  # inclusive
    assert evaluate({**LETTING_GO, "criticism_response_ratio": 1.6}).stage == 4  # criticism first is fine


@pytest.mark.parametrize("missing", [None, math.nan])
def test_letting_go_not_met_when_criticism_cannot_be_observed(missing: float | None) -> None:
    # Nobody criticised (or praised) the organization: the ratio is undefined and Letting Go does not hold;
    # the next step says so instead of inventing a gap.
    result = evaluate({**LETTING_GO, "criticism_response_ratio": missing})
    assert result.stage == 2
    steps = {s.feature: s for s in evaluate({**MEASURING, "amplification_share": 0.2, "response_rate": 0.5,
                                             "criticism_response_ratio": missing}).next_steps}
    assert list(steps) == ["criticism_response_ratio"]
    assert steps["criticism_response_ratio"].gap is None
    assert "not measurable yet" in steps["criticism_response_ratio"].text


def test_propagating_needs_three_departments_replying() -> None:
    # Four departments speak, but only two reply to people (a newsroom and a careers account broadcast).
    assert evaluate({**PROPAGATING, "engaging_departments": 2}).stage == 2
    assert evaluate({**PROPAGATING, "engaging_departments": 3}).stage == 6


def test_evidence_lines_name_the_signals_behind_a_criterion() -> None:
    features = {**MEASURING, "tracked_link_share": 0.12, "poll_share": 0.04, "feedback_ask_share": 0.1,
                "feedback_change_share": 0.04, "negative_inbound_response_rate": 0.3,
                "positive_inbound_response_rate": 0.6, "criticism_response_ratio": 0.5}
    lines = {(e.stage, e.feature): e for e in evaluate(features).evidence}
    measuring = lines[(3, "measurement_share")]
    assert measuring.parts == {"tracked_link_share": 0.12, "poll_share": 0.04, "feedback_ask_share": 0.1,
                               "feedback_change_share": 0.04}
    assert measuring.detail == "tracked links 12%, polls 4%, feedback asks 10%, you asked, we changed 4%"
    assert "tracked links" in measuring.criterion and "polls" in measuring.criterion
    criticism = lines[(4, "criticism_response_ratio")]
    assert criticism.detail == "negative inbound answered 30%, positive inbound answered 60%"
    assert criticism.as_dict()["parts"] == {"negative_inbound_response_rate": 0.3,
                                            "positive_inbound_response_rate": 0.6}
    # a part that was not measured is shown as missing
    assert lines[(5, "dialogue_share")].detail == "personal (signed or named) missing"
