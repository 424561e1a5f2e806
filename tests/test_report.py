"""HTML reports without a browser: escaping of untrusted fields, self-containment, sections, plots, score ranks."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import markupsafe
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from report_demo import HOSTILE_ORG, HOSTILE_STRINGS, hostile_audit

from classifier.stages import STAGES
from collectors.simulated import simulate_org
from socialstage.audit.placement import KEY_FEATURES, AuditResult
from socialstage.report import render_audit_report, render_score_report, write_score_report

AUDIT_SECTIONS = ("verdict", "stage-heading", "key-figures", "next-steps", "evidence", "plots", "examples",
                  "accounts")
AUDIT_PLOTS = ("plot-monthly", "plot-response_times", "plot-sentiment", "plot-departments")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the ids seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    @property
    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def hostile() -> AuditResult:
    """A Propagating organization (4 weeks) with hostile posts, handle, display name, bio and name."""
    return hostile_audit(simulate_org(6, seed=1, weeks=4), model="none")


def variant(result: AuditResult, **changes: object) -> AuditResult:
    """A copy of ``result`` with ``changes``; without post-level frames (no plots: fast) unless given."""
    return AuditResult(**{**result.__dict__, "frames": None, **changes})


@pytest.fixture(scope="module")
def hostile_html(hostile: AuditResult) -> str:
    return render_audit_report(hostile)


def test_every_untrusted_field_is_escaped(hostile_html: str) -> None:
    for text in HOSTILE_STRINGS:
        assert text not in hostile_html, text
        assert str(markupsafe.escape(text)) in hostile_html, text
    tags = {tag for tag, _ in parse(hostile_html).tags}
    assert not tags & {"script", "svg", "iframe", "a", "b", "i", "link"}, tags


def test_report_is_self_contained(hostile_html: str) -> None:
    tags = parse(hostile_html).tags
    sources = [a.get("src") or "" for tag, a in tags if "src" in a]
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources), sources
    assert not [a for _, a in tags if "href" in a]
    for tag, attrs in tags:
        for name, value in attrs.items():
            assert not re.search(r"(?i)https?:|javascript:", value or ""), (tag, name, value)
    style = hostile_html[hostile_html.index("<style>"):hostile_html.index("</style>")]
    assert "url(" not in style and "@import" not in style and "@font-face" not in style
    assert "Content-Security-Policy" in hostile_html


def test_every_section_and_plot_is_present(hostile: AuditResult, hostile_html: str) -> None:
    ids = parse(hostile_html).ids
    assert set(AUDIT_SECTIONS + AUDIT_PLOTS) <= ids, set(AUDIT_SECTIONS + AUDIT_PLOTS) - ids
    assert "plot-trajectory" not in ids and "trajectory" not in ids  # no trajectory asked for
    heading = re.search(r'<h2 id="stage-heading">(.*?)</h2>', hostile_html)
    assert heading and heading.group(1) == STAGES[hostile.stage].name
    ladder = hostile_html[hostile_html.index('class="ladder"'):hostile_html.index("</table>")]
    assert [s.name for s in reversed(STAGES)] == re.findall(r'<td>(\w[\w ]*?)\s*(?:<span|</td>)', ladder)
    assert ladder.count('class="placed"') == 1
    for evidence in hostile.rubric.evidence:
        assert evidence.feature in hostile_html
    for name in KEY_FEATURES:
        assert f'<span class="feature">{name}</span>' in hostile_html
    assert hostile_html.count("Organization</dt>") == 1 and "Stage model</dt>" in hostile_html


def test_plots_are_pngs_with_content(hostile_html: str) -> None:
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', hostile_html)
    assert len(uris) == len(AUDIT_PLOTS)
    for uri in uris:
        image = Image.open(io.BytesIO(base64.b64decode(uri))).convert("L")
        assert image.width > 400 and image.height > 200
        assert np.asarray(image, dtype=float).std() > 10  # not a blank picture


def test_example_posts_show_hostile_posts_as_text(hostile_html: str) -> None:
    unanswered = hostile_html[hostile_html.index('id="examples-unanswered"'):]
    unanswered = unanswered[:unanswered.index("</table>")]
    assert "&lt;script&gt;window.__pwned_text=1&lt;/script&gt;" in unanswered
    assert "@&#34;&gt;&lt;svg onload=window.__pwned_svg=1&gt;" in unanswered
    replies = hostile_html[hostile_html.index('id="examples-replies"'):]
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;" in replies[:replies.index("</table>")]


def test_disagreement_marks_rubric_and_model(hostile: AuditResult) -> None:
    other = (hostile.rubric.stage + 3) % len(STAGES)
    hostile_copy = variant(hostile, model_stage=other, method="rubric",
                           probabilities={s.name: (0.9 if s.index == other else 0.1 / 6) for s in STAGES})
    html = render_audit_report(hostile_copy)
    assert html.count('class="tag rubric"') == 1 and html.count('class="tag model"') == 1
    assert f"most probable stage is {STAGES[other].name}" in html
    assert "90%" in html


def test_warnings_and_collection_notes_are_shown(hostile: AuditResult) -> None:
    noted = variant(hostile, warnings=["nobody addressed <b>x</b>"],
                    collection_notes=["twitter:acme: mentions forbidden"])
    html = render_audit_report(noted)
    notes = html[html.index('id="notes"'):html.index('id="key-figures"')]
    assert "nobody addressed &lt;b&gt;x&lt;/b&gt;" in notes and "Collection: twitter:acme: mentions forbidden" in notes
    assert 'id="notes"' not in render_audit_report(variant(hostile, warnings=[]))


def test_report_without_post_data_or_trajectory_says_so(hostile: AuditResult) -> None:
    bare = variant(hostile, trajectory=None)
    html = render_audit_report(bare)
    ids = parse(html).ids
    assert "No post-level data" in html
    assert not ids & set(AUDIT_PLOTS) and "examples" not in ids
    assert "stage-heading" in ids


def test_trajectory_is_plotted_and_short_periods_say_so(hostile: AuditResult) -> None:
    periods = [
        {"period": "2026-Q1", "start": "2026-01-01T00:00:00+00:00", "end": "2026-04-01T00:00:00+00:00",
         "stage": 2, "stage_name": "Participating", "enough_data": True, "reason": None},
        {"period": "2026-Q2", "start": "2026-04-01T00:00:00+00:00", "end": "2026-07-01T00:00:00+00:00",
         "stage": None, "stage_name": None, "enough_data": False, "reason": "too quiet: 2 organization posts"},
        {"period": "2026-Q3", "start": "2026-07-01T00:00:00+00:00", "end": "2026-10-01T00:00:00+00:00",
         "stage": 5, "stage_name": "Actively Engaging", "enough_data": True, "reason": None},
    ]
    html = render_audit_report(variant(hostile, trajectory=periods))
    ids = parse(html).ids
    assert {"trajectory", "plot-trajectory"} <= ids
    table = html[html.index('id="trajectory"'):]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    assert [re.search(r"<td[^>]*>(.*?)</td>", r).group(1) for r in rows] == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert "31 Mar 2026" in rows[0]  # the period's last day, not the next period's start
    assert "too little data" in rows[1] and "too quiet: 2 organization posts" in rows[1] and "Participating" in rows[0]
    assert "Actively Engaging" in rows[2] and "Measurable" in rows[2]


def _score_rows() -> pd.DataFrame:
    """Rows as ``socialstage score`` writes them, out of rank order, one hostile and two not scored."""
    stages = {"Zeta": (5, 2), "Alpha": (6, 1), HOSTILE_ORG: (3, 3), "Beta": (0, 4)}
    rows = []
    for org, (stage, rank) in stages.items():
        row = {"org": org, "accounts": f"twitter:{org.lower()[:5]}", "status": "ok", "message": "",
               "stage": STAGES[stage].name, "stage_index": stage, "journey": "", "method": "rubric",
               "rubric_stage": STAGES[stage].name, "rank": rank, "percentile": 100 * (4 - rank) / 3}
        row.update({name: 0.1 * stage for name in KEY_FEATURES})
        rows.append(row)
    rows.append({"org": "Gone", "accounts": "twitter:gone", "status": "not_found",
                 "message": "<b>no such account</b>"})
    rows.append({"org": "Slow", "accounts": "twitter:slow", "status": "rate_limited", "message": "retry later"})
    return pd.DataFrame(rows).sample(frac=1.0, random_state=3)


def test_score_report_ranks_escapes_and_keeps_every_row(tmp_path: Path) -> None:
    path = write_score_report(_score_rows(), tmp_path / "compare.html", title="Rivals <2026>", source="test rows")
    html = path.read_text(encoding="utf-8")
    ranking = html[html.index('id="ranking"'):html.index('id="plots"')]
    assert re.findall(r'<strong class="org">(.*?)</strong>', ranking) == [
        "Alpha", "Zeta", str(markupsafe.escape(HOSTILE_ORG)), "Beta"]
    assert HOSTILE_ORG not in html and "Rivals &lt;2026&gt;" in html
    not_scored = html[html.index('id="not-scored"'):]
    assert "Gone" in not_scored and "Slow" in not_scored and "&lt;b&gt;no such account&lt;/b&gt;" in not_scored
    assert "6 listed, 4 scored" in html
    ids = parse(html).ids
    assert {"plot-stages", "plot-features", "by-stage", "features"} <= ids
    assert all(s.startswith("data:image/png") for tag, a in parse(html).tags if (s := a.get("src")))


def test_score_report_names_missing_columns() -> None:
    with pytest.raises(ValueError, match="rank"):
        render_score_report(pd.DataFrame({"org": ["a"], "status": ["ok"], "stage_index": [1]}), title="x")


def test_audit_without_report_does_not_load_matplotlib(tmp_path: Path, fixtures_dir: Path) -> None:
    """The plain audit stays fast: matplotlib and the report package load only with --report."""
    code = (
        "import sys\nfrom click.testing import CliRunner\nfrom socialstage.cli import cli\n"
        f"r = CliRunner().invoke(cli, ['audit', '--posts', {str(fixtures_dir / 'acme_posts.csv')!r},"
        " '--org', 'AcmeHelp', '--model', 'none'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('matplotlib', 'socialstage.report') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parent.parent)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_cli_audit_writes_the_report(run_cli, tmp_path: Path, fixtures_dir: Path) -> None:
    report = tmp_path / "acme.html"
    result = run_cli("audit", "--posts", fixtures_dir / "acme_posts.csv", "--org", "AcmeHelp", "--model", "none",
                     "--report", report)
    assert result.exit_code == 0, result.output
    assert f"Wrote the report {report}" in result.stderr
    html = report.read_text(encoding="utf-8")
    assert 'id="stage-heading"' in html and "AcmeHelp" in html
    assert set(AUDIT_PLOTS) <= parse(html).ids


def test_cli_report_into_a_missing_folder_is_a_clean_error(run_cli, clean_error, tmp_path: Path,
                                                           fixtures_dir: Path) -> None:
    result = run_cli("audit", "--posts", fixtures_dir / "acme_posts.csv", "--org", "AcmeHelp", "--model", "none",
                     "--report", tmp_path / "nowhere" / "acme.html")
    assert result.exit_code == 1  # one line, before any work, like every output refused (test_safe_writes_cli)
    clean_error(result, str(tmp_path / "nowhere"), "does not exist")


def test_cli_score_writes_the_comparison(run_cli, tmp_path: Path, fixtures_dir: Path) -> None:
    report = tmp_path / "brands.html"
    result = run_cli("score", "--posts", fixtures_dir / "twcs_layout.csv", "--model", "none", "--report", report)
    assert result.exit_code == 0, result.output
    assert f"Wrote the report {report}" in result.stderr
    html = report.read_text(encoding="utf-8")
    assert "Competitor comparison: twcs_layout.csv" in html
    assert re.findall(r'<strong class="org">(.*?)</strong>', html) == ["AcmeCare"]
    assert {"plot-stages", "plot-features"} <= parse(html).ids


def test_score_report_with_bare_rows_or_nothing_scored() -> None:
    bare = render_score_report(pd.DataFrame({"org": ["A"], "status": ["ok"], "stage_index": [2], "rank": [1]}),
                               title="bare")
    assert re.findall(r'<strong class="org">(.*?)</strong>', bare) == ["A"] and "plot-features" in bare
    failed = pd.DataFrame({"org": ["B"], "status": ["not_found"], "message": ["gone"], "stage_index": [None],
                           "rank": [None]})
    html = render_score_report(failed, title="none")
    assert "No organization could be scored" in html and 'id="not-scored"' in html and "gone" in html
