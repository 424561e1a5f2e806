"""``socialstage score`` over every brand of the real TWCS sample (``../shared/data``; skipped when absent)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_score import interrupt_then_resume

from socialstage.batch.ranking import expected_stage
from socialstage.batch.rows import PROBABILITY_COLUMNS, ROW_COLUMNS
from socialstage.cli import cli

TWCS_5K = Path(__file__).resolve().parents[1].parent / "shared/data/twcs/twcs_5k.csv"

pytestmark = pytest.mark.skipif(
    not TWCS_5K.exists(), reason=f"the TWCS sample {TWCS_5K} is not available (it lives outside the repository)"
)


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("twcs_score") / "whole.csv"
    result = CliRunner().invoke(cli, ["score", "--posts", str(TWCS_5K), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def lean(row: dict[str, str]) -> float:
    return expected_stage({k: float(v) if v else None for k, v in row.items()
                           if k in (*PROBABILITY_COLUMNS, "stage_index")})


def evidence_and_stage(row: dict[str, str]) -> tuple[bool, int, int]:
    """The first levels of the ranking rule: sufficient evidence first, then higher stage and proven stage."""
    low = int(row["stage_range"].split("-")[0])
    return (row["thin_evidence"] == "true", -int(row["stage_index"]), -low)


def test_every_brand_gets_one_row_ranked_by_evidence_then_stage_then_expected_stage(whole: Path) -> None:
    brands = {r["author_id"] for r in read(TWCS_5K) if r["inbound"] == "False" and r["author_id"]}
    rows = read(whole)
    assert list(rows[0]) == list(ROW_COLUMNS)
    assert len(brands) == 76 and sorted(r["org"] for r in rows) == sorted(brands)
    assert {r["status"] for r in rows} == {"ok"}  # every brand posted in the sample
    assert [int(r["rank"]) for r in rows] == list(range(1, 77))
    percentiles = [float(r["percentile"]) for r in rows]
    assert percentiles[0] == 100.0 and percentiles[-1] == 0.0 and percentiles == sorted(percentiles, reverse=True)
    levels = [evidence_and_stage(r) for r in rows]
    assert levels == sorted(levels)
    for row in rows:  # thin: fewer than 10 posts by it, or addressed to it where those are in the data
        few = float(row["org_posts"]) < 10 or (row["inbound_view"] != "absent" and float(row["inbound"]) < 10)
        assert (row["thin_evidence"] == "true") == few, row["org"]
    assert any(r["thin_evidence"] == "true" for r in rows) and rows[0]["thin_evidence"] == "false"
    for above, below in itertools.pairwise(rows):
        if evidence_and_stage(above) != evidence_and_stage(below):
            continue
        lean_above, lean_below = lean(above), lean(below)
        assert lean_above >= lean_below, (above["org"], below["org"])
        if lean_above == lean_below:  # within a stage and lean: answered more, or missing last
            rate_above = float(above["response_rate"]) if above["response_rate"] else -1.0
            rate_below = float(below["response_rate"]) if below["response_rate"] else -1.0
            assert rate_above >= rate_below, (above["org"], below["org"])
    amazon = next(r for r in rows if r["org"] == "AmazonHelp")
    assert float(amazon["response_rate"]) > 0.5 and float(amazon["org_posts"]) > 100


def test_interrupted_and_resumed_the_output_is_the_same(whole: Path, tmp_path: Path) -> None:
    out = tmp_path / "resumed.csv"
    resumed = interrupt_then_resume(TWCS_5K, out, 30, "default", chunk_size=10)
    assert resumed.exit_code == 0, resumed.output
    assert "30 kept from an earlier run" in resumed.stderr
    assert out.read_bytes() == whole.read_bytes()
