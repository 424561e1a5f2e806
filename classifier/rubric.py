"""The transparent rubric: each stage's criteria, checked against measured features and what the data can show.

Every criterion is met, not met or **unmeasurable** (``classifier.evidence``: no post addressed to the
organization in the data, the endpoint was refused, too few cases...). An unmeasurable criterion is never
counted as failed.

Placement (the point stage): Listening (1) and Participating (2) are gates, climbed in order; a gate is passed
when none of its criteria is not met. From Measuring (3) on, the organization is placed at the highest stage
at least two thirds of whose measured criteria are met, one at least (positive evidence, never a stage reached
on unmeasurable criteria alone); a stage most of whose criteria are unmeasurable needs its measured ones met
with certainty. The later stages are not always climbed in order (a support desk can engage actively without
running polls), and a stage's marks are signs, not a checklist (a desk answering most people within minutes
but a little under the response-rate line still engages actively).

The **range** beside it: ``low`` is what the evidence proves (gates met with certainty, then a stage two
thirds of whose criteria are met with certainty; never a stage with a mark no feature measures,
``UNMEASURED_MARKS``: the personal character of Actively Engaging's replies), ``high`` the highest stage the
evidence does not exclude (gates not certainly failed, then a stage at most a third of whose criteria are
certainly not met). On thin evidence (fewer than ``MIN_CASES`` posts by the organization, or, where posts
addressed to it are in the data, fewer than ``MIN_CASES`` of those) the range always spans at least two stages.

Listening is presence without dialogue: an account that posts. Participating asks for regular publishing (at
least 10 posts and one a week on average, not activity in most weeks: one old post addressed to the
organization can stretch the default window) **and the beginning of a dialogue**: at least two real replies to
other people (the seed: "beginning to start a dialogue, rather than a monologue"). An account that only
publishes and reposts stays at Listening.

Measuring asks for measurement mechanisms or acting on feedback (``measurement_share``: posts with
tracked links, polls, feedback asks or "you asked, we changed" reports; the evidence line shows each
signal's share) and a response rate of at least 20%.

Letting Go asks for amplification of others, a response rate of at least 40%, for criticism to be
answered about as readily as praise (``criticism_response_ratio``: negative inbound answered / positive
inbound answered, VADER sentiment, at least 0.8) and for the organization to take part in the conversation it
no longer controls: replies to other people that say something of their own (``conversational_reply_share``:
three words or more beside handles, hashtags and links; a hashtag or a "Congratulations!" dropped under
officials' posts is a reply in form only) make at least a quarter of its posts (halfway between Participating,
where broadcast dominates, and Actively Engaging, where replies dominate). When nobody
criticised or praised the organization in the window, or no praise was answered, the ratio is undefined:
unmeasurable, and the next step says so. On its own timeline (posts addressed to it not in the data) the
response rate and the ratio are unmeasurable, and Letting Go rests on what the timeline shows: it amplifies
others **and** talks with people. Reposting others while answering almost nobody (a broadcaster that shares
its partners' posts) is not Letting Go.

Actively Engaging asks for replies to others to dominate (half the posts), a 60% response rate and a median
first response within 4 hours. A desk whose file holds only its own replies meets the first and leaves the
other two unmeasurable: it is placed at Actively Engaging with a range from Participating that says the
response rate is unseen. Agent signatures are evidence of personal replies but not a requirement (many desks
answer personally without signing); ``personal_reply_share`` is shown beside the dialogue criterion.

Propagating asks for at least three departments speaking and at least three replying to people
(``engaging_departments``: one broadcasting newsroom beside a support desk is not social work across
the organization), spread (entropy of posts over departments >= 1 bit), at least four distinct voices
and a response rate of at least 50%.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from classifier.evidence import MET, MIN_CASES, NOT_MET, UNMEASURABLE, Assessment, View, assess, counts, data_view
from classifier.evidence import number as _clean
from classifier.stages import STAGES, journey
from features.counts import COUNT_FEATURES, whole

GATE_STAGES = (1, 2)
#: Marks of a stage that no feature measures: the rubric may place an organization at such a stage on its
#: measured criteria, but never calls it proven (``low`` stops at the stage below). Actively Engaging is
#: "open, honest, and authentic dialogue": replies written to the person's case, not one script sent to everyone
#: (GUIDELINES.md: a desk answering everyone quickly with a script is usually Letting Go).
UNMEASURED_MARKS: dict[int, str] = {
    5: "whether its replies are personal, written to each case, rather than one script sent to everyone",
}
#: From Measuring on, a stage holds when at least this share of its criteria that count are met.
HOLDS = 2 / 3


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
        return f"{self.label} {format_value(value, self.unit, self.threshold)} (needs {need})"

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

#: A value the rubric derives from the features: the number of the organization's replies to other people.
DIALOGUE_REPLIES = "dialogue_replies"

#: Every criterion of every stage. Unaware (0) has none: it is where an organization without
#: posts in the window stays.
RUBRIC: tuple[Criterion, ...] = (
    Criterion(1, "org_posts", ">=", 1, "posts in the window", "count"),
    Criterion(2, "posts_per_week", ">=", 1.0, "posts per week", "number"),
    Criterion(2, "org_posts", ">=", 10, "posts in the window", "count"),
    Criterion(2, DIALOGUE_REPLIES, ">=", 2, "replies to other people (the start of a dialogue)", "count"),
    Criterion(3, "measurement_share", ">=", 0.10,
              "posts with tracked links, polls, feedback asks or 'you asked, we changed'", "share", _MEASURING_PARTS),
    Criterion(3, "response_rate", ">=", 0.20, "response rate", "share"),
    Criterion(4, "amplification_share", ">=", 0.10, "reposts and quotes of others", "share"),
    Criterion(4, "response_rate", ">=", 0.40, "response rate", "share"),
    Criterion(4, "criticism_response_ratio", ">=", 0.80, "criticism answered as readily as praise (ratio)",
              "number", _CRITICISM_PARTS),
    Criterion(4, "conversational_reply_share", ">=", 0.25,
              "replies to others saying something of their own, among posts (it takes part in the conversation)",
              "share"),
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
#: Criteria counted in whole posts, accounts or voices (their values are written as integers).
_COUNTED = frozenset(c.feature for c in RUBRIC if c.unit == "count")


def _out(feature: str, value: object) -> object:
    """A value for JSON: a count (a count feature, or a criterion counted in whole posts) as an integer."""
    return whole(value) if feature in COUNT_FEATURES or feature in _COUNTED else value


def format_value(value: float | None, unit: str, threshold: float | None = None) -> str:
    """A value for people: shares as percentages, hours with one decimal, counts whole. Beside a
    ``threshold``, a value that differs from it but would be shown as the threshold is (9.96% and 10%: "10%")
    gets more digits until the two differ ("9.96%"), so a miss is visible."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "missing"
    scale, digits, suffix = _FORMATS.get(unit, (1.0, 2, ""))
    shown = f"{value * scale:.{digits}f}{suffix}"
    if threshold is None or value == threshold or unit == "count":
        return shown
    while digits < _MAX_DIGITS and (f"{value * scale:.{digits}f}" == f"{threshold * scale:.{digits}f}"
                                    or f"{value * scale:.{digits}f}" == f"{threshold * scale:.{_base(unit)}f}"):
        digits += 1
        shown = f"{value * scale:.{digits}f}{suffix}"
    return shown


