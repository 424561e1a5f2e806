"""Plots of the competitor comparison: the stage distribution and key features side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from classifier.stages import JOURNEY_STAGES, STAGES, journey
from socialstage.report.plots import Plot, figure, say_empty, to_plot

#: One colour per journey stage (Traditional ... Fully engaged), light to dark.
JOURNEY_COLOURS = dict(zip(JOURNEY_STAGES, ("#B8C4D6", "#7F9BC0", "#4E76AC", "#2A5592", "#1F3A5F"), strict=True))
#: Features compared side by side in the plot: (column, label, kind).
COMPARED = (("response_rate", "inbound answered", "share"), ("response_time_median_hours", "median reply (h)", "hours"),
            ("dialogue_share", "replies to others", "share"), ("amplification_share", "amplification", "share"))
MAX_COMPARED = 20


def stage_distribution(scored: pd.DataFrame) -> Plot:
    """How many scored organizations each stage holds (all seven stages, coloured by journey stage)."""
    title = "Stage distribution of the scored organizations"
    with figure(height=3.2) as fig:
        ax = fig.add_subplot()
        ax.set_title(title)
        if scored.empty:
            say_empty(ax, "No organization could be scored.")
            return to_plot(fig, "stages", title, "No organization was scored.")
        counts = scored["stage_index"].astype(int).value_counts().reindex(range(len(STAGES)), fill_value=0)
        positions = np.arange(len(STAGES))
        ax.bar(positions, counts.to_numpy(), width=0.65, color=[JOURNEY_COLOURS[journey(s.index)] for s in STAGES])
        for x, value in zip(positions, counts.to_numpy(), strict=True):
            ax.text(x, value, f"{value}", ha="center", va="bottom", fontsize=9, color="#333333")
        ax.set_xticks(positions, [f"{s.index} {s.name}" for s in STAGES], rotation=20, ha="right")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylim(0, max(1, int(counts.max())) * 1.18)
        ax.set_ylabel("organizations")
        ax.set_xlabel("stage")
        handles = [Patch(color=JOURNEY_COLOURS[j], label=j) for j in JOURNEY_STAGES]
        ax.legend(handles=handles, title="journey stage", loc="upper left",
                  bbox_to_anchor=(1.0, 1.0), fontsize=8, title_fontsize=8)
        alt = "; ".join(f"{s.name}: {int(counts[s.index])}" for s in STAGES)
        return to_plot(fig, "stages", title, alt + ".")


def key_features(scored: pd.DataFrame) -> Plot:
    """Four key features of the best-ranked organizations (at most ``MAX_COMPARED``), side by side."""
    shown = scored.sort_values("rank").head(MAX_COMPARED)
    title = f"Key features side by side (the {len(shown)} best ranked)" if len(scored) > len(shown) \
        else "Key features side by side"
    with figure(height=1.5 + 0.28 * max(len(shown), 3)) as fig:
        if shown.empty:
            ax = fig.add_subplot()
            ax.set_title(title)
            say_empty(ax, "No organization could be scored.")
            return to_plot(fig, "features", title, "No organization was scored.")
        axes = fig.subplots(1, len(COMPARED), sharey=True)
        fig.suptitle(title, x=0.01, ha="left", fontweight="bold", fontsize=12)
        positions = np.arange(len(shown))[::-1]
        labels = [f"{int(r)}. {_short(o)}" for r, o in zip(shown["rank"], shown["org"], strict=True)]
        colours = [JOURNEY_COLOURS[journey(int(s))] for s in shown["stage_index"]]
        for ax, (column, label, kind) in zip(axes, COMPARED, strict=True):
            given = shown[column] if column in shown else pd.Series(np.nan, index=shown.index)
            values = pd.to_numeric(given, errors="coerce").to_numpy(dtype=float)
            scale = 100.0 if kind == "share" else 1.0
            ax.barh(positions, np.nan_to_num(values * scale), height=0.65, color=colours)
            for y, value in zip(positions, values, strict=True):
                if np.isnan(value):
                    ax.text(0, y, " missing", va="center", fontsize=7, color="#777777")
            ax.set_title(label, fontsize=9, loc="left")
            ax.grid(axis="x")
            ax.grid(axis="y", visible=False)
            if kind == "share":
                ax.set_xlim(0, 100)
                ax.xaxis.set_major_locator(FixedLocator([0, 50, 100]))
                ax.xaxis.set_major_formatter(PercentFormatter(100))
            else:
                ax.set_xlabel("hours", fontsize=8)
            ax.tick_params(axis="x", labelsize=8)
        axes[0].set_yticks(positions, labels, fontsize=8)
        alt = "; ".join(f"{lab}: " + ", ".join(f"{c} {_fmt(r.get(c), k)}" for c, _, k in COMPARED)
                        for lab, (_, r) in zip(labels, shown.iterrows(), strict=True))
        caption = ("Bars coloured by journey stage, as in the stage distribution. Missing: not measurable "
                   "(nobody addressed the organization, or no post was answered).")
        return to_plot(fig, "features", title, alt + ".", caption)


def _short(name: object, limit: int = 28) -> str:
    text = str(name)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt(value: object, kind: str) -> str:
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    if pd.isna(number):
        return "missing"
    return f"{number * 100:.0f}%" if kind == "share" else f"{number:.1f} h"

