"""``socialstage score``: the evidence behind each rank (the stage range, thin evidence, the counts) in every output,
and the ranking by it: a verdict from a handful of posts never outranks one placed on hundreds."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from classifier.stages import STAGES
from socialstage.batch.ranking import rank_rows
from socialstage.batch.rows import ROW_COLUMNS, rows_frame
from socialstage.cli import cli
from socialstage.report import render_score_report

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
COLUMNS = ["platform", "post_id", "author", "created_at", "text", "in_reply_to_id", "in_reply_to_author"]
EVIDENCE_COLUMNS = ["stage_low", "stage_high", "stage_range", "thin_evidence", "inbound_view", "decide"]
NAMES = {stage.name: stage.index for stage in STAGES}
#: (own announcements, people asking it, questions it answers) per organization, over 12 weeks:
#: BigCo broadcasts 120 posts (Listening: no dialogue; nothing addressed to it in the data), TinyCo answers 5 of
#: 6 questions and posts nothing else (5 posts: thin), DeskCo answers 6 of 8 (30 posts but 8 addressed to it:
#: thin), MidCo answers 24 of 30 beside 20 announcements (44 posts, 30 addressed to it: sufficient).
ORGS = {"BigCo": (120, 0, 0), "TinyCo": (0, 6, 5), "DeskCo": (24, 8, 6), "MidCo": (20, 30, 24)}


def run(*args: str | Path, width: int = 100) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], terminal_width=width)


def org_posts(handle: str, broadcasts: int, asks: int, answered: int, weeks: int = 12) -> list[dict[str, str]]:
    """Import-format rows: ``broadcasts`` announcements spread over ``weeks``, ``asks`` people asking the
    organization, the first ``answered`` of them answered an hour later."""
    span = timedelta(weeks=weeks)

    def post(pid: str, author: str, at: datetime, text: str, parent: str = "", to: str = "") -> dict[str, str]:
        return {"platform": "twitter", "post_id": pid, "author": author, "created_at": at.isoformat(), "text": text,
                "in_reply_to_id": parent, "in_reply_to_author": to}

    rows = [post(f"{handle}-b{i}", handle, T0 + span * i / broadcasts, f"News number {i} from us")
            for i in range(broadcasts)]
    for i in range(asks):
        at = T0 + span * (i + 0.5) / asks
        rows.append(post(f"{handle}-q{i}", f"fan{i}", at, f"@{handle} is my order {i} coming?"))
        if i < answered:
            rows.append(post(f"{handle}-a{i}", handle, at + timedelta(hours=1), f"@fan{i} yes, it ships today",
                             f"{handle}-q{i}", f"fan{i}"))
    return rows


@pytest.fixture
def posts_file(write_csv: Callable[..., Path]) -> Path:
    return write_csv([row for name, spec in ORGS.items() for row in org_posts(name, *spec)], columns=COLUMNS)


@pytest.fixture
def list_file(tmp_path: Path) -> Path:
    path = tmp_path / "list.csv"
    path.write_text("org,platform,handle\n" + "".join(f"{name},twitter,{name}\n" for name in [*ORGS, "Nobody"]),
                    encoding="utf-8")
    return path


def scored(list_file: Path, posts_file: Path, out: Path, model: str = "none") -> list[dict[str, Any]]:
    result = run("score", list_file, "--posts", posts_file, "--out", out, "--model", model)
    assert result.exit_code == 4, result.output  # Nobody has no data
    return json.loads(out.read_text(encoding="utf-8"))


# -- the ranking ------------------------------------------------------------------------------------


def test_a_handful_of_posts_ranks_below_hundreds_at_the_same_stage_and_below_every_sufficient_verdict(
    list_file: Path, posts_file: Path, tmp_path: Path
) -> None:
    rows = {r["org"]: r for r in scored(list_file, posts_file, tmp_path / "scores.json")}
    big, tiny, desk, mid = (rows[name] for name in ORGS)
    assert (big["org_posts"], tiny["org_posts"]) == (120, 5)
    assert big["stage"] == tiny["stage"] == "Listening"
    assert tiny["response_rate"] > 0.8 and big["response_rate"] is None  # the old rule put TinyCo first
    assert [r["thin_evidence"] for r in (big, tiny, desk, mid)] == [False, True, True, False]
    assert desk["stage_index"] > big["stage_index"]  # thin at a higher stage ...
    assert big["rank"] < tiny["rank"] and big["rank"] < desk["rank"]  # ... still ranks below
    ranked = sorted((r for r in rows.values() if r["status"] == "ok"), key=lambda r: r["rank"])
    thin = [r["thin_evidence"] for r in ranked]
    assert thin == sorted(thin) and [r["rank"] for r in ranked] == [1, 2, 3, 4]
    for group in (False, True):  # within sufficient and within thin evidence: higher stage first
        stages = [r["stage_index"] for r in ranked if r["thin_evidence"] is group]
        assert stages == sorted(stages, reverse=True)
    assert rows["Nobody"]["rank"] is None and rows["Nobody"]["thin_evidence"] is None


def test_with_the_shipped_model_thin_verdicts_still_rank_last(
    list_file: Path, posts_file: Path, tmp_path: Path
) -> None:
    rows = [r for r in scored(list_file, posts_file, tmp_path / "scores.json", model="default") if r["status"] == "ok"]
    by_rank = sorted(rows, key=lambda r: r["rank"])
    thin = [r["thin_evidence"] for r in by_rank]
    assert thin == sorted(thin) and thin.count(True) == 2
    assert {r["org"] for r in by_rank[:2]} == {"BigCo", "MidCo"}


def placed(org: str, stage: int, *, thin: bool | None, low: int | None = None, rate: float | None = None,
           posts: float = 50.0) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update(org=org, accounts=f"twitter:{org}", status="ok", message="", stage=STAGES[stage].name,
               stage_index=stage, thin_evidence=thin, response_rate=rate, org_posts=posts)
    if low is not None:
        row.update(stage_low=STAGES[low].name, stage_high=STAGES[stage].name, stage_range=f"{low}-{stage}")
    return row


def test_rank_order_evidence_then_stage_then_proven_stage_then_rate_then_posts_then_name() -> None:
    rows = [
        placed("Guess", 6, thin=True, low=1, rate=1.0, posts=4),
        placed("Proven", 4, thin=False, low=4, rate=0.5),
        placed("Open", 4, thin=False, low=2, rate=0.9),
        placed("Top", 5, thin=False, low=2, rate=0.1),
        placed("Quiet", 1, thin=False, low=1, posts=300),
        placed("Busy", 1, thin=False, low=1, rate=0.2, posts=10),
        placed("b", 1, thin=False, low=1, posts=300),
        placed("B", 1, thin=False, low=1, posts=300),
        placed("Unknown", 3, thin=None),  # a row without the evidence columns: not marked thin, proven = stage
        placed("Hunch", 2, thin=True, low=1, rate=0.9, posts=3),
    ]
    ranked = rank_rows(rows_frame(rows))
    assert list(ranked["org"]) == ["Top", "Proven", "Open", "Unknown", "Busy", "B", "b", "Quiet", "Guess", "Hunch"]
    assert list(ranked["rank"]) == list(range(1, 11))


# -- the outputs ------------------------------------------------------------------------------------


def test_csv_rows_carry_the_range_and_the_evidence(list_file: Path, posts_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    assert run("score", list_file, "--posts", posts_file, "--out", out, "--model", "none").exit_code == 4
    with out.open(encoding="utf-8", newline="") as handle:
        rows = {r["org"]: r for r in csv.DictReader(handle)}
    header = list(next(iter(rows.values())))
    at = header.index("rubric_stage") + 1
    assert header[at:at + len(EVIDENCE_COLUMNS)] == EVIDENCE_COLUMNS
    for name in ORGS:
        row = rows[name]
        low, high = NAMES[row["stage_low"]], NAMES[row["stage_high"]]
        assert row["stage_range"] == f"{low}-{high}" and low <= int(row["stage_index"]) <= high
        assert row["thin_evidence"] in ("true", "false")
        assert row["inbound_view"] in ("visible", "partial", "absent")
        assert bool(row["decide"]) == (low != high)
    assert (rows["BigCo"]["thin_evidence"], rows["BigCo"]["inbound_view"], rows["BigCo"]["inbound"]) == \
           ("false", "absent", "0")  # nothing addressed to it in the data: its rates are unmeasurable
    assert (rows["TinyCo"]["thin_evidence"], rows["TinyCo"]["org_posts"]) == ("true", "5")
    assert rows["MidCo"]["thin_evidence"] == "false" and rows["MidCo"]["inbound_view"] == "visible"
    assert [rows["Nobody"][c] for c in EVIDENCE_COLUMNS] == [""] * len(EVIDENCE_COLUMNS)


def test_parquet_and_json_keep_the_types(list_file: Path, posts_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    assert run("score", list_file, "--posts", posts_file, "--out", out, "--model", "none").exit_code == 4
    frame = pd.read_parquet(out)
    assert list(frame.columns) == list(ROW_COLUMNS)
    assert pd.api.types.is_bool_dtype(frame["thin_evidence"])
    assert frame["thin_evidence"].isna().sum() == 1  # Nobody
    assert pd.api.types.is_integer_dtype(frame["org_posts"]) and pd.api.types.is_integer_dtype(frame["inbound"])
    rows = {r["org"]: r for r in scored(list_file, posts_file, tmp_path / "scores.json")}
    assert rows["TinyCo"]["thin_evidence"] is True and rows["BigCo"]["thin_evidence"] is False
    assert type(rows["BigCo"]["org_posts"]) is int and type(rows["TinyCo"]["inbound"]) is int


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The terminal table's cells by organization (split on runs of two or more spaces)."""
    return {cells[1] if cells[0].isdigit() else cells[0]: cells
            for line in stdout.splitlines() if (cells := re.split(r"\s{2,}", line.strip()))
            and any(name in cells for name in [*ORGS, "Nobody"])}