#: How each unit is shown: (scale, digits, suffix).
_FORMATS = {"share": (100.0, 0, "%"), "hours": (1.0, 1, " h"), "count": (1.0, 0, "")}
_MAX_DIGITS = 6


def _base(unit: str) -> int:
    return _FORMATS.get(unit, (1.0, 2, ""))[1]


@dataclass(frozen=True)
class Evidence:
    """One criterion checked: the measured value, the threshold, its status (met, not met, unmeasurable),
    whether the data leaves no doubt about it (``certain``) and why (``reason``)."""

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
    status: str = NOT_MET
    certain: bool = True
    interval: tuple[float, float] | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, object]:
        """The evidence line as JSON-ready data."""
        return {
            "stage": self.stage, "stage_name": self.stage_name, "criterion": self.criterion,
            "feature": self.feature, "value": _out(self.feature, self.value), "op": self.op,
            "threshold": _out(self.feature, self.threshold),
            "met": self.met, "status": self.status, "certain": self.certain,
            "interval": None if self.interval is None else list(self.interval), "reason": self.reason,
            "parts": {name: _out(name, value) for name, value in self.parts.items()}, "detail": self.detail,
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
            "value": _out(self.feature, self.value), "threshold": _out(self.feature, self.threshold),
            "gap": _out(self.feature, self.gap), "text": self.text,
        }


