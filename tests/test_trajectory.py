"""The journey over time: audits per calendar period (``audit --by``), the too-little-data rule, the climbing
simulated organization, period boundaries, and the JSON contract through the CLI."""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import Result

from collectors.records import OrgAccount, Organization
from collectors.simulated import posts_frame
from collectors.simulated_climb import CLIMB_PHASES, simulate_climb
from features.periods import FREQUENCIES, calendar_periods
from socialstage.audit.placement import AuditResult, audit_posts
from socialstage.audit.trajectory import ENOUGH, PERIOD_FEATURES, PERIODS, Sufficiency, direction, trajectory
from socialstage.audit.verdict import ModelChoice, apply_model, choose_model

RUBRIC_ONLY = ModelChoice(None, "none", explicit=True)
ENTRY_KEYS = {"period", "start", "end", "window", "coverage", "enough_data", "reason", "stage", "stage_name",
              "stage_range", "journey", "method", "rubric_stage", "probabilities", *PERIOD_FEATURES}


def _audit(posts: pd.DataFrame, org: Organization, choice: ModelChoice = RUBRIC_ONLY, **window: object) -> AuditResult:
    result = audit_posts(posts, [org], source="test", **window)[0]  # type: ignore[arg-type]
    apply_model([result], choice)
    return result


@pytest.fixture(scope="module")
def climbing() -> tuple[pd.DataFrame, Organization]:
    sim = simulate_climb(seed=7)
    return posts_frame([sim]), sim.organization


@pytest.fixture(scope="module")
def climbing_audit(climbing: tuple[pd.DataFrame, Organization]) -> tuple[AuditResult, ModelChoice]:
    choice = choose_model(None)  # the shipped model and verdict rule, as `socialstage audit` uses them
    return _audit(*climbing, choice=choice), choice


# --- the climbing organization ------------------------------------------------------------------------------

def test_the_climbing_organization_shows_its_climb_quarter_by_quarter(
    climbing_audit: tuple[AuditResult, ModelChoice],
) -> None:
    result, choice = climbing_audit
    entries = trajectory(result, "quarter", choice)
    judged = [e for e in entries if e["enough_data"]]
    stages = [e["stage"] for e in judged]
    assert stages[0] <= 2 and stages[-1] == 5  # Participating or below, then Actively Engaging
    assert all(b >= a - 1 for a, b in pairwise(stages))  # non-decreasing up to one stage
    # Each 2026 quarter holds one generation phase (but for its first days), whose stage it is placed at.
    assert [(e["period"], e["stage"]) for e in judged] == [
        (f"2026-Q{q}", stage) for q, stage in zip(range(1, 5), CLIMB_PHASES, strict=True)]
    assert direction(entries).startswith("climbing: Participating (2026-Q1) -> Actively Engaging (2026-Q4)")
    responses = [e["response_rate"] for e in judged]
    assert responses == sorted(responses)  # more replies every quarter


def test_the_climb_shows_by_month_too_and_is_reproducible(climbing_audit: tuple[AuditResult, ModelChoice]) -> None:
    result, choice = climbing_audit
    stages = [e["stage"] for e in trajectory(result, "month", choice) if e["enough_data"]]
    assert len(stages) == 12 and stages[0] == 2 and stages[-1] == 5
    assert all(b >= a - 1 for a, b in pairwise(stages))
    again = simulate_climb(seed=7)
    assert posts_frame([again]).equals(posts_frame([simulate_climb(seed=7)]))
    assert not posts_frame([again]).equals(posts_frame([simulate_climb(seed=8)]))


def test_the_climbing_simulation_has_four_phases_and_unique_ids(climbing: tuple[pd.DataFrame, Organization]) -> None:
    posts, org = climbing
    sim = simulate_climb(seed=7)
    assert [stage for _, _, stage in sim.phases] == list(CLIMB_PHASES) and sim.stage == 5
    assert posts["post_id"].is_unique
    replies = posts["in_reply_to_id"].dropna()
    assert replies.isin(posts["post_id"]).all()  # renumbering kept every reply pointing at its parent
    assert {a.department for a in org.accounts} == {"general", "support"}
    support = posts["author"] == "climbing_co_help"
    first_support = posts.loc[support, "created_at"].min()
    assert first_support >= sim.phases[-1][0]  # the support account joins in the last phase


def test_each_period_is_audited_exactly_as_an_audit_over_that_period(
    climbing: tuple[pd.DataFrame, Organization], climbing_audit: tuple[AuditResult, ModelChoice],
) -> None:
    posts, org = climbing
    result, choice = climbing_audit
    entries = trajectory(result, "quarter", choice)
    for entry in (entries[1], entries[-1]):  # a whole quarter, and the cut-short last one
        alone = _audit(posts, org, choice, since=pd.Timestamp(entry["window"]["start"]),
                       until=pd.Timestamp(entry["window"]["end"]))
        for name in PERIOD_FEATURES:
            assert entry[name] == pytest.approx(alone.features[name], nan_ok=True), (entry["period"], name)
        if entry["enough_data"]:
            assert (entry["stage"], entry["rubric_stage"]) == (alone.stage, alone.rubric.stage)
            assert entry["probabilities"] == alone.probabilities


