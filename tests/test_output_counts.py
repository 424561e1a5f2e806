"""Counts are integers in every output: ``192``, never ``192.0`` (JSON, CSV, Parquet); missing stays empty."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from classifier.rubric import DIALOGUE_REPLIES, RUBRIC
from features.registry import COUNT_FEATURES, REGISTRY, output_features

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
POSTS, ORGS, LIST = EXAMPLES / "posts.csv", EXAMPLES / "organizations.toml", EXAMPLES / "competitors.csv"
SHOWN_COUNTS = ("org_posts", "inbound", "distinct_voices", "departments")


def test_count_features_are_registered_and_cover_the_rubric_counts() -> None:
    assert set(REGISTRY) >= COUNT_FEATURES
    counted = {c.feature for c in RUBRIC if c.unit == "count"} - {DIALOGUE_REPLIES}
    assert counted <= COUNT_FEATURES
    assert output_features({"org_posts": 192.0, "inbound": None, "response_rate": 1.0, "accounts": float("nan")}) \
        == {"org_posts": 192, "inbound": None, "response_rate": 1.0, "accounts": pytest.approx(float("nan"),
                                                                                              nan_ok=True)}
    assert type(output_features({"departments": 3.0})["departments"]) is int


def test_audit_json_writes_counts_as_integers(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "acme.json"
    result = run_cli("audit", "Acme", "--posts", POSTS, "--orgs", ORGS, "--by", "month", "--format", "json",
                     "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    data = json.loads(text)
    for name in COUNT_FEATURES:
        assert type(data["features"][name]) is int, (name, data["features"][name])
    assert f'"org_posts": {data["features"]["org_posts"]},' in text
    counted = [e for e in data["evidence"] if e["feature"] in COUNT_FEATURES or e["feature"] == DIALOGUE_REPLIES]
    assert counted and all(type(e["value"]) is int and type(e["threshold"]) is int for e in counted)
    assert type(data["features"]["response_rate"]) is float
    for period in data["trajectory"]:
        assert all(type(period[n]) is int for n in ("org_posts", "inbound", "distinct_voices"))


def _score(run_cli, tmp_path: Path, suffix: str) -> Path:
    listing = tmp_path / "list.csv"
    listing.write_text(LIST.read_text(encoding="utf-8") + "Nobody,twitter,nobody_here,\n", encoding="utf-8")
    out = tmp_path / f"scores{suffix}"
    result = run_cli("score", listing, "--posts", POSTS, "--model", "none", "--out", out)
    assert result.exit_code == 4, result.output  # Nobody is no_data
    return out


def test_score_csv_writes_counts_as_integers(run_cli, tmp_path: Path) -> None:
    with _score(run_cli, tmp_path, ".csv").open(encoding="utf-8", newline="") as handle:
        rows = {r["org"]: r for r in csv.DictReader(handle)}
    for name in SHOWN_COUNTS:
        assert rows["Acme"][name].isdigit(), (name, rows["Acme"][name])
        assert rows["Nobody"][name] == ""
    assert "." in rows["Acme"]["response_rate"]


def test_score_json_writes_counts_as_integers(run_cli, tmp_path: Path) -> None:
    rows = {r["org"]: r for r in json.loads(_score(run_cli, tmp_path, ".json").read_text(encoding="utf-8"))}
    for name in SHOWN_COUNTS:
        assert type(rows["Dunmore"][name]) is int
        assert rows["Nobody"][name] is None
    assert type(rows["Dunmore"]["stage_index"]) is int


def test_score_parquet_writes_counts_as_integers(run_cli, tmp_path: Path) -> None:
    frame = pd.read_parquet(_score(run_cli, tmp_path, ".parquet"))
    for name in SHOWN_COUNTS:
        assert pd.api.types.is_integer_dtype(frame[name]), (name, frame[name].dtype)
    nobody = frame[frame["org"] == "Nobody"].iloc[0]
    assert pd.isna(nobody["org_posts"])
    assert frame.loc[frame["org"] == "Acme", "org_posts"].iloc[0] > 0
