"""Report polish: the verdict on the 0-6 scale, fonts for every script, plot legends that cover no bar and
show every series' swatch."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from socialstage.audit.inputs import load_file
from socialstage.audit.organizations import load_organizations
from socialstage.audit.placement import AuditResult, audit_posts
from socialstage.audit.verdict import choose_model
from socialstage.batch.ranking import rank_rows
from socialstage.batch.rows import place_frame
from socialstage.report import plots, render_audit_report, score_plots

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CJK_NAME = "株式会社テスト"


@pytest.fixture(scope="module")
def audited() -> dict[str, AuditResult]:
    orgs = load_organizations(EXAMPLES / "organizations.toml")
    results = audit_posts(load_file(EXAMPLES / "posts.csv").posts, orgs, source="posts.csv")
    return {r.org: r for r in results}


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Figure]]:
    """Every figure the plot functions draw, kept after it is rendered."""
    drawn: list[Figure] = []
    original = plots.to_plot

    def keep(fig: Figure, *args: object, **kwargs: object) -> plots.Plot:
        plot = original(fig, *args, **kwargs)  # renders the figure: its layout is final
        drawn.append(fig)
        return plot

    monkeypatch.setattr(plots, "to_plot", keep)
    monkeypatch.setattr(score_plots, "to_plot", keep)
    yield drawn


def _org_frames(result: AuditResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = result.frames
    return (frames.org_posts[frames.org_posts["org"] == result.org].copy(),
            frames.inbound[frames.inbound["org"] == result.org].copy())


def _scored(names: dict[str, str] | None = None) -> pd.DataFrame:
    orgs = load_organizations(EXAMPLES / "organizations.toml")
    rows = rank_rows(place_frame(load_file(EXAMPLES / "posts.csv").posts, orgs, choose_model("none"),
                                 source="posts.csv"))
    if names:
        rows["org"] = rows["org"].replace(names)
    return rows[rows["status"] == "ok"]


def _draw_all(audited: dict[str, AuditResult]) -> None:
    for name in ("Acme", "Dunmore", "Corvid"):
        org_posts, inbound = _org_frames(audited[name])
        plots.monthly_activity(org_posts)
        plots.response_times(inbound)
        plots.response_by_sentiment(inbound)
        plots.departments_and_voices(org_posts)
    scored = _scored()
    score_plots.stage_distribution(scored)
    score_plots.key_features(scored)


def _legends(fig: Figure) -> list[Legend]:
    return [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]


def _bars(fig: Figure) -> list[Rectangle]:
    return [p for ax in fig.axes for p in ax.patches
            if isinstance(p, Rectangle) and p.get_width() != 0 and p.get_height() != 0 and p.get_visible()]


def test_legends_cover_no_bar(audited: dict[str, AuditResult], figures: list[Figure]) -> None:
    _draw_all(audited)
    checked = 0
    for fig in figures:
        canvas = FigureCanvasAgg(fig)  # as savefig drew it
        canvas.draw()
        renderer = canvas.get_renderer()
        page = fig.bbox
        for legend in _legends(fig):
            box = legend.get_window_extent(renderer)
            assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1 and page.y0 - 1 <= box.y0 \
                and box.y1 <= page.y1 + 1, f"legend cut off in {fig.axes[0].get_title()!r}"
            for bar in _bars(fig):
                assert not box.overlaps(bar.get_window_extent(renderer)), \
                    f"the legend covers a bar in {fig.axes[0].get_title() or fig.get_suptitle()!r}"
            checked += 1
    assert checked >= 10


def _visible(colour: object) -> bool:
    red, green, blue, alpha = to_rgba(colour)
    return alpha > 0.2 and min(red, green, blue) < 0.92  # not transparent, not white on the white page


def test_every_series_swatch_is_visible(audited: dict[str, AuditResult], figures: list[Figure]) -> None:
    _draw_all(audited)
    for fig in figures:
        for legend in _legends(fig):
            handles = legend.legend_handles
            assert handles and len(handles) == len(legend.get_texts())
            for handle, text in zip(handles, legend.get_texts(), strict=True):
                colour = handle.get_color() if isinstance(handle, Line2D) else handle.get_facecolor()
                assert handle.get_visible() and _visible(colour), f"swatch of {text.get_text()!r} is not visible"


def test_plots_draw_names_in_any_script(figures: list[Figure]) -> None:
    if len(plots.plot_fonts()) == 1:
        pytest.skip("no CJK font is installed (Debian: apt-get install fonts-ipafont-gothic; make test does it)")
    assert plots.plot_fonts()[0] == "DejaVu Sans"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        score_plots.key_features(_scored({"Acme": CJK_NAME}))
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert any(CJK_NAME in t.get_text() for ax in figures[-1].axes for t in ax.get_yticklabels())


def test_the_report_says_the_stage_on_the_0_6_scale(audited: dict[str, AuditResult]) -> None:
    html = render_audit_report(audited["Acme"], generated="2026-12-03")
    assert re.search(r"Stage 5 on the 0-6 scale", html)
    assert "Stage 5 of 6" not in html


def test_the_report_fonts_fall_back_to_fonts_for_every_script(audited: dict[str, AuditResult]) -> None:
    html = render_audit_report(audited["Acme"], generated="2026-12-03")
    stacks = re.findall(r"font(?:-family)?:([^;]+);", html)
    body = next(s for s in stacks if "Source Sans" in s)
    families = [f.strip().strip('"') for f in body.split(",")]
    for needed in ("Noto Sans CJK JP", "Hiragino Sans", "Microsoft YaHei", "PingFang SC", "Malgun Gothic",
                   "Noto Sans Arabic"):
        assert needed in families
    assert families[-1] == "sans-serif" and families.index("DejaVu Sans") < families.index("Noto Sans CJK JP")
    mono = next(s for s in stacks if "monospace" in s)
    assert "Noto Sans CJK JP" in mono and mono.strip().endswith("monospace")


def test_activity_over_centuries_stays_a_readable_plot() -> None:
    # dates in year 1 and 2099 beside 2024 (a broken export): per year, only the years with posts (it drew
    # 25,000 monthly bars for minutes)
    import pandas as pd

    from socialstage.report.plots import MAX_BARS, monthly_activity

    times = pd.to_datetime(["0001-01-01T00:00:00Z", "2024-03-04T09:00:00Z", "2024-05-04T09:00:00Z",
                            "2099-01-01T00:00:00Z"], utc=True, format="ISO8601")
    posts = pd.DataFrame({"created_at": times, "category": ["broadcast", "dialogue", "broadcast", "broadcast"]})
    plot = monthly_activity(posts)
    assert "per year over 3 years with posts" in plot.alt, plot.alt
    months = monthly_activity(posts.iloc[1:3])
    assert "per month over 3 months" in months.alt and MAX_BARS >= 100
