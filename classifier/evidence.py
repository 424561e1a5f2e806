"""What the data can show: the view of the conversation, and each criterion as met, not met or unmeasurable.

A criterion is **unmeasurable** when the data cannot say whether it holds, with the reason: no post addressed
to the organization is in the data, the collection was refused the endpoint that lists them, every post
addressed to it in the data is one it answered (the file holds only the replied-to posts), or too few cases.
An unmeasurable criterion is never counted as failed, and never as met.

A measured criterion is **met** or **not met** by its value, and **certain** when the data leaves no doubt
about which: the 90% Wilson score interval of a share lies on one side of the threshold and rests on at least
``MIN_CASES`` cases; a count that reached its threshold is certain (it was seen); a count, a rate per week or a
spread that fell short is certain only over at least ``MIN_CASES`` of the organization's posts (a handful of
posts may be a sample of a busy account); a median response time over at least ``MIN_CASES`` answers.

The **view** (:func:`data_view`) is read from the features and the collection: ``visible`` (posts addressed
to the organization are in the data, answered and unanswered), ``partial`` (only some: the mentions endpoint
was refused, or every one of them in the data was answered, which is what a file of the organization's
replies with the posts they answer looks like) or ``absent`` (none in the data: an own-timeline export).
Reposts are ``absent`` from the view when none of the organization's posts in the data is a repost (exports
are often made without retweets): amplification then counts quotes only, so a share under its threshold is
unmeasurable, not failed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Below this many cases a rate is unmeasurable (too few cases).
MIN_RATE_CASES = 5
#: A measured value is certain only over at least this many cases (see the module docstring).
MIN_CASES = 10
#: z of the two-sided 90% Wilson score interval.
WILSON_Z = 1.6448536269514722

MET, NOT_MET, UNMEASURABLE = "met", "not met", "unmeasurable"

#: Features whose value depends on the posts addressed to the organization, and the cases each rests on.
INBOUND_RATES = frozenset({"response_rate", "question_response_rate", "negative_inbound_response_rate",
                           "positive_inbound_response_rate", "criticism_response_ratio"})
RESPONSE_TIMES = frozenset({"response_time_median_hours", "response_time_p90_hours"})
#: Shares of the organization's own posts.
POST_SHARES = frozenset({"broadcast_share", "dialogue_share", "conversational_reply_share", "amplification_share",
                         "measurement_share", "tracked_link_share", "poll_share", "feedback_ask_share",
                         "feedback_change_share", "personal_reply_share"})
#: What a data set may not hold at all: reposts (an own-timeline export without retweets).
REPOSTS = "reposts"
REPOSTS_ABSENT = ("none of its posts in the data is a repost (the data may not hold reposts): amplification counts "
                  "quotes only")
#: Refused collection endpoints that hide posts addressed to the organization.
INBOUND_ENDPOINTS = ("mentions", "search", "replies")


@dataclass(frozen=True)
class View:
    """How much of the conversation around the organization the data holds, and why not all of it."""

    inbound: str  # "visible", "partial" or "absent"
    reason: str = ""
    #: "visible", or "absent" when none of the organization's posts in the data is a repost.
    reposts: str = "visible"

    @property
    def regime(self) -> str:
        """``inbound visible`` or ``inbound not visible``: the two regimes the verdict rule tells apart."""
        return "inbound visible" if self.inbound == "visible" else "inbound not visible"

    def as_dict(self) -> dict[str, str]:
        """The view as JSON-ready data."""
        return {"inbound": self.inbound, "regime": self.regime, "reason": self.reason, "reposts": self.reposts}


@dataclass(frozen=True)
class Assessment:
    """One criterion judged: ``status`` (met, not met, unmeasurable), whether that is certain, the interval
    the value could lie in (shares and rates), the cases it rests on and the reason (why unmeasurable, or
    why uncertain)."""

    status: str
    certain: bool
    interval: tuple[float, float] | None = None
    cases: int | None = None
    reason: str = ""


def number(value: object) -> float | None:
    """A finite float, or None for a missing value (None, NaN)."""
    if value is None:
        return None
    result = float(value)  # type: ignore[arg-type]
    return None if math.isnan(result) else result


def counts(features: Mapping[str, object]) -> dict[str, int]:
    """Whole counts behind the shares: own posts, replies to others, inbound and answered inbound posts."""
    posts = int(number(features.get("org_posts")) or 0)
    inbound = int(number(features.get("inbound")) or 0)
    dialogue = number(features.get("dialogue_share"))
    rate = number(features.get("response_rate"))
    return {
        "posts": posts,
        "dialogue": 0 if dialogue is None else round(dialogue * posts),
        "inbound": inbound,
        "answered": 0 if rate is None else round(rate * inbound),
    }


def data_view(features: Mapping[str, object], refused: Sequence[str] = (), unseen: Sequence[str] = ()) -> View:
    """The view of the conversation the features were computed from (module docstring); ``refused``: the
    collection endpoints that were refused (``mentions``, ``search``...), from the collection notes; ``unseen``:
    what the organization's data does not show (``reposts``: none of its posts is a repost)."""
    view = _inbound_view(features, refused)
    return View(view.inbound, view.reason, "absent" if REPOSTS in unseen else "visible")


