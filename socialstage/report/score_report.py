"""The HTML competitor comparison of a score batch: ranked table, stage distribution, key features side by side.

It reads the rows ``socialstage score`` writes (``socialstage.batch.rows.ROW_COLUMNS``: ``org, accounts, status,
message, stage, stage_index, journey, method, rubric_stage, stage_low, stage_high, stage_range, thin_evidence,
inbound_view, decide, rank, percentile``, the stage probabilities, then the key features by name). Beside each
rank it shows the stage range the evidence allows, the counts behind the verdict (posts by the organization and
posts addressed to it) and a mark on verdicts from thin evidence; rows without those columns (an older file)
show the stage alone. Rows that are not ``ok`` are listed with their status and message, never dropped.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from classifier.stages import STAGES, journey
from socialstage.audit.placement import KEY_FEATURES
from socialstage.display.tables import feature_text
from socialstage.report import score_plots
from socialstage.report.audit_report import FEATURE_LABELS
from socialstage.report.templating import render as render_template

REQUIRED = ("org", "status", "stage_index", "rank")
#: Column headings of the side-by-side tables (short: ten features must fit a printed page).
SHORT_LABELS = {
    "org_posts": "posts", "posts_per_week": "posts / week", "inbound": "inbound", "response_rate": "answered",
    "response_time_median_hours": "median reply", "dialogue_share": "replies", "amplification_share": "amplified",
    "measurement_share": "measured", "distinct_voices": "voices", "departments": "depts",
}


def render(rows: pd.DataFrame, *, title: str, source: str | None = None, model: str | None = None,
           generated: str | None = None) -> str:
    """The comparison of ``rows`` as HTML. ``source`` names where the posts came from and ``model`` the stage
    model used (both shown in the header when given); ``generated`` overrides the generation time shown."""
    context = score_context(rows, title=title, source=source, model=model)
    if generated:
        context["generated"] = generated
    return render_template("score.html", **context)


def score_context(rows: pd.DataFrame, *, title: str, source: str | None = None,
                  model: str | None = None) -> dict[str, Any]:
    """Everything the comparison template shows, as plain data (values not yet escaped: the template does it)."""
    missing = [c for c in REQUIRED if c not in rows.columns]
    if missing:
        raise ValueError(f"score rows lack the columns {', '.join(missing)}")
    frame = rows.copy()
    frame["rank"] = pd.to_numeric(frame["rank"], errors="coerce")
    ok = frame["status"].astype(str).eq("ok") & frame["rank"].notna()
    scored = frame[ok].sort_values(["rank", "org"], kind="stable")
    others = frame[~ok].sort_values(["status", "org"], kind="stable")
    features = [name for name in KEY_FEATURES if name in frame.columns]
    statuses = Counter(frame["status"].astype(str))
    methods = Counter(scored["method"].astype(str)) if "method" in scored else Counter()
    return {
        "title": title,
        "source": source,
        "model": model,
        "counts": {"listed": len(frame), "scored": len(scored), "other": len(others)},
        "statuses": ", ".join(f"{n} {s}" for s, n in sorted(statuses.items(), key=lambda kv: (kv[0] != "ok", kv[0]))),
        "methods": ", ".join(f"{n} by the {m}" for m, n in sorted(methods.items())) or "–",
        "ranked": [_ranked_row(r, features) for _, r in scored.iterrows()],
        "features": [{"name": n, "label": SHORT_LABELS.get(n, n), "title": FEATURE_LABELS.get(n, n)}
                     for n in features],
        "by_stage": _by_stage(scored, features),
        "not_scored": [{"org": _text(r.get("org")), "accounts": _text(r.get("accounts")),
                        "status": _text(r.get("status")), "message": _text(r.get("message"))}
                       for _, r in others.iterrows()],
        "plots": [score_plots.stage_distribution(scored), score_plots.key_features(scored)],
    }


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA else str(value)


def _number(value: Any) -> float | None:
    number = pd.to_numeric(pd.Series([value], dtype=object), errors="coerce").iloc[0]
    return None if pd.isna(number) else float(number)


def _count(value: Any) -> str:
    number = _number(value)
    return "–" if number is None else f"{number:.0f}"


def _thin(value: Any) -> bool:
    """Whether a ``thin_evidence`` cell says true (a boolean, or ``true`` text from a CSV file)."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value) if isinstance(value, bool | np.bool_) else False


def _stage_range(row: pd.Series) -> str:
    """``Listening – Participating`` (the names of the range), the one stage when the evidence proves it, or
    empty when the row has no range."""
    low, high = _text(row.get("stage_low")), _text(row.get("stage_high"))
    if not low or not high:
        return ""
    return low if low == high else f"{low} – {high}"


def _ranked_row(row: pd.Series, features: list[str]) -> dict[str, Any]:
    index = int(row["stage_index"])
    rubric = _text(row.get("rubric_stage"))
    percentile = _number(row.get("percentile"))
    cells = []
    for name in features:
        value = _number(row.get(name))
        share = name.endswith(("_share", "_rate")) and value is not None
        cells.append({"text": feature_text(name, value).replace("missing", "–"),
                      "bar": round(max(0.0, min(1.0, value)) * 100, 1) if share else None})
    return {
        "rank": int(row["rank"]), "org": _text(row.get("org")),
        "accounts": ", ".join(_text(row.get("accounts")).split()),
        "stage_index": index, "stage": STAGES[index].name, "journey": journey(index),
        "percentile": "–" if percentile is None else f"{percentile:.0f}",
        "method": _text(row.get("method")) or "rubric",
        "rubric_stage": rubric if rubric and rubric != STAGES[index].name else "",
        "range": _stage_range(row), "range_indices": _text(row.get("stage_range")),
        "thin": _thin(row.get("thin_evidence")), "decide": _text(row.get("decide")),
        "inbound_view": _text(row.get("inbound_view")),
        "posts": _count(row.get("org_posts")), "inbound": _count(row.get("inbound")),
        "cells": cells,
    }


def _by_stage(scored: pd.DataFrame, features: list[str]) -> list[dict[str, Any]]:
    """Per stage present: how many organizations and the median of each key feature."""
    out = []
    for stage in STAGES:
        members = scored[scored["stage_index"].astype(int) == stage.index]
        if members.empty:
            continue
        medians = [feature_text(n, _number(pd.to_numeric(members[n], errors="coerce").median())).replace(
            "missing", "–") for n in features]
        out.append({"stage": f"{stage.index} {stage.name}", "count": len(members), "medians": medians})
    return out