@dataclass(frozen=True)
class RubricResult:
    """The rubric's placement with every criterion's evidence, the range the evidence allows, and the next
    steps."""

    stage: int
    evidence: tuple[Evidence, ...]
    next_steps: tuple[NextStep, ...] = field(default_factory=tuple)
    low: int | None = None
    high: int | None = None
    view: View = field(default_factory=lambda: View("visible"))
    thin: bool = False
    decide: str = ""

    @property
    def stage_name(self) -> str:
        """The placed stage's name."""
        return STAGES[self.stage].name

    @property
    def journey(self) -> str:
        """The journey stage of the placement."""
        return journey(self.stage)

    @property
    def stage_range(self) -> tuple[int, int]:
        """(low, high): what the evidence proves, and the highest stage it does not exclude."""
        low = self.stage if self.low is None else self.low
        return (low, self.stage if self.high is None else self.high)

    def stages_met(self) -> list[int]:
        """Stages (1-6) whose criteria all hold."""
        return [s.index for s in STAGES[1:] if all(e.met for e in self.evidence if e.stage == s.index)]

    def supports(self, stage: int) -> bool:
        """Whether the evidence lets another judge (the stage model) place the organization at ``stage`` above
        the rubric's: one of its criteria met and none of them certainly not met (a model never decides a stage
        the measured evidence contradicts, nor one resting on unmeasurable criteria alone)."""
        lines = [e for e in self.evidence if e.stage == stage]
        return any(e.status == MET for e in lines) and not any(e.status == NOT_MET and e.certain for e in lines)

    @property
    def measured_share(self) -> float:
        """The share of the criteria of the stages above ``low`` (up to ``high``) that the data measures: 1 when
        the range is one stage or every such criterion is measured, lower as more of what would separate the
        stages of the range is unseen (the model's share of the say there, ``classifier.calibration``)."""
        low, high = self.stage_range
        lines = [e for e in self.evidence if low < e.stage <= high]
        if not lines:
            return 1.0
        return sum(e.status != UNMEASURABLE for e in lines) / len(lines)

    def unmeasurable(self) -> list[Evidence]:
        """The criteria the data cannot measure."""
        return [e for e in self.evidence if e.status == UNMEASURABLE]


def rubric_values(features: Mapping[str, object]) -> dict[str, object]:
    """The features with the values the rubric derives from them (``dialogue_replies``)."""
    posts = _clean(features.get("org_posts"))
    return {**features, "org_posts": 0.0 if posts is None else posts,
            DIALOGUE_REPLIES: float(counts(features)["dialogue"])}


def evaluate(features: Mapping[str, object], rubric: tuple[Criterion, ...] = RUBRIC, *, view: View | None = None,
             refused: Sequence[str] = (), unseen: Sequence[str] = ()) -> RubricResult:
    """Check every criterion against ``features`` and place the organization, with the range the evidence
    allows; ``view`` (else read from the features, ``refused``, the refused collection endpoints, and ``unseen``,
    what the organization's data does not show: ``reposts``)."""
    values = rubric_values(features)
    view = view or data_view(features, refused, unseen)
    evidence = tuple(_evidence(c, values, view) for c in rubric)
    by_stage = {s.index: [e for e in evidence if e.stage == s.index] for s in STAGES[1:]}
    placed = _place(by_stage, lambda e: e.status != NOT_MET, _point_holds)
    low = _place(by_stage, lambda e: e.status == MET and e.certain, _low_holds)
    high = _place(by_stage, lambda e: not (e.status == NOT_MET and e.certain), _high_holds)
    low, high = min(low, placed), max(high, placed)
    if low in UNMEASURED_MARKS:  # proven on its measured criteria, not on the mark no feature measures
        low -= 1
    seen = counts(features)
    thin = 0 < seen["posts"] < MIN_CASES or (view.inbound != "absent" and seen["inbound"] < MIN_CASES
                                             and seen["posts"] > 0)
    if thin and high == low:
        high, low = (high + 1, low) if high + 1 < len(STAGES) else (high, low - 1)
    result = RubricResult(placed, evidence, next_steps_from(placed, features, rubric), low, high, view, thin)
    return RubricResult(placed, evidence, result.next_steps, low, high, view, thin, decide_sentence(result))


def _evidence(criterion: Criterion, values: Mapping[str, object], view: View) -> Evidence:
    value = _clean(values.get(criterion.feature))
    judged: Assessment = assess(criterion.feature, value, criterion.op, criterion.threshold, values, view)
    return Evidence(
        criterion.stage, STAGES[criterion.stage].name, criterion.describe(), criterion.feature, value, criterion.op,
        criterion.threshold, judged.status == MET,
        {p.feature: _clean(values.get(p.feature)) for p in criterion.parts}, criterion.detail(values),
        judged.status, judged.certain, judged.interval, judged.reason,
    )