# --- too little data ----------------------------------------------------------------------------------------

def _posts(rows: list[tuple[str, str, str, str | None]]) -> pd.DataFrame:
    """Posts from (post_id, author, created_at, in_reply_to_id) rows."""
    frame = pd.DataFrame(rows, columns=["post_id", "author", "created_at", "in_reply_to_id"])
    frame["platform"] = "twitter"
    frame["is_poll"] = False
    frame["text"] = [("@acme help?" if a != "acme" else "Our news today") for a in frame["author"]]
    frame.loc[frame["in_reply_to_id"].notna() & (frame["author"] == "acme"), "text"] = "@cust thanks!"
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True, format="ISO8601")
    for column in ("in_reply_to_author", "repost_of_id", "quote_of_id", "conversation_id", "urls"):
        frame[column] = pd.Series(None, index=frame.index, dtype=object)
    return frame


ACME = Organization("acme", (OrgAccount("twitter", "acme"),))


def _daily(month: str, days: range, prefix: str) -> list[tuple[str, str, str, str | None]]:
    return [(f"{prefix}{d}", "acme", f"{month}-{d:02d}T10:00:00Z", None) for d in days]


def test_a_quiet_period_and_a_cut_short_period_say_so_instead_of_guessing() -> None:
    rows = (_daily("2024-01", range(20, 32), "j") + _daily("2024-02", range(1, 3), "f")
            + _daily("2024-03", range(1, 29), "m") + _daily("2024-04", range(1, 11), "a"))
    rows += [("c1", "cust", "2024-02-10T09:00:00Z", None), ("c2", "cust", "2024-02-11T09:00:00Z", None)]
    entries = trajectory(_audit(_posts(rows), ACME), "month", RUBRIC_ONLY)
    by_period = {e["period"]: e for e in entries}
    assert list(by_period) == ["2024-01", "2024-02", "2024-03", "2024-04"]
    january, february, march, april = by_period.values()
    assert january["enough_data"] is False and "covers 12 of its 31 days" in january["reason"]
    assert february["enough_data"] is False and february["reason"].startswith("too quiet: 2 organization posts")
    assert february["org_posts"] == 2 and february["inbound"] == 2  # the facts are still reported
    assert april["enough_data"] is False and "covers 9 of its 30 days" in april["reason"]  # data ends Apr 10, 10:00
    for entry in (january, february, april):
        assert entry["stage"] is None and entry["stage_name"] is None and entry["probabilities"] is None
    assert march["enough_data"] is True and march["reason"] is None and march["stage"] is not None
    assert direction(entries) == f"one period judged: {march['stage_name']} (2024-03); 1 of 4 periods judged"


def test_thresholds_live_in_one_place_and_can_be_changed() -> None:
    assert Sufficiency() == ENOUGH
    assert ENOUGH.reason(1.0, 31, 31, org_posts=ENOUGH.min_org_posts, inbound=0) is None
    assert ENOUGH.reason(1.0, 31, 31, org_posts=0, inbound=ENOUGH.min_inbound) is None  # addressed, silent
    assert ENOUGH.reason(1.0, 31, 31, org_posts=ENOUGH.min_org_posts - 1, inbound=ENOUGH.min_inbound - 1)
    assert ENOUGH.reason(ENOUGH.min_coverage - 0.01, 15, 31, org_posts=100, inbound=100)
    rows = _daily("2024-02", range(1, 3), "f")
    strict = trajectory(_audit(_posts(rows), ACME), "month", RUBRIC_ONLY)
    lenient = trajectory(_audit(_posts(rows), ACME), "month", RUBRIC_ONLY, Sufficiency(0.0, 1, 1))
    assert strict[0]["enough_data"] is False and lenient[0]["enough_data"] is True


# --- period boundaries --------------------------------------------------------------------------------------

BOUNDARY_ROWS = [
    ("p1", "acme", "2023-12-31T23:59:59Z", None),
    ("p2", "acme", "2024-01-01T00:30:00+01:00", None),  # 2023-12-31 23:30 UTC
    ("p3", "acme", "2024-01-01T00:00:00Z", None),
    ("p4", "acme", "2024-02-29T12:00:00Z", None),  # a leap day
    ("p5", "acme", "2024-03-01T00:00:00Z", None),
    ("p6", "acme", "2024-03-31T23:59:59.999999Z", None),
    ("p7", "acme", "2024-04-01T00:00:00Z", None),
]


@pytest.mark.parametrize(("by", "expected"), [
    ("month", {"2023-12": 2, "2024-01": 1, "2024-02": 1, "2024-03": 2, "2024-04": 1}),
    ("quarter", {"2023-Q4": 2, "2024-Q1": 4, "2024-Q2": 1}),
    ("year", {"2023": 2, "2024": 5}),
])
def test_posts_fall_in_the_right_calendar_period(by: str, expected: dict[str, int]) -> None:
    result = _audit(_posts(BOUNDARY_ROWS), ACME)
    entries = trajectory(result, by, RUBRIC_ONLY)
    assert {e["period"]: e["org_posts"] for e in entries} == expected
    assert sum(e["org_posts"] for e in entries) == result.features["org_posts"]  # nothing lost or counted twice
    for before, after in pairwise(entries):
        assert before["end"] == after["start"]


