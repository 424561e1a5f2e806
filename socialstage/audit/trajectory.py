"""The journey over time: the organization placed in each calendar period (month, quarter, year) of its data.

Each period is audited exactly as the whole window is (the same features, rubric, model and verdict rule),
from the frames the audit already prepared, cut into periods (``features.periods``): a period's features
equal those of ``socialstage audit --since START --until END`` over the period (clipped to the audit's
window), and answers given after a period's end still count for the posts it received.

A period is judged only when it has enough data (``ENOUGH``, the one place for these thresholds): otherwise
it says why, with ``enough_data: False``, a ``reason`` and no stage, instead of guessing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from rich.table import Table

from classifier.stages import STAGES, journey
from collectors.records import Organization
from features.periods import FREQUENCIES, TICK, calendar_periods, split_windows
from socialstage.audit.placement import AuditResult, audit_frames
from socialstage.audit.verdict import ModelChoice, apply_model
from socialstage.display.tables import feature_text, summary_table
from socialstage.display.wording import plural

PERIODS = tuple(FREQUENCIES)
#: Features reported for each period (beside its stage), in this order.
PERIOD_FEATURES = ("org_posts", "inbound", "response_rate", "response_time_median_hours", "dialogue_share",
                   "amplification_share", "measurement_share", "distinct_voices")


@dataclass(frozen=True)
class Sufficiency:
    """When a period has enough data to be judged.

    ``min_coverage``: the share of the period inside the audit's window (the data's first to last post by
    or to the organization, or ``--since``/``--until``), below which the period is cut short (the data
    starts or ends inside it) and not judged: a few days are not a quarter. ``min_org_posts`` and
    ``min_inbound``: a period with fewer organization posts than the first AND fewer inbound posts than the
    second is too quiet to judge (a silent account that people keep addressing is still judged: that is
    evidence of the lower stages).
    """

    min_coverage: float = 0.5
    min_org_posts: int = 5
    min_inbound: int = 5

    def reason(self, coverage: float, days: float, period_days: float, org_posts: int, inbound: int) -> str | None:
        """Why a period cannot be judged, or None when it can."""
        if coverage < self.min_coverage:
            return f"the data covers {days:.0f} of its {period_days:.0f} days (under {self.min_coverage:.0%})"
        if org_posts < self.min_org_posts and inbound < self.min_inbound:
            return (f"too quiet: {plural(org_posts, 'organization post')} and {inbound} inbound "
                    f"(under {self.min_org_posts} and {self.min_inbound})")
        return None


#: The thresholds used by ``socialstage audit --by``.
ENOUGH = Sufficiency()


def trajectory(result: AuditResult, by: str, choice: ModelChoice,
               thresholds: Sufficiency = ENOUGH) -> list[dict[str, Any]]:
    """The organization of ``result`` (an audit from ``audit_posts``, which keeps its prepared frames) placed
    in each ``by`` period (``month``, ``quarter``, ``year``) of its window, oldest first, with the model
    ``choice`` of the audit."""
    if by not in FREQUENCIES:
        raise ValueError(f"by must be one of {', '.join(PERIODS)}, got {by!r}")
    if result.frames is None:
        raise ValueError("the audit result keeps no prepared frames; audit with "
                         "socialstage.audit.placement.audit_posts")
    window = result.frames.windows.loc[result.org]
    if pd.isna(window["start"]) or pd.isna(window["end"]):
        return []
    periods = calendar_periods(window["start"], window["end"], by)
    periods["key"] = periods["period"]
    periods["org"] = result.org
    periods["first"] = periods["start"].clip(lower=window["start"])
    periods["last"] = (periods["end"] - TICK).clip(upper=window["end"])
    cut = split_windows(result.frames, periods.set_index("key")[["org", "first", "last"]]
                        .rename(columns={"first": "start", "last": "end"}))
    audits = audit_frames(cut, [Organization(key, ()) for key in periods["key"]], result.source)
    entries = []
    judged = []
    for row, audit in zip(periods.itertuples(), audits, strict=True):
        audit.org = result.org
        entry = _entry(row, audit, thresholds)
        entries.append(entry)
        if entry["enough_data"]:
            judged.append((entry, audit))
    apply_model([audit for _, audit in judged], choice)
    for entry, audit in judged:
        entry.update(_placement(audit))
    return entries


def _entry(row: Any, audit: AuditResult, thresholds: Sufficiency) -> dict[str, Any]:
    period_days = (row.end - row.start).total_seconds() / 86400.0
    days = max((row.last - row.first + TICK).total_seconds() / 86400.0, 0.0)
    coverage = min(days / period_days, 1.0)
    features = {name: audit.features.get(name) for name in PERIOD_FEATURES}
    reason = thresholds.reason(coverage, days, period_days, int(features["org_posts"] or 0),
                               int(features["inbound"] or 0))
    return {
        "period": row.period,
        "start": row.start.isoformat(),
        "end": row.end.isoformat(),
        "window": {"start": row.first.isoformat(), "end": row.last.isoformat()},
        "coverage": round(coverage, 4),
        "enough_data": reason is None,
        "reason": reason,
        "stage": None,
        "stage_name": None,
        "stage_range": None,
        "journey": None,
        "method": None,
        "rubric_stage": None,
        "probabilities": None,
        **features,
    }


def _placement(audit: AuditResult) -> dict[str, Any]:
    return {
        "stage": audit.stage,
        "stage_name": STAGES[audit.stage].name,
        "stage_range": list(audit.stage_range),
        "journey": journey(audit.stage),
        "method": audit.method,
        "rubric_stage": audit.rubric.stage,
        "probabilities": audit.probabilities,
    }


def direction(entries: list[dict[str, Any]]) -> str:
    """One line: where the judged periods went, e.g. ``climbing: Participating (2024-Q1) -> Actively
    Engaging (2024-Q4)``, with how many periods were judged."""
    judged = [e for e in entries if e["enough_data"]]
    if not judged:
        return f"no period has enough data to be judged ({plural(len(entries), 'period')})"
    first, last = judged[0], judged[-1]
    counted = f"{len(judged)} of {plural(len(entries), 'period')} judged"
    if len(judged) == 1:
        return f"one period judged: {first['stage_name']} ({first['period']}); {counted}"
    delta = last["stage"] - first["stage"]
    word = "climbing" if delta > 0 else "declining" if delta < 0 else "steady"
    line = f"{word}: {first['stage_name']} ({first['period']}) -> {last['stage_name']} ({last['period']})"
    stages = [e["stage"] for e in judged]
    if min(stages) < min(first["stage"], last["stage"]) or max(stages) > max(first["stage"], last["stage"]):
        line += f", ranging {STAGES[min(stages)].name} to {STAGES[max(stages)].name}"
    return f"{line}; {counted}"


def trajectory_table(entries: list[dict[str, Any]]) -> Table:
    """The periods as a terminal table: stage, the range the evidence allows (``2-5``, or ``3`` when it proves
    the stage, as ``socialstage score`` shows it), journey, posts, inbound, response rate (or why not judged)."""
    rows = []
    for e in entries:
        judged = e["enough_data"]
        low, high = e.get("stage_range") or (None, None)
        rows.append({
            "period": e["period"],
            "stage": f"{e['stage']} {e['stage_name']}" if judged else "not judged",
            "range": "" if not judged or low is None else str(low) if low == high else f"{low}-{high}",
            "journey": e["journey"] if judged else "",
            "posts": feature_text("org_posts", e["org_posts"]),
            "inbound": feature_text("inbound", e["inbound"]),
            "answered": feature_text("response_rate", e["response_rate"]),
        })
    return summary_table(rows, title="Stage per period", text_columns=4)


def not_judged_lines(entries: list[dict[str, Any]]) -> list[str]:
    """One line per period without a stage, saying why."""
    return [f"{e['period']} not judged: {e['reason']}" for e in entries if not e["enough_data"]]
