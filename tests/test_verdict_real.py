"""The verdict on real organizations: leave one data set out over the labeled table, and thin TWCS brands.

The leave-one-dataset-out figures are recomputed from ``labeled_data/labels.csv`` (feature values only, in the
repository) and must match the shipped card. The TWCS checks read ``../shared/data`` and skip when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from classifier.labels import read_labels
from classifier.persistence import DEFAULT_MODEL, read_card
from classifier.training import choose_features
from classifier.validation import leave_one_dataset_out

LABELS = Path(__file__).resolve().parents[1] / "labeled_data"
TWCS_5K = Path(__file__).resolve().parents[1].parent / "shared/data/twcs/twcs_5k.csv"


@pytest.fixture(scope="module")
def lodo() -> dict:
    table = read_labels(LABELS)
    features, _ = choose_features(table)
    return leave_one_dataset_out(table, features)


def test_only_real_rows_are_scored_and_every_real_data_set_is_left_out(lodo: dict) -> None:
    table = read_labels(LABELS)
    real = table[table["source"] == "real"]
    assert lodo["rows"] == len(real)
    assert set(lodo["datasets"]) == set(real["source_dataset"])
    assert {p["org"] for p in lodo["placements"]} <= set(real["org"])


def test_the_verdict_holds_on_every_left_out_data_set(lodo: dict) -> None:
    for name, figures in lodo["by_dataset"].items():
        verdict = figures["verdict"]
        assert verdict["exact_accuracy"] >= 0.7, name
        assert verdict["within_one_accuracy"] >= 0.95, name
        assert verdict["confident_two_off"] == 0, name
        # the verdict is never worse than the better of the model and the rubric by more than one row's worth
        best = max(figures["model"]["exact_accuracy"], figures["rubric"]["exact_accuracy"])
        assert verdict["exact_accuracy"] >= best - 1 / verdict["rows"], name


def test_the_shipped_card_holds_these_figures(lodo: dict) -> None:
    card = read_card(DEFAULT_MODEL)
    shipped = card["leave_one_dataset_out"]
    assert shipped["verdict_by_regime"] == lodo["verdict_by_regime"] == card["verdict_by_regime"]
    for name, figures in lodo["by_dataset"].items():
        assert shipped["by_dataset"][name]["verdict"] == pytest.approx(figures["verdict"]), name
    assert card["calibration"]["temperature"] == lodo["calibration"]["temperature"]
    assert lodo["calibration"]["after"]["ece"] < lodo["calibration"]["before"]["ece"]


@pytest.mark.skipif(not TWCS_5K.exists(), reason=f"the TWCS sample {TWCS_5K} is not available (outside the repository)")
def test_thin_twcs_brands_get_wide_ranges_and_no_confidence() -> None:
    from collectors.files import read_posts
    from socialstage.audit.organizations import organization_from_options
    from socialstage.audit.placement import audit_posts
    from socialstage.audit.verdict import apply_model, choose_model

    posts = read_posts(TWCS_5K).posts
    brands = sorted({a for a in posts["author"].astype(str) if not a.isdigit()})
    results = audit_posts(posts, [organization_from_options(b, [f"twitter:{b}"]) for b in brands], source="twcs")
    apply_model(results, choose_model(None))
    thin = [r for r in results if r.counts["posts"] < 10 or r.counts["inbound"] < 10]
    assert len(thin) >= 20  # JetBlue, VirginAmerica, YahooCare, AldiUK...
    for result in thin:
        low, high = result.stage_range
        assert high - low >= 1, result.org
        assert max(result.probabilities.values()) <= 0.8, result.org
        assert any(w.startswith("thin evidence") for w in result.warnings), result.org
    aldi = next(r for r in results if r.org == "AldiUK")
    assert aldi.stage <= 2  # answered 1 of 129 people