def _inbound_view(features: Mapping[str, object], refused: Sequence[str]) -> View:
    seen = counts(features)
    hidden = [name for name in refused if any(key in name.lower() for key in INBOUND_ENDPOINTS)]
    if seen["inbound"] == 0:
        if seen["dialogue"]:
            return View("absent", "no post addressed to the organization is in the data, though it replied to "
                                  f"{seen['dialogue']} (the data holds its own posts only)")
        return View("absent", "no post addressed to the organization is in the data")
    if hidden:
        return View("partial", f"the collection was refused {', '.join(hidden)}: posts addressed to the "
                               "organization are seen only where its own posts led to them")
    if seen["answered"] == seen["inbound"]:
        return View("partial", f"every post addressed to it in the data ({seen['inbound']}) is one it answered: "
                               "the data seems to hold only the posts it replied to")
    return View("visible")


def wilson(share: float, cases: int, z: float = WILSON_Z) -> tuple[float, float]:
    """The Wilson score interval of a share observed over ``cases`` cases (two-sided, ``z`` standard errors)."""
    if cases <= 0:
        return (0.0, 1.0)
    share = min(1.0, max(0.0, share))
    centre = (share + z * z / (2 * cases)) / (1 + z * z / cases)
    half = z / (1 + z * z / cases) * math.sqrt(share * (1 - share) / cases + z * z / (4 * cases * cases))
    return (max(0.0, centre - half), min(1.0, centre + half))


def _holds(value: float, op: str, threshold: float) -> bool:
    return value >= threshold if op == ">=" else value <= threshold


def _missing_reason(feature: str, seen: Mapping[str, int], view: View) -> str:
    if feature in INBOUND_RATES or feature in RESPONSE_TIMES:
        if view.inbound == "absent":
            return view.reason
        if feature == "criticism_response_ratio":
            return "nobody criticised it, nobody praised it, or no praise was answered in the data"
        if feature in RESPONSE_TIMES:
            return "no answered post addressed to it in the data"
        return "no such post addressed to it in the data"
    if seen["posts"] == 0:
        return "no post by the organization in the window"
    return "not defined for these posts (see the feature's definition)"


def assess(feature: str, value: float | None, op: str, threshold: float, features: Mapping[str, object],
           view: View) -> Assessment:
    """Judge ``feature op threshold`` for ``value``, given the features (for the cases) and the view."""
    seen = counts(features)
    inbound_feature = feature in INBOUND_RATES or feature in RESPONSE_TIMES
    if inbound_feature and view.inbound == "absent" and feature in INBOUND_RATES and seen["dialogue"] == 0 \
            and op == ">=":
        return Assessment(NOT_MET, True, None, 0, "it replied to nobody in the window: nobody who may have "
                                                   "addressed it was answered")
    if inbound_feature and view.inbound == "absent":
        return Assessment(UNMEASURABLE, False, reason=view.reason)
    if feature in INBOUND_RATES and view.inbound == "partial":
        return Assessment(UNMEASURABLE, False, reason=view.reason)
    if value is None and not inbound_feature:  # the organization's own posts define it: missing is not met
        return Assessment(NOT_MET, seen["posts"] >= MIN_CASES or seen["posts"] == 0, None, seen["posts"],
                          _missing_reason(feature, seen, view))
    if value is None:
        return Assessment(UNMEASURABLE, False, reason=_missing_reason(feature, seen, view))
    status = MET if _holds(value, op, threshold) else NOT_MET
    if feature in INBOUND_RATES:
        cases = seen["inbound"]
        if cases < MIN_RATE_CASES:
            return Assessment(UNMEASURABLE, False, None, cases,
                              f"too few cases: {cases} post{'s' if cases != 1 else ''} addressed to it")
        return _share_assessment(status, value, cases, op, threshold, "posts addressed to it")
    if feature in RESPONSE_TIMES:
        cases = seen["answered"]
        if cases < MIN_RATE_CASES:
            return Assessment(UNMEASURABLE, False, None, cases, f"too few cases: {cases} answered")
        certain = cases >= MIN_CASES
        return Assessment(status, certain, None, cases, "" if certain else f"over {_n(cases, 'answer')} only")
    if feature == "amplification_share" and view.reposts == "absent" and status == NOT_MET and op == ">=":
        return Assessment(UNMEASURABLE, False, None, seen["posts"], REPOSTS_ABSENT)
    if feature in POST_SHARES:
        cases = seen["dialogue"] if feature == "personal_reply_share" else seen["posts"]
        return _share_assessment(status, value, cases, op, threshold, "posts")
    if feature == "dialogue_replies" and status == NOT_MET and view.inbound == "absent":
        return Assessment(status, False, None, seen["posts"], "posts addressed to it are not in the data: whether "
                                                             "anyone asked it something is unseen")
    certain = status == MET or seen["posts"] >= MIN_CASES or seen["posts"] == 0  # no post at all is a fact
    return Assessment(status, certain, None, seen["posts"],
                      "" if certain else f"over {_n(seen['posts'], 'post')} only (possibly a sample)")


def _n(count: int, noun: str) -> str:
    """``1 post``, ``3 posts``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _share_assessment(status: str, value: float, cases: int, op: str, threshold: float, what: str) -> Assessment:
    low, high = wilson(value, cases)
    side = (low >= threshold) if status == MET else (high < threshold)
    if op == "<=":
        side = (high <= threshold) if status == MET else (low > threshold)
    certain = side and cases >= MIN_CASES
    counted = _n(cases, "post") + what.removeprefix("posts") if what.startswith("posts") else f"{cases} {what}"
    reason = "" if certain else f"{counted}: 90% interval {low:.0%} to {high:.0%}"
    return Assessment(status, certain, (round(low, 4), round(high, 4)), cases, reason)
