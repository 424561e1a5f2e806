"""The transparent rubric: each stage's criteria, checked against measured features.

Placement: Listening (1) and Participating (2) are gates, climbed in order. From Measuring (3) on,
the organization is placed at the highest stage whose criteria all hold, since the later stages
are not always climbed in order (a support desk can engage actively without running polls).
A criterion on a missing (undefined) value does not hold.

Participating asks for at least 10 posts and at least one a week on average, not for activity in
most weeks: the default window runs from the first to the last post collected, and one old post
addressed to the organization can stretch it over months in which the organization was not yet
collected (``active_weeks_share`` is reported as a feature all the same).

Measuring asks for measurement mechanisms or acting on feedback (``measurement_share``: posts with
tracked links, polls, feedback asks or "you asked, we changed" reports; the evidence line shows each
signal's share) and a response rate of at least 20%.

Letting Go asks for amplification of others, a response rate of at least 40% and for criticism to be
answered about as readily as praise: ``criticism_response_ratio`` (negative inbound answered / positive
inbound answered, VADER sentiment) at least 0.8. When nobody criticised or praised the organization in
the window, or no praise was answered, the ratio is undefined (missing) and Letting Go is not met: the
behaviour cannot be observed, and the next step says it is not measurable yet.

Agent signatures are evidence of personal replies but not a requirement for Actively Engaging: many
support desks answer personally without signing (they show up in ``distinct_voices`` for Propagating);
``personal_reply_share`` (signed or addressed by name) is shown beside the dialogue criterion.

Propagating asks for at least three departments speaking and at least three replying to people
(``engaging_departments``: one broadcasting newsroom beside a support desk is not social work across
the organization), spread (entropy of posts over departments >= 1 bit), at least four distinct voices
and a response rate of at least 50%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from classifier.stages import STAGES, journey

GATE_STAGES = (1, 2)


@dataclass(frozen=True)
class Part:
    """A feature shown beside a criterion's value, to explain it (not checked)."""

    feature: str
    label: str
    unit: str = "share"


@dataclass(frozen=True)
class Criterion:
    """One check: ``feature op threshold``; ``unit`` says how to show the values; ``parts`` are the
    features that make up or explain the value, shown in the evidence line."""

    stage: int
    feature: str
    op: str
    threshold: float
    label: str
    unit: str = "number"
    parts: tuple[Part, ...] = ()

    def holds(self, value: float | None) -> bool:
        """Whether the measured value meets the threshold (a missing value never does)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return False
        return value >= self.threshold if self.op == ">=" else value <= self.threshold

    def describe(self, value: float | None = None) -> str:
        """``response rate >= 60%`` or, with a value, ``response rate 23% (needs >= 60%)``."""
        need = f"{self.op} {format_value(self.threshold, self.unit)}"
        if value is None:
            return f"{self.label} {need}"
        return f"{self.label} {format_value(value, self.unit)} (needs {need})"

    def detail(self, features: Mapping[str, object]) -> str:
        """The parts with their values: ``tracked links 12%, polls 4%`` (empty without parts)."""
        return ", ".join(f"{p.label} {format_value(_clean(features.get(p.feature)), p.unit)}" for p in self.parts)


_MEASURING_PARTS = (
    Part("tracked_link_share", "tracked links"), Part("poll_share", "polls"),
    Part("feedback_ask_share", "feedback asks"), Part("feedback_change_share", "you asked, we changed"),
)
_CRITICISM_PARTS = (
    Part("negative_inbound_response_rate", "negative inbound answered"),
    Part("positive_inbound_response_rate", "positive inbound answered"),
)


#: Every criterion of every stage. Unaware (0) has none: it is where an organization without
#: posts in the window stays.
RUBRIC: tuple[Criterion, ...] = (
    Criterion(1, "org_posts", ">=", 1, "posts in the window", "count"),
    Criterion(2, "posts_per_week", ">=", 1.0, "posts per week", "number"),
    Criterion(2, "org_posts", ">=", 10, "posts in the window", "count"),
    Criterion(3, "measurement_share", ">=", 0.10,
              "posts with tracked links, polls, feedback asks or 'you asked, we changed'", "share", _MEASURING_PARTS),
    Criterion(3, "response_rate", ">=", 0.20, "response rate", "share"),
    Criterion(4, "amplification_share", ">=", 0.10, "reposts and quotes of others", "share"),
    Criterion(4, "response_rate", ">=", 0.40, "response rate", "share"),
    Criterion(4, "criticism_response_ratio", ">=", 0.80, "criticism answered as readily as praise (ratio)",
              "number", _CRITICISM_PARTS),
    Criterion(5, "dialogue_share", ">=", 0.50, "replies to others among posts", "share",
              (Part("personal_reply_share", "personal (signed or named)"),)),
    Criterion(5, "response_rate", ">=", 0.60, "response rate", "share"),
    Criterion(5, "response_time_median_hours", "<=", 4.0, "median first response", "hours"),
    Criterion(6, "departments", ">=", 3, "departments speaking", "count"),
    Criterion(6, "engaging_departments", ">=", 3, "departments replying to people", "count"),
    Criterion(6, "department_entropy", ">=", 1.0, "spread of posts over departments", "bits"),
    Criterion(6, "response_rate", ">=", 0.50, "response rate", "share"),
    Criterion(6, "distinct_voices", ">=", 4, "distinct voices (signatures and unsigned accounts)", "count"),
)


def format_value(value: float | None, unit: str) -> str:
    """A value for people: shares as percentages, hours with one decimal, counts whole."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    if unit == "share":
        return f"{value * 100:.0f}%"
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "count":
        return f"{value:.0f}"
    return f"{value:.2f}"