def test_the_terminal_table_shows_the_range_the_counts_and_marks_thin_evidence(
    list_file: Path, posts_file: Path
) -> None:
    result = run("score", list_file, "--posts", posts_file, "--model", "none")
    assert result.exit_code == 4, result.output
    lines = result.stdout.splitlines()
    assert max(len(line.rstrip()) for line in lines) <= 100
    header = next(line for line in lines if line.lstrip().startswith("#"))
    assert re.split(r"\s+", header.strip())[-3:] == ["answered", "posts", "inbound"]
    assert "range" in header and "evidence" in header
    rows = table_rows(result.stdout)
    assert [rows[name][0] for name in ("MidCo", "BigCo", "DeskCo", "TinyCo")] == ["1", "2", "3", "4"]
    assert rows["BigCo"][-2:] == ["120", "0"]
    assert rows["TinyCo"][-2:] == ["5", "6"] and rows["MidCo"][-2:] == ["44", "30"]
    assert "thin" in rows["TinyCo"] and "thin" in rows["DeskCo"]
    assert "thin" not in rows["BigCo"] and "thin" not in rows["MidCo"]
    assert rows["BigCo"][2] == "1 Listening" and re.fullmatch(r"1(-\d)?", rows["BigCo"][3])  # stage, then range
    assert "no_data" in rows["Nobody"]
    assert any(line.startswith("thin = placed on fewer than 10 posts") for line in lines)


def test_the_report_shows_the_range_the_counts_and_marks_thin_evidence(
    list_file: Path, posts_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scores.parquet"
    assert run("score", list_file, "--posts", posts_file, "--out", out, "--model", "none").exit_code == 4
    html = render_score_report(pd.read_parquet(out), title="Ranks")
    ranking = html[html.index('id="ranking"'):html.index('id="plots"')]
    rows = {re.search(r'<strong class="org">(.*?)</strong>', r).group(1): r
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", ranking, flags=re.S) if 'class="org"' in r}
    assert list(rows) == ["MidCo", "BigCo", "DeskCo", "TinyCo"]
    cells = {org: re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S) for org, row in rows.items()}
    assert cells["BigCo"][4:6] == ["120", '0<span class="bio">not in the data</span>']
    assert cells["TinyCo"][4:6] == ["5", "6"]
    assert "thin evidence" in rows["TinyCo"] and "thin evidence" in rows["DeskCo"]
    assert "thin evidence" not in rows["BigCo"] and "thin evidence" not in rows["MidCo"]
    assert "Listening – " in cells["TinyCo"][3] and "Between Listening and" in cells["TinyCo"][3]
