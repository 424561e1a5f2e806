"""The single-organization outputs show the verdict honestly: the range, what would decide it, who decided and why,
what the data cannot show, and evidence that is met, not met or unmeasurable (text at 80 columns, and HTML)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import markupsafe
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from classifier.evidence import MET, NOT_MET, UNMEASURABLE
from classifier.stages import STAGES
from collectors.simulated import SimulatedOrg, posts_frame, simulate_org
from socialstage.audit.placement import AuditResult, audit_posts
from socialstage.audit.render import shorten, status_text
from socialstage.audit.verdict import apply_model, choose_model
from socialstage.cli import cli
from socialstage.report import render_audit_report

HANDLE = "measuring_co"


@pytest.fixture(scope="module")
def sim() -> SimulatedOrg:
    return simulate_org(3, seed=1, weeks=8)


@pytest.fixture(scope="module")
def own_posts(sim: SimulatedOrg) -> pd.DataFrame:
    """An own-timeline export: every post not authored by the organization's accounts dropped."""
    posts = posts_frame([sim])
    handles = {a.handle.lower() for a in sim.organization.accounts}
    own = posts[posts["author"].str.lower().isin(handles)]
    assert 0 < len(own) < len(posts)
    return own


@pytest.fixture(scope="module")
def own_file(own_posts: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("own") / "own.csv"
    own_posts.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def own_audit(sim: SimulatedOrg, own_posts: pd.DataFrame) -> AuditResult:
    result = audit_posts(own_posts, [sim.organization], source="own timeline")[0]
    apply_model([result], choose_model("none"))
    return result


def audit_cli(path: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["audit", "--posts", str(path), "--org", HANDLE, "--account",
                                      f"twitter:{HANDLE}", *args], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result


def flat(text: str) -> str:
    """The text without the panel's borders, its words joined by single spaces."""
    return " ".join(re.sub(r"[│╭╮╰╯─┃┏┓┗┛━┡┩╇┳┻┼├┤┬┴┌┐└┘]", " ", text).split())


@pytest.mark.parametrize("model", ["none", "default"])
def test_text_output_shows_the_range_the_decision_the_view_and_unmeasurable_lines(own_file: Path, model: str) -> None:
    data = json.loads(audit_cli(own_file, "--model", model, "--format", "json").output)
    low, high = data["stage_range"]["low"], data["stage_range"]["high"]
    assert low["index"] < high["index"] and data["stage_range"]["decide"]  # an own timeline cannot settle it
    assert data["view"]["inbound"] == "absent" and data["counts"]["inbound"] == 0
    assert any(e["status"] == UNMEASURABLE and e["reason"] for e in data["evidence"])
    output = audit_cli(own_file, "--model", model).output
    assert max(len(line) for line in output.splitlines()) <= 80
    text = flat(output)
    assert f"range: {low['name']} to {high['name']} ({low['index']}-{high['index']})" in text
    assert data["stage_range"]["decide"] in text
    assert f"verdict: {data['verdict_reason']}" in text
    assert f"view: the data cannot show how it answers the people who address it: {data['view']['reason']}" in text
    if data["stage_range"]["coverage"] is not None:
        likely = ", ".join(data["stage_range"]["likely"])
        assert f"likely {likely} ({data['stage_range']['coverage']:.0%} prediction set)" in text
    evidence = text[text.index("Evidence (criteria per stage)"):]
    assert "criterion measured status" in evidence
    assert "unmeasurable no post addressed to the organization is in the data" in evidence
    assert "posts addressed to measuring_co are not in the data" not in text  # said once, by the view line


def test_text_output_of_a_settled_stage_says_this_stage_only(run_cli, db_path: Path) -> None:
    assert run_cli("demo", "--save", "--db", db_path).exit_code == 0
    data = json.loads(run_cli("audit", "demo-measuring", "--db", db_path, "--format", "json").output)
    assert data["view"]["inbound"] == "visible"
    runner = CliRunner()
    text = flat(runner.invoke(cli, ["audit", "demo-measuring", "--db", str(db_path)], env={"COLUMNS": "80"}).output)
    low, high = data["stage_range"]["low"]["index"], data["stage_range"]["high"]["index"]
    expected = "range: this stage only" if low == high else f"({low}-{high})"
    assert expected in text and "verdict: " in text and "view:" not in text
    statuses = {e["status"] for e in data["evidence"]}
    assert {MET, NOT_MET} <= statuses and " yes " not in text.split("Evidence")[1]


def test_status_text_colours_and_reasons() -> None:
    from classifier.rubric import Evidence

    line = Evidence(3, "Measuring", "response rate >= 20%", "response_rate", None, ">=", 0.2, False,
                    status=UNMEASURABLE, certain=False, reason="no post addressed to the organization is in the "
                    "data, though it replied to 25 (the data holds its own posts only)")
    text = status_text(line)
    assert text.plain.startswith("unmeasurable\n") and text.plain.endswith("…")
    assert text.style == "yellow"
    assert len(text.plain.split("\n")[1]) <= 64
    doubtful = Evidence(4, "Letting Go", "x", "amplification_share", 0.08, ">=", 0.1, False, status=NOT_MET,
                        certain=False, reason="40 posts: 90% interval 3% to 17%")
    assert status_text(doubtful).plain == "not met (uncertain)\n40 posts: 90% interval 3% to 17%"
    sure = Evidence(1, "Listening", "x", "org_posts", 5.0, ">=", 1, True, status=MET)
    assert status_text(sure).plain == "met"
    assert shorten("a, " + "b" * 80).endswith("…") and shorten("short") == "short"


def test_html_report_shows_the_range_the_decision_the_view_and_unmeasurable_lines(own_audit: AuditResult) -> None:
    html = render_audit_report(AuditResult(**{**own_audit.__dict__, "frames": None}))
    low, high = own_audit.stage_range
    assert low < high
    block = html[html.index('id="stage-range"'):html.index('id="evidence"')]
    assert f"{STAGES[low].name} to {STAGES[high].name} ({low}-{high})" in block
    assert str(markupsafe.escape(own_audit.rubric.decide)) in block
    assert str(markupsafe.escape(own_audit.verdict_reason)) in block
    view = block[block.index('id="view"'):]
    assert "What the data cannot show" in view and str(markupsafe.escape(own_audit.rubric.view.reason)) in view
    ladder = html[html.index('class="ladder"'):]
    ladder = ladder[:ladder.index("</table>")]
    assert ladder.count('class="idx in-range"') == high - low + 1
    assert ladder.count('class="tag range-tag"') == high - low + 1 and 'class="tag likely"' not in ladder
    evidence = html[html.index('id="evidence"'):]
    evidence = evidence[:evidence.index("</section>")]
    unmeasurable = [e for e in own_audit.rubric.evidence if e.status == UNMEASURABLE]
    assert unmeasurable and evidence.count('<span class="unmeasurable">? unmeasurable</span>') == len(unmeasurable)
    assert evidence.count('<span class="met">✓ met</span>') == sum(e.status == MET for e in own_audit.rubric.evidence)
    assert str(markupsafe.escape(unmeasurable[0].reason)) in evidence
    assert ".unmeasurable {" in html  # the third status has its own style


def test_html_ladder_marks_the_likely_stages(own_audit: AuditResult) -> None:
    low, high = own_audit.stage_range
    likely = AuditResult(**{**own_audit.__dict__, "frames": None, "likely": [low, high], "coverage": 0.9})
    html = render_audit_report(likely)
    ladder = html[html.index('class="ladder"'):]
    assert ladder[:ladder.index("</table>")].count('class="tag likely"') == 2
    assert f"likely {STAGES[low].name}, {STAGES[high].name} (90% prediction set)" in html
