"""The HTML report of one audit: verdict, stage ladder, evidence, next steps, plots and example posts."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from classifier.evidence import MET, UNMEASURABLE
from classifier.rubric import RUBRIC, format_value
from classifier.stages import JOURNEY_STAGES, STAGES, journey
from socialstage.audit.placement import KEY_FEATURES, AuditResult
from socialstage.audit.render import likely_words, range_words
from socialstage.display.tables import feature_text
from socialstage.report import plots
from socialstage.report.examples import example_tables
from socialstage.report.templating import render as render_template

#: How the key features are named for a reader (the feature's own name is shown beside).
FEATURE_LABELS = {
    "org_posts": "Posts by the organization", "posts_per_week": "Posts per week",
    "inbound": "Posts addressed to it (inbound)", "response_rate": "Inbound answered within 7 days",
    "response_time_median_hours": "Median time to first response", "dialogue_share": "Replies to others",
    "amplification_share": "Reposts and quotes of others", "measurement_share": "Measured or feedback posts",
    "distinct_voices": "Distinct voices", "departments": "Departments speaking",
}
_CRITERIA = {(c.stage, c.feature): c for c in RUBRIC}


def render(result: AuditResult, *, frames: Any = None, generated: str | None = None) -> str:
    """The report of ``result`` as HTML. The plots and example posts use ``frames`` (the ``OrgFrames`` the
    audit was computed from), else ``result.frames``; without either they say that no post-level data was
    given. ``generated`` overrides the generation time shown (for reproducible files)."""
    context = audit_context(result, frames=frames)
    if generated:
        context["generated"] = generated
    return render_template("audit.html", **context)


def audit_context(result: AuditResult, *, frames: Any = None) -> dict[str, Any]:
    """Everything the audit template shows, as plain data (values not yet escaped: the template does it)."""
    frames = frames if frames is not None else result.frames
    org_posts, inbound = _org_tables(frames, result.org)
    periods = list(getattr(result, "trajectory", None) or [])
    figures = []
    if org_posts is not None and inbound is not None:
        figures = [plots.monthly_activity(org_posts), plots.response_times(inbound),
                   plots.response_by_sentiment(inbound), plots.departments_and_voices(org_posts)]
    trajectory_plot = plots.trajectory(periods) if periods else None
    placed = STAGES[result.stage]
    return {
        "title": f"Social media maturity audit: {result.org}",
        "org": result.org,
        "header": _header(result),
        "accounts": _accounts(result),
        "verdict": {"index": placed.index, "name": placed.name, "meaning": placed.meaning,
                    "evidence": placed.evidence, "journey": journey(placed.index), "of": len(STAGES) - 1,
                    "method": _method_text(result), **_verdict_range(result)},
        "ladder": _ladder(result),
        "disagreement": _disagreement_text(result),
        "journey": [{"name": name, "current": name == journey(placed.index)} for name in JOURNEY_STAGES],
        "key_features": [{"name": n, "label": FEATURE_LABELS.get(n, n),
                          "value": feature_text(n, result.features.get(n))} for n in KEY_FEATURES],
        "evidence": _evidence(result),
        "next_stage": STAGES[result.stage + 1].name if result.stage + 1 < len(STAGES) else None,
        "next_steps": [{"text": s.text, "feature": s.feature} for s in result.next_steps],
        "warnings": list(result.warnings),
        "collection_notes": list(result.collection_notes),
        "plots": figures,
        "has_post_data": org_posts is not None,
        "trajectory_plot": trajectory_plot,
        "trajectory": [_period_row(p) for p in periods],
        "examples": example_tables(org_posts, inbound) if org_posts is not None and inbound is not None else [],
    }


def _org_tables(frames: Any, org: str) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    if frames is None:
        return None, None
    return (frames.org_posts[frames.org_posts["org"] == org].copy(),
            frames.inbound[frames.inbound["org"] == org].copy())


def _date(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%d %b %Y")


def _header(result: AuditResult) -> dict[str, Any]:
    days = None
    if result.window_start is not None and result.window_end is not None:
        days = max(1, math.ceil((result.window_end - result.window_start).total_seconds() / 86400))
    model = result.model or {}
    if model:
        version = f", labeled data {str(model['data_version'])[:19]}" if model.get("data_version") else ""
        model_text = f"{model.get('name', 'model')}{version}"
    else:
        model_text = "none (the rubric alone)"
    return {"window": f"{_date(result.window_start)} – {_date(result.window_end)}", "days": days,
            "source": result.source, "model": model_text, "method": result.method}


def _accounts(result: AuditResult) -> list[dict[str, Any]]:
    profiles: dict[tuple[str, str], dict[str, Any]] = {}
    if result.profiles is not None and not result.profiles.empty:
        for row in result.profiles.to_dict("records"):
            key = (str(row.get("platform", "")).lower(), str(row.get("handle", "")).lstrip("@").lower())
            profiles[key] = row
    rows = []
    for account in result.accounts:
        profile = profiles.get((str(account["platform"]).lower(), str(account["handle"]).lower()), {})
        rows.append({
            "platform": account["platform"], "handle": account["handle"], "department": account.get("department"),
            "how": account.get("department_reason") or account.get("department_source") or "",
            "posted": bool(account.get("posted")),
            "display_name": _text(profile.get("display_name")), "bio": _text(profile.get("bio")),
        })
    return rows


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _method_text(result: AuditResult) -> str:
    if result.method == "model":
        return "Placed by the trained stage model (its cross-validated agreement with labelers beats the rubric's)."
    if result.model:
        return "Placed by the transparent rubric; the trained model's probabilities are shown beside it."
    return "Placed by the transparent rubric."


def _verdict_range(result: AuditResult) -> dict[str, Any]:
    """The range and what would decide it, who decided and why, and the view of the conversation."""
    low, high = result.stage_range
    view = result.rubric.view
    return {"range": range_words(low, high), "single": low == high, "likely": likely_words(result) if low != high
            else None, "decide": result.rubric.decide, "reason": result.verdict_reason, "thin": result.thin,
            "view": {"inbound": view.inbound, "regime": view.regime, "reason": view.reason}}


def _ladder(result: AuditResult) -> list[dict[str, Any]]:
    probabilities = result.probabilities or {}
    low, high = result.stage_range
    likely = set(result.likely or ()) if result.coverage is not None and low != high else set()
    rows = []
    for stage in reversed(STAGES):
        p = probabilities.get(stage.name)
        rows.append({
            "in_range": low <= stage.index <= high, "likely": stage.index in likely,
            "index": stage.index, "name": stage.name, "meaning": stage.meaning, "journey": journey(stage.index),
            "probability": None if p is None else f"{p:.0%}", "width": 0 if p is None else round(p * 100, 1),
            "verdict": stage.index == result.stage, "rubric": stage.index == result.rubric.stage,
            "model": result.model_stage is not None and stage.index == result.model_stage,
            "met": stage.index in result.rubric.stages_met() or stage.index == 0,
        })
    return rows


def _disagreement_text(result: AuditResult) -> str | None:
    if result.disagreement is None:
        return None
    rubric, model = STAGES[result.rubric.stage].name, STAGES[result.model_stage or 0].name
    who = "the model's" if result.method == "model" else "the rubric's"
    return (f"The rubric places the organization at {rubric}; the model's most probable stage is {model}. "
            f"The verdict is {who}, by the verdict rule.")


def _evidence(result: AuditResult) -> list[dict[str, Any]]:
    groups: dict[int, dict[str, Any]] = {}
    for line in result.rubric.evidence:
        criterion = _CRITERIA.get((line.stage, line.feature))
        unit = criterion.unit if criterion else "number"
        group = groups.setdefault(line.stage, {"index": line.stage, "name": line.stage_name, "rows": []})
        group["rows"].append({
            "label": criterion.label if criterion else line.criterion, "feature": line.feature,
            "measured": format_value(line.value, unit, line.threshold),
            "needs": f"{line.op} {format_value(line.threshold, unit)}",
            "met": line.met, "detail": line.detail, "status": line.status, "certain": line.certain,
            "reason": line.reason if line.status == UNMEASURABLE or not line.certain else "",
            "css": {MET: "met", UNMEASURABLE: "unmeasurable"}.get(line.status, "unmet"),
            "mark": {MET: "✓", UNMEASURABLE: "?"}.get(line.status, "✗"),
        })
    for group in groups.values():
        group["met"] = all(row["met"] for row in group["rows"])
        group["count_met"] = sum(row["status"] == MET for row in group["rows"])
        group["unmeasurable"] = sum(row["status"] == UNMEASURABLE for row in group["rows"])
    return [groups[i] for i in sorted(groups)]


def _period_row(period: dict[str, Any]) -> dict[str, Any]:
    enough = bool(period.get("enough_data")) and period.get("stage") is not None
    end = period.get("end")  # the exclusive end: the next period's start
    last = None if end is None else pd.Timestamp(end) - pd.Timedelta(microseconds=1)
    judged_range = period.get("stage_range") if enough else None
    return {"period": period.get("period"), "start": _date(period.get("start")), "end": _date(last),
            "range": "–" if not judged_range else "–".join(str(s) for s in dict.fromkeys(judged_range)),
            "stage": f"{period['stage']} {period.get('stage_name') or STAGES[period['stage']].name}" if enough else "–",
            "journey": journey(period["stage"]) if enough else "–", "enough": enough,
            "reason": period.get("reason") or ""}