def _place(by_stage: Mapping[int, list[Evidence]], gate_open, holds) -> int:  # type: ignore[no-untyped-def]
    """Gates climbed in order while ``gate_open`` holds for every criterion; then the highest later stage whose
    criteria ``holds``."""
    placed = 0
    for gate in GATE_STAGES:
        if not all(gate_open(e) for e in by_stage[gate]):
            return placed
        placed = gate
    higher = [s for s in range(GATE_STAGES[-1] + 1, len(STAGES)) if holds(by_stage[s])]
    return max(higher, default=placed)


def _point_holds(lines: list[Evidence]) -> bool:
    """The point: at least two thirds (``HOLDS``) of the measured criteria met and one met; unmeasurable ones
    are not counted. A stage most of whose criteria are unmeasurable needs all its measured ones met with
    certainty: it is never reached on a doubtful value beside what the data cannot show."""
    measured = [e for e in lines if e.status != UNMEASURABLE]
    if not any(e.status == MET for e in measured):
        return False
    if len(lines) - len(measured) > len(measured):
        return all(e.status == MET and e.certain for e in measured)
    return sum(e.status == NOT_MET for e in measured) <= (1 - HOLDS) * len(measured)


def _low_holds(lines: list[Evidence]) -> bool:
    """Proven: at least two thirds of all the stage's criteria met with certainty."""
    return sum(e.status == MET and e.certain for e in lines) >= HOLDS * len(lines)


def _high_holds(lines: list[Evidence]) -> bool:
    """Not excluded: at most a third of the stage's criteria certainly not met."""
    return sum(e.status == NOT_MET and e.certain for e in lines) <= (1 - HOLDS) * len(lines)


def decide_sentence(result: RubricResult) -> str:
    """What would decide the stage within its range: the data that would measure the open criteria."""
    low, high = result.stage_range
    if low == high:
        return ""
    open_lines = [e for e in result.evidence if low < e.stage <= high and (e.status == UNMEASURABLE or not e.certain)]
    rates = [e for e in open_lines if e.feature == "response_rate"]
    what = []
    if rates:
        top = max(rates, key=lambda e: e.stage)
        source = "Posts addressed to it (mentions and replies to it)" if result.view.inbound != "visible" \
            else "More posts addressed to it"
        fast = any(e.feature == "response_time_median_hours" for e in open_lines)
        what.append(f"{source} would show whether it answers {format_value(top.threshold, 'share')} of people"
                    + (" within 4 h" if fast else "") + f" ({top.stage_name})")
    if any(e.feature == "criticism_response_ratio" for e in open_lines):
        what.append("whether it answers criticism as readily as praise (Letting Go)")
    marks = [(stage, mark) for stage, mark in UNMEASURED_MARKS.items() if low < stage <= high]
    what += [f"reading its replies would show {mark} ({STAGES[stage].name})" for stage, mark in marks]
    others = sorted({e.stage_name for e in open_lines if e.feature not in (
        "response_rate", "response_time_median_hours", "criticism_response_ratio")},
        key=lambda name: [s.name for s in STAGES].index(name))
    if others:
        what.append(f"more of its posts would settle {', '.join(others)}")
    if not what:
        return f"The evidence allows {STAGES[low].name} to {STAGES[high].name}."
    text = "; ".join(what)
    return f"Between {STAGES[low].name} and {STAGES[high].name}: {text[0].upper()}{text[1:]}."


def next_steps_from(placed: int, features: Mapping[str, object], rubric: tuple[Criterion, ...]) -> tuple[NextStep, ...]:
    """The criteria of the stage after ``placed`` that ``features`` do not meet (or leave undefined), with the gaps."""
    if placed + 1 >= len(STAGES):
        return ()
    values = rubric_values(features)
    target = STAGES[placed + 1]
    steps = []
    for criterion in (c for c in rubric if c.stage == target.index):
        value = _clean(values.get(criterion.feature))
        if criterion.holds(value):
            continue
        gap = None if value is None else abs(criterion.threshold - value)
        if value is None:
            text = f"{criterion.label}: not measurable yet; {target.name} needs {criterion.op} " \
                   f"{format_value(criterion.threshold, criterion.unit)}"
        else:
            text = f"{criterion.label} is {format_value(value, criterion.unit, criterion.threshold)}; {target.name} " \
                   f"needs {criterion.op} {format_value(criterion.threshold, criterion.unit)}"
        steps.append(NextStep(target.index, target.name, criterion.feature, value, criterion.threshold, gap, text))
    return tuple(steps)
