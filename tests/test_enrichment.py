"""Per-post enrichment (features.enrichment): stored values are used by prepare and change no feature."""

from __future__ import annotations

import pandas as pd
import pytest

from collectors.simulated import posts_frame, simulate_orgs
from features import compute_features, prepare
from features.enrichment import ENRICHMENT_COLUMNS, enrich


@pytest.fixture(scope="module")
def simulated() -> tuple[pd.DataFrame, list]:
    orgs = simulate_orgs([3, 6], seed=4, weeks=2)
    return posts_frame(orgs), [o.organization for o in orgs]


@pytest.fixture(scope="module")
def enriched(simulated: tuple[pd.DataFrame, list]) -> pd.DataFrame:
    posts, orgs = simulated
    return enrich(posts, [key for org in orgs for key in org.keys])


def _features(posts: pd.DataFrame, orgs: list) -> pd.DataFrame:
    return compute_features(prepare(posts, orgs))


def test_enriched_posts_give_the_same_features(simulated: tuple[pd.DataFrame, list], enriched: pd.DataFrame) -> None:
    posts, orgs = simulated
    assert list(enriched.columns) == list(ENRICHMENT_COLUMNS)
    pd.testing.assert_frame_equal(_features(posts.join(enriched), orgs), _features(posts, orgs))


def test_without_accounts_every_post_is_enriched(simulated: tuple[pd.DataFrame, list]) -> None:
    posts, orgs = simulated
    some = posts.iloc[:300]
    everything = enrich(some)
    assert everything["message_type"].notna().all() and everything["signature"].notna().all()
    pd.testing.assert_frame_equal(_features(some.join(everything), orgs), _features(some, orgs))


def test_org_posts_get_types_and_signatures_others_sentiment(simulated: tuple[pd.DataFrame, list],
                                                             enriched: pd.DataFrame) -> None:
    posts, orgs = simulated
    accounts = [key for org in orgs for key in org.keys]
    own = posts["author"].str.lower().isin({handle for _, handle in accounts})
    assert enriched.loc[own, "message_type"].isin(["information", "action", "dialogue"]).all()
    assert enriched.loc[~own, "message_type"].isna().all()
    assert enriched.loc[own, "signature"].notna().all()  # "" where there is none
    assert (enriched.loc[own, "signature"] != "").any()
    assert enriched.loc[own, "sentiment"].isna().all()
    assert enriched.loc[~own, "sentiment"].notna().any()


def test_stored_values_are_used_not_recomputed(simulated: tuple[pd.DataFrame, list], enriched: pd.DataFrame) -> None:
    posts, orgs = simulated
    data = posts.join(enriched)
    first = data.index[data["message_type"].notna()][0]
    data.loc[first, "signature"] = "Zed"  # a stored value wins over the text
    frames = prepare(data, orgs)
    assert "Zed" in set(frames.org_posts["signature"].dropna())
    assert not (frames.org_posts["signature"] == "").any()  # "" is read as no signature


def test_a_type_stored_for_another_address_is_classified_again(simulated: tuple[pd.DataFrame, list],
                                                                enriched: pd.DataFrame) -> None:
    posts, orgs = simulated
    expected = prepare(posts, orgs).org_posts.set_index("post_id")["message_type"]
    own = enriched["message_type"].notna()
    flipped = posts.join(enriched)
    flipped.loc[own, "message_type_addressed"] = ~enriched.loc[own, "message_type_addressed"].astype(bool)
    flipped.loc[own, "message_type"] = "information"  # wrong, and stored for the other address: not used
    got = prepare(flipped, orgs).org_posts.set_index("post_id")["message_type"]
    assert len(got) == len(expected) and (got.reindex(expected.index) == expected).all()
    assert (expected != "information").any()
