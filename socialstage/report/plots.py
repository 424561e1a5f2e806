"""Plots of the audit report, drawn with matplotlib's object API (no pyplot state) and inlined as PNG.

Each function takes prepared frames (``features.frames.OrgFrames`` tables of one organization) and returns a
:class:`Plot`: a ``data:`` URI ready for an ``<img>``, with a title and alternative text. A plot with nothing to
show still draws its axes and says why, so that a report never has a blank or missing picture.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, PercentFormatter

from classifier.stages import STAGES
from socialstage.display.wording import plural

#: Okabe-Ito colours (readable with colour-blindness), by meaning.
COLOURS = {
    "broadcast": "#0072B2", "dialogue": "#009E73", "amplification": "#E69F00",
    "negative": "#D55E00", "neutral": "#8C8C8C", "positive": "#009E73",
    "accent": "#1F3A5F", "muted": "#B8BEC6", "median": "#1F3A5F", "p90": "#D55E00",
}
CATEGORIES = ("broadcast", "dialogue", "amplification")
SENTIMENTS = ("negative", "neutral", "positive")
#: Fonts tried after DejaVu Sans for a glyph it lacks (org names, departments and handles are data, in any
#: script): CJK, Korean, Arabic, Hebrew, Devanagari, Thai. Only the installed ones are used (matplotlib falls back
#: glyph by glyph through the list); with none of them a CJK name shows as boxes, so install one (Debian:
#: ``fonts-ipafont-gothic`` or ``fonts-noto-cjk``).
FALLBACK_FONTS = (
    "Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "IPAPGothic", "TakaoGothic", "VL Gothic",
    "Hiragino Sans", "Yu Gothic", "Meiryo", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Microsoft YaHei", "PingFang SC", "Droid Sans Fallback", "Noto Sans CJK KR", "Malgun Gothic", "Noto Sans",
    "Noto Sans Arabic", "Noto Sans Hebrew", "Noto Sans Devanagari", "Noto Sans Thai", "Arial Unicode MS",
)
_STYLE: dict[str, Any] = {
    "font.size": 10, "axes.titlesize": 12, "axes.titleweight": "bold",
    "axes.titlelocation": "left", "axes.titlepad": 10, "axes.labelsize": 10, "axes.labelcolor": "#333333",
    "axes.edgecolor": "#9AA3AD", "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "axes.grid.axis": "y", "grid.color": "#E3E7EB", "grid.linewidth": 0.8,
    "axes.axisbelow": True, "xtick.color": "#444444", "ytick.color": "#444444", "legend.frameon": False,
    "figure.facecolor": "white", "axes.facecolor": "white", "savefig.facecolor": "white",
    "text.parse_math": False,  # names and labels are data: a '$' is a dollar sign, not mathtext
}


@dataclass(frozen=True)
class Plot:
    """One picture of a report: ``uri`` is a ``data:image/png;base64`` URI."""

    key: str
    title: str
    uri: str
    alt: str
    caption: str = ""


@functools.cache
def plot_fonts() -> tuple[str, ...]:
    """DejaVu Sans, then the installed :data:`FALLBACK_FONTS`: the font family list of every plot."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    # A fallback font without a bold face is used at its regular weight for bold titles: not worth a warning.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return ("DejaVu Sans", *(name for name in FALLBACK_FONTS if name in installed))


@contextmanager
def figure(width: float = 7.2, height: float = 3.2) -> Iterator[Figure]:
    """A figure in the reports' style (inches; rendered at 150 dpi)."""
    with matplotlib.rc_context({**_STYLE, "font.family": list(plot_fonts())}):
        fig = Figure(figsize=(width, height), dpi=150, layout="constrained")
        yield fig