def test_calendar_period_bounds_are_utc_and_know_leap_years() -> None:
    months = calendar_periods(pd.Timestamp("2023-12-15", tz="UTC"), pd.Timestamp("2024-03-02", tz="UTC"), "month")
    assert months["period"].tolist() == ["2023-12", "2024-01", "2024-02", "2024-03"]
    february = months.iloc[2]
    assert (february["start"].isoformat(), february["end"].isoformat()) == (
        "2024-02-01T00:00:00+00:00", "2024-03-01T00:00:00+00:00")
    assert (february["end"] - february["start"]).days == 29
    quarters = calendar_periods(pd.Timestamp("2023-11-01T05:00:00-08:00"), pd.Timestamp("2024-01-01", tz="UTC"),
                                "quarter")
    assert quarters["period"].tolist() == ["2023-Q4", "2024-Q1"]
    assert quarters["start"].iloc[1].isoformat() == "2024-01-01T00:00:00+00:00"
    years = calendar_periods(pd.Timestamp("2024-06-01", tz="UTC"), pd.Timestamp("2024-06-01", tz="UTC"), "year")
    assert (years["end"] - years["start"]).iloc[0].days == 366
    with pytest.raises(ValueError, match="by must be one of"):
        calendar_periods(pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-02", tz="UTC"), "week")


def test_the_cli_offers_exactly_the_library_periods() -> None:
    from socialstage.cli import cli

    by = next(p for p in cli.get_command(click.Context(cli), "audit").params if p.name == "by")
    assert tuple(by.type.choices) == PERIODS == tuple(FREQUENCIES)  # type: ignore[attr-defined]


# --- through the command line -------------------------------------------------------------------------------

def test_audit_by_json_contract_and_text(run_cli: Callable[..., Result], tmp_path: Path) -> None:
    posts = tmp_path / "posts.csv"
    rows = BOUNDARY_ROWS + _daily("2024-01", range(2, 30), "j") + [("c1", "cust", "2024-01-05T09:00:00Z", None),
                                                                  ("r1", "acme", "2024-01-05T10:00:00Z", "c1")]
    _posts(rows).to_csv(posts, index=False)
    args = ("audit", "acme", "--posts", posts, "--model", "none", "--since", "2023-12-01", "--until", "2024-02-29")
    result = run_cli(*args, "--by", "month", "--format", "json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)["trajectory"]
    assert [e["period"] for e in entries] == ["2023-12", "2024-01", "2024-02"]
    for entry in entries:
        assert set(entry) == ENTRY_KEYS
    december, january, february = entries
    assert (december["start"], december["end"]) == ("2023-12-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00")
    assert february["window"]["end"].startswith("2024-02-29T23:59:59")  # --until is inclusive
    assert january["enough_data"] is True and january["stage_name"] and january["journey"]
    assert january["org_posts"] == 30 and january["inbound"] == 1 and january["response_rate"] == 1.0
    low, high = january["stage_range"]
    assert low <= january["stage"] <= high  # the judged period's range holds its stage
    assert december["enough_data"] is False and december["stage"] is None and "too quiet" in december["reason"]
    assert december["stage_range"] is None
    plain = run_cli(*args, "--format", "json")
    assert json.loads(plain.output)["trajectory"] is None  # always in the JSON: null without --by
    text = run_cli(*args, "--by", "month")
    assert text.exit_code == 0
    flat = " ".join(text.output.split())
    assert "Stage per period" in flat and "2023-12 not judged: too quiet" in flat
    row = next(line for line in text.output.splitlines() if line.startswith("2024-01 "))
    assert (f" {low} " if low == high else f" {low}-{high} ") in row, row  # the range column
    assert f"one period judged: {january['stage_name']} (2024-01); 1 of 3 periods judged" in flat


def test_demo_climb_shows_the_climb_through_the_cli(run_cli: Callable[..., Result]) -> None:
    result = run_cli("demo", "--climb", "--format", "json")
    assert result.exit_code == 0, result.output
    (audit,) = json.loads(result.output)
    assert audit["org"] == "demo-climbing"
    assert [(e["period"], e["stage"]) for e in audit["trajectory"]] == [
        ("2026-Q1", 2), ("2026-Q2", 3), ("2026-Q3", 4), ("2026-Q4", 5), ("2027-Q1", None)]


def test_a_bad_by_value_gets_clicks_error(run_cli: Callable[..., Result]) -> None:
    result = run_cli("audit", "acme", "--posts", "nothing.csv", "--by", "week")
    assert result.exit_code == 2
    assert "Invalid value for '--by'" in result.output and "'quarter'" in result.output