@dataclass(frozen=True)
class Evidence:
    """One criterion checked: the measured value, the threshold and whether it held."""

    stage: int
    stage_name: str
    criterion: str
    feature: str
    value: float | None
    op: str
    threshold: float
    met: bool
    parts: dict[str, float | None] = field(default_factory=dict)
    detail: str = ""

    def as_dict(self) -> dict[str, object]:
        """The evidence line as JSON-ready data."""
        return {
            "stage": self.stage, "stage_name": self.stage_name, "criterion": self.criterion,
            "feature": self.feature, "value": self.value, "op": self.op, "threshold": self.threshold,
            "met": self.met, "parts": self.parts, "detail": self.detail,
        }


@dataclass(frozen=True)
class NextStep:
    """A criterion of the next stage not yet met, with the measured gap."""

    stage: int
    stage_name: str
    feature: str
    value: float | None
    threshold: float
    gap: float | None
    text: str

    def as_dict(self) -> dict[str, object]:
        """The step as JSON-ready data."""
        return {
            "stage": self.stage, "stage_name": self.stage_name, "feature": self.feature,
            "value": self.value, "threshold": self.threshold, "gap": self.gap, "text": self.text,
        }


@dataclass(frozen=True)
class RubricResult:
    """The rubric's placement with every criterion's evidence and the next steps."""

    stage: int
    evidence: tuple[Evidence, ...]
    next_steps: tuple[NextStep, ...] = field(default_factory=tuple)

    @property
    def stage_name(self) -> str:
        """The placed stage's name."""
        return STAGES[self.stage].name

    @property
    def journey(self) -> str:
        """The journey stage of the placement."""
        return journey(self.stage)

    def stages_met(self) -> list[int]:
        """Stages (1-6) whose criteria all hold."""
        return [s.index for s in STAGES[1:] if all(e.met for e in self.evidence if e.stage == s.index)]


def _clean(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return None if math.isnan(number) else number


def evaluate(features: Mapping[str, object], rubric: tuple[Criterion, ...] = RUBRIC) -> RubricResult:
    """Check every criterion against ``features`` and place the organization."""
    evidence = tuple(
        Evidence(c.stage, STAGES[c.stage].name, c.describe(), c.feature, _clean(features.get(c.feature)),
                 c.op, c.threshold, c.holds(_clean(features.get(c.feature))),
                 {p.feature: _clean(features.get(p.feature)) for p in c.parts}, c.detail(features))
        for c in rubric
    )
    met = {s.index: all(e.met for e in evidence if e.stage == s.index) for s in STAGES[1:]}
    placed = 0
    for gate in GATE_STAGES:
        if not met[gate]:
            break
        placed = gate
    if placed == GATE_STAGES[-1]:
        higher = [s for s in range(GATE_STAGES[-1] + 1, len(STAGES)) if met[s]]
        placed = max(higher, default=placed)
    return RubricResult(placed, evidence, next_steps_from(placed, features, rubric))


def next_steps_from(placed: int, features: Mapping[str, object], rubric: tuple[Criterion, ...]) -> tuple[NextStep, ...]:
    """The criteria of the stage after ``placed`` that ``features`` do not meet (or leave undefined), with the gaps."""
    if placed + 1 >= len(STAGES):
        return ()
    target = STAGES[placed + 1]
    steps = []
    for criterion in (c for c in rubric if c.stage == target.index):
        value = _clean(features.get(criterion.feature))
        if criterion.holds(value):
            continue
        gap = None if value is None else abs(criterion.threshold - value)
        if value is None:
            text = f"{criterion.label}: not measurable yet; {target.name} needs {criterion.op} " \
                   f"{format_value(criterion.threshold, criterion.unit)}"
        else:
            text = f"{criterion.label} is {format_value(value, criterion.unit)}; {target.name} needs " \
                   f"{criterion.op} {format_value(criterion.threshold, criterion.unit)}"
        steps.append(NextStep(target.index, target.name, criterion.feature, value, criterion.threshold, gap, text))
    return tuple(steps)
