"""Tests of the scale benchmark's code (bench/corpus.py, bench/scale_runs.py, bench/bench_scale.py): the 7-day
cut-off post-processing of the corpus, and the four workloads agreeing on a small corpus. No timings asserted."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

pytest.importorskip("duckdb")
pytest.importorskip("polars")

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import bench_scale  # noqa: E402
import corpus  # noqa: E402
import scale_runs  # noqa: E402

from collectors import simulated  # noqa: E402
from features import prepare  # noqa: E402

ORGS = 14  # two organizations of each stage


@cache
def _simulated() -> tuple[pd.DataFrame, list[dict], set[tuple[str, str]]]:
    orgs = [simulated._simulate(i % 7, 1, i // 7, None, 25, simulated.DEFAULT_START, None) for i in range(ORGS)]
    handles = {(a.platform, a.handle.lower()) for o in orgs for a in o.organization.accounts}
    definitions = [{"name": o.organization.name, "stage": o.stage,
                    "accounts": [{"platform": a.platform, "handle": a.handle, "department": a.department}
                                 for a in o.organization.accounts]} for o in orgs]
    return simulated.posts_frame(orgs), definitions, handles


def _delays(posts: pd.DataFrame) -> pd.Series:
    """Each reply's delay after its parent (replies to loaded posts only)."""
    parents = posts.set_index("post_id")["created_at"]
    replies = posts[posts["in_reply_to_id"].isin(parents.index)]
    return pd.Series(replies["created_at"].to_numpy() - parents.reindex(replies["in_reply_to_id"]).to_numpy(),
                     index=replies.index)


def test_cut_off_moves_a_share_of_answers_to_and_past_seven_days_deterministically() -> None:
    posts, _, handles = _simulated()
    before, after = _delays(posts), _delays(corpus.cut_off_answers(posts, handles))
    seven = pd.Timedelta(days=7)
    assert before.max() < seven  # the simulator alone never reaches the cut-off
    moved = after[after != before]
    assert (moved == seven).sum() > 0 and (moved == seven + pd.Timedelta(seconds=1)).sum() > 0
    assert (moved == seven - pd.Timedelta(seconds=1)).sum() > 0
    assert ((moved >= seven - pd.Timedelta(seconds=1)) & (moved <= seven + pd.Timedelta(hours=6))).all()
    org_replies = posts.loc[before.index, "author"].str.lower().isin({h for _, h in handles})
    assert 0.03 < len(moved) / org_replies.sum() < 0.10  # 10 % of the answers nothing follows
    assert corpus.cut_off_answers(posts, handles)["created_at"].equals(
        corpus.cut_off_answers(posts, handles)["created_at"])
    unchanged = posts.drop(columns="created_at").astype(str)
    assert corpus.cut_off_answers(posts, handles).drop(columns="created_at").astype(str).equals(unchanged)


def _write_root(root: Path) -> Path:
    posts, definitions, handles = _simulated()
    (root / "enriched").mkdir(parents=True)
    table = pa.Table.from_pandas(corpus.cut_off_answers(posts, handles), preserve_index=False)
    pq.write_table(table, root / "enriched" / "part-00000.parquet")
    (root / "orgs.json").write_text(json.dumps(definitions))
    return root


@pytest.fixture(scope="module")
def small_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_root(tmp_path_factory.mktemp("corpus"))


def test_the_project_applies_the_cut_off_at_seven_days_inclusive(small_root: Path) -> None:
    posts = pd.read_parquet(small_root / "enriched" / "part-00000.parquet")
    frames = prepare(posts, corpus.Corpus.organizations_at(small_root), sentiment=False)
    answered = frames.inbound[frames.inbound["answered"]]
    assert (answered["response_hours"] == 168.0).any()  # exactly 7 days: answered
    assert answered["response_hours"].max() == 168.0  # 7 days and 1 second or more: not


def test_the_four_workloads_agree_on_a_small_corpus(small_root: Path) -> None:
    outputs = {}
    for variant in scale_runs.VARIANTS:
        out = small_root / f"{variant}.parquet"
        figures = scale_runs.measure(small_root, variant, "parts", out)
        assert figures["batches"] == 1 and figures["peak_rss_gib"] > 0
        outputs[variant] = pd.read_parquet(out).set_index("org").sort_index()
    assert len(outputs["duckdb"]) == ORGS
    assert outputs["duckdb"]["answered"].sum() > 0
    assert not bench_scale.differences(outputs["project-all"][scale_runs.CORE], outputs["project-core"],
                                       scale_runs.CORE, [])
    assert not bench_scale.differences(outputs["project-all"], outputs["duckdb"], bench_scale.EXACT,
                                       [bench_scale.MEDIAN])
    assert not bench_scale.differences(outputs["duckdb"], outputs["polars"], bench_scale.REFERENCE_COUNTS,
                                       [bench_scale.MEDIAN])


def test_differences_reports_a_changed_count_and_a_far_median() -> None:
    left = pd.DataFrame({"inbound": [3.0, 4.0], "response_time_median_hours": [1.0, float("nan")]},
                        index=["a", "b"])
    assert not bench_scale.differences(left, left.copy(), ["inbound"], ["response_time_median_hours"])
    near = left.assign(response_time_median_hours=[1.0 + 1e-12, float("nan")])
    assert not bench_scale.differences(left, near, ["inbound"], ["response_time_median_hours"])
    changed = left.assign(inbound=[3.0, 5.0], response_time_median_hours=[1.001, float("nan")])
    problems = bench_scale.differences(left, changed, ["inbound"], ["response_time_median_hours"])
    assert len(problems) == 2 and problems[0].startswith("inbound: 1 orgs differ (first b")