def to_plot(fig: Figure, key: str, title: str, alt: str, caption: str = "") -> Plot:
    """``fig`` as an inline PNG; ``alt`` describes it in words, ``caption`` (default: ``alt``) is shown below."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150)
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return Plot(key, title, uri, alt, caption or alt)


def say_empty(ax: Axes, message: str) -> None:
    """Write ``message`` in the middle of empty axes."""
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="#555555", fontsize=11,
            wrap=True)


#: At most this many bars in the activity plot: a longer span is shown per year, and a span of more years than
#: that (dates far in the past or future) shows only the years that hold posts.
MAX_BARS = 120
#: At most this many labels under the bars (every n-th bar is labelled beyond it).
MAX_LABELS = 24


def monthly_activity(org_posts: pd.DataFrame) -> Plot:
    """Organization posts per calendar month (per year over more than ``MAX_BARS`` months), stacked by
    broadcast, dialogue and amplification."""
    title = "Monthly activity: broadcast, dialogue and amplification"
    with figure() as fig:
        ax = fig.add_subplot()
        ax.set_title(title)
        if org_posts.empty:
            say_empty(ax, "The organization published nothing in the window.")
            return to_plot(fig, "monthly", title, "No organization posts in the window.")
        moments = org_posts["created_at"].dt.tz_convert("UTC").dt.tz_localize(None)
        unit, freq, label = "month", "M", "%b %Y"
        months = moments.dt.to_period("M")
        if (months.max() - months.min()).n + 1 > MAX_BARS:
            unit, freq, label = "year", "Y", "%Y"
        periods = moments.dt.to_period(freq)
        counts = pd.crosstab(periods, org_posts["category"]).reindex(columns=list(CATEGORIES), fill_value=0)
        gaps = (counts.index.max() - counts.index.min()).n + 1 > MAX_BARS  # only the periods that hold posts
        if not gaps:
            counts = counts.reindex(pd.period_range(counts.index.min(), counts.index.max(), freq=freq), fill_value=0)
        positions = np.arange(len(counts))
        bottom = np.zeros(len(counts))
        for category in CATEGORIES:
            values = counts[category].to_numpy(dtype=float)
            ax.bar(positions, values, bottom=bottom, width=0.7, color=COLOURS[category], label=category)
            bottom += values
        step = max(1, -(-len(counts) // MAX_LABELS))
        shown = positions[::step]
        ax.set_xticks(shown, [counts.index[i].strftime(label) for i in shown], rotation=0 if len(shown) <= 8 else 45)
        ax.set_ylabel(f"organization posts per {unit}")
        ax.set_xlabel(f"{unit} (UTC)" + (", only those with posts" if gaps else ""))
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
        totals = ", ".join(f"{c} {int(counts[c].sum())}" for c in CATEGORIES)
        over = plural(len(counts), unit) + (" with posts" if gaps else "")
        return to_plot(fig, "monthly", title, f"Posts per {unit} over {over}: {totals}.")


_TIME_TICKS = ((1 / 60, "1 min"), (0.25, "15 min"), (1, "1 h"), (4, "4 h"), (24, "1 day"), (72, "3 days"),
               (168, "7 days"))


def response_times(inbound: pd.DataFrame) -> Plot:
    """Distribution of the time to the first organization reply over answered inbound posts (log scale)."""
    title = "Time to first response (answered inbound posts)"
    with figure() as fig:
        ax = fig.add_subplot()
        ax.set_title(title)
        hours = inbound.loc[inbound["answered"].astype(bool), "response_hours"].astype(float).dropna()
        if hours.empty:
            message = "Nobody addressed the organization." if inbound.empty else "No inbound post was answered."
            say_empty(ax, message + "\nThere is no response time to show.")
            return to_plot(fig, "response_times", title, message)
        clipped = hours.clip(lower=1 / 60, upper=168)
        bins = np.geomspace(1 / 60, 168, 29)
        ax.hist(clipped, bins=bins, color=COLOURS["accent"], alpha=0.85, edgecolor="white", linewidth=0.6)
        ax.set_xscale("log")
        ax.xaxis.set_major_locator(FixedLocator([t for t, _ in _TIME_TICKS]))
        ax.set_xticks([t for t, _ in _TIME_TICKS], [label for _, label in _TIME_TICKS])
        ax.xaxis.set_minor_locator(FixedLocator([]))
        ax.set_xlim(1 / 60, 168)
        median, p90 = float(hours.median()), float(hours.quantile(0.9))
        for value, name, style in ((median, "median", "-"), (p90, "90th percentile", "--")):
            ax.axvline(min(max(value, 1 / 60), 168), color=COLOURS["median" if name == "median" else "p90"],
                       linestyle=style, linewidth=1.6, label=f"{name}: {_duration(value)}")
        ax.set_xlabel("time to first response (log scale)")
        ax.set_ylabel("inbound posts answered")
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))  # beside the axes: never over the bars
        alt = f"{len(hours)} answered inbound posts; median {_duration(median)}, 90th percentile {_duration(p90)}."
        return to_plot(fig, "response_times", title, alt)


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{hours * 60:.0f} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def response_by_sentiment(inbound: pd.DataFrame) -> Plot:
    """Share of inbound posts answered within 7 days, by the sentiment of the inbound post."""
    title = "Response rate by sentiment of inbound posts"
    with figure(height=3.0) as fig:
        ax = fig.add_subplot()
        ax.set_title(title)
        if inbound.empty:
            say_empty(ax, "Nobody addressed the organization in the window.")
            return to_plot(fig, "sentiment", title, "No inbound posts.")
        groups = inbound.groupby("sentiment_class")["answered"].agg(["sum", "count"]).reindex(list(SENTIMENTS))
        groups = groups.fillna(0)
        rates = np.where(groups["count"] > 0, groups["sum"] / groups["count"].where(groups["count"] > 0, 1), 0.0)
        positions = np.arange(len(SENTIMENTS))
        ax.bar(positions, rates * 100, width=0.6, color=[COLOURS[s] for s in SENTIMENTS])
        for x, rate, (answered, total) in zip(positions, rates, groups[["sum", "count"]].to_numpy(), strict=True):
            label = f"{rate:.0%}\n{int(answered)} of {int(total)}" if total else "no posts"
            ax.text(x, rate * 100 + 2, label, ha="center", va="bottom", fontsize=9, color="#333333")
        ax.set_xticks(positions, [f"{s} inbound" for s in SENTIMENTS])
        ax.set_ylim(0, 118)
        ax.yaxis.set_major_locator(FixedLocator([0, 20, 40, 60, 80, 100]))
        ax.yaxis.set_major_formatter(PercentFormatter(100))
        ax.set_ylabel("answered within 7 days")
        alt = "; ".join(f"{s}: {int(a)} of {int(t)} answered" for s, (a, t) in
                        zip(SENTIMENTS, groups[["sum", "count"]].to_numpy(), strict=True))
        return to_plot(fig, "sentiment", title, alt + ".")


def departments_and_voices(org_posts: pd.DataFrame) -> Plot:
    """Posts per department (stacked by category) beside the distinct voices of each department."""
    title = "Departments and voices"
    with figure(height=max(2.6, 1.4 + 0.42 * max(1, org_posts["department"].nunique()))) as fig:
        if org_posts.empty:
            ax = fig.add_subplot()
            ax.set_title(title)
            say_empty(ax, "No department published anything in the window.")
            return to_plot(fig, "departments", title, "No organization posts in the window.")
        left, right = fig.subplots(1, 2, sharey=True, width_ratios=(2, 1))
        counts = pd.crosstab(org_posts["department"], org_posts["category"])
        counts = counts.reindex(columns=list(CATEGORIES), fill_value=0)
        counts = counts.loc[counts.sum(axis=1).sort_values().index]
        voices = _voices(org_posts).reindex(counts.index, fill_value=0)
        positions = np.arange(len(counts))
        start = np.zeros(len(counts))
        for category in CATEGORIES:
            values = counts[category].to_numpy(dtype=float)
            left.barh(positions, values, left=start, height=0.6, color=COLOURS[category], label=category)
            start += values
        left.set_yticks(positions, [str(d) for d in counts.index])
        left.set_xlabel("organization posts in the window")
        left.set_title(title)
        left.grid(axis="x")
        left.grid(axis="y", visible=False)
        fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncols=len(CATEGORIES),
                   fontsize=8)  # below the panels: never over the bars
        right.barh(positions, voices.to_numpy(dtype=float), height=0.6, color=COLOURS["accent"])
        for y, value in zip(positions, voices.to_numpy(), strict=True):
            right.text(value, y, f" {int(value)}", va="center", fontsize=9, color="#333333")
        right.set_xlabel("distinct voices")
        right.set_xlim(0, max(1.0, float(voices.max())) * 1.25)
        right.grid(axis="x")
        right.grid(axis="y", visible=False)
        right.xaxis.get_major_locator().set_params(integer=True)
        alt = "; ".join(f"{d}: {plural(int(counts.loc[d].sum()), 'post')}, {plural(int(voices[d]), 'voice')}"
                        for d in counts.index[::-1])
        caption = (f"{alt}. Voices: distinct agent signatures (a signed post of a general account counts for "
                   "support) plus the accounts that never sign.")
        return to_plot(fig, "departments", title, alt + ".", caption)


def _voices(org_posts: pd.DataFrame) -> pd.Series:
    """Distinct voices per department: agent signatures used in it plus its accounts that never sign."""
    signed = org_posts.dropna(subset=["signature"]).groupby("department")["signature"].nunique()
    signs = org_posts.groupby(["platform", "account"])["signature"].count()
    never = signs[signs == 0].index
    unsigned_posts = org_posts.set_index(["platform", "account"]).loc[lambda f: f.index.isin(never)]
    unsigned = unsigned_posts.reset_index().groupby("account_department")["account"].nunique()
    return signed.add(unsigned, fill_value=0).astype(int)


def trajectory(periods: Sequence[dict[str, Any]]) -> Plot:
    """The stage placed in each period; periods with too little data are shaded and marked, never guessed."""
    title = "Trajectory: stage per period"
    with figure(height=3.4) as fig:
        ax = fig.add_subplot()
        ax.set_title(title)
        labels = [str(p.get("period", "")) for p in periods]
        positions = np.arange(len(periods))
        known = [bool(p.get("enough_data")) and p.get("stage") is not None for p in periods]
        placed = [(x, p["stage"]) for x, p, ok in zip(positions, periods, known, strict=True) if ok]
        if placed:
            xs, ys = zip(*placed, strict=True)
            ax.plot(xs, ys, color=COLOURS["accent"], linewidth=2, marker="o", markersize=7, zorder=3)
        for x, ok in zip(positions, known, strict=True):
            if not ok:
                ax.axvspan(x - 0.4, x + 0.4, facecolor="#F1F3F5", hatch="///", edgecolor=COLOURS["muted"], zorder=1)
                ax.text(x, 3, "too little data", rotation=90, ha="center", va="center", fontsize=8, color="#555555")
        ax.set_ylim(-0.5, len(STAGES) - 0.5)
        ax.set_yticks(range(len(STAGES)), [f"{s.index} {s.name}" for s in STAGES])
        ax.set_xticks(positions, labels, rotation=0 if len(labels) <= 8 else 45)
        ax.set_xlim(-0.6, max(len(periods), 1) - 0.4)
        ax.set_xlabel("period")
        ax.set_ylabel("stage placed")
        alt = ", ".join(f"{label}: {p.get('stage_name') if ok else 'too little data'}"
                        for label, p, ok in zip(labels, periods, known, strict=True))
        return to_plot(fig, "trajectory", title, (alt or "No periods") + ".")
