"""Per-organization counts, shares and distinct counts on integer codes equal pandas' group-bys bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features.frames import OrgFrames
from features.grouping import counts, distinct, share

ORGS = pd.Index(["a", "b", "c"], name="org")  # "c" never has a row


def _frames(rows: list[tuple[str, str | None, str | None, bool, bool]]) -> OrgFrames:
    posts = pd.DataFrame(rows, columns=["org", "platform", "signature", "flag", "among"])
    posts = posts.astype({"org": "str", "flag": bool, "among": bool})
    empty = pd.DataFrame({"org": pd.Series(dtype="str")})
    return OrgFrames(ORGS, empty, posts, empty, pd.DataFrame(index=ORGS))


row = st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["x", "y", None]), st.sampled_from(["^AB", "-Jo", None]),
                st.booleans(), st.booleans())


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(row, max_size=30))
def test_counts_shares_and_distinct_values_equal_pandas(rows) -> None:
    frames = _frames(rows)
    posts = frames.org_posts
    expected_counts = posts.groupby("org").size().reindex(ORGS).fillna(0.0).astype(float)
    pd.testing.assert_series_equal(counts(frames, "org_posts"), expected_counts, check_names=False)
    among = posts[posts["among"]]
    expected_share = among.groupby("org")["flag"].mean().reindex(ORGS).astype(float)
    got = share(frames, "org_posts", posts["flag"], among=posts["among"])
    assert [v.hex() for v in got] == [v.hex() for v in expected_share]
    signed = posts.dropna(subset=["platform", "signature"]).drop_duplicates(["org", "platform", "signature"])
    expected_distinct = signed.groupby("org").size().reindex(ORGS).fillna(0.0).astype(float)
    pd.testing.assert_series_equal(distinct(frames, "org_posts", ["platform", "signature"]), expected_distinct,
                                   check_names=False)
    expected_nunique = posts[posts["flag"]].groupby("org")["platform"].nunique().reindex(ORGS).fillna(0.0)
    pd.testing.assert_series_equal(distinct(frames, "org_posts", ["platform"], rows=posts["flag"]),
                                   expected_nunique.astype(float), check_names=False)


def test_an_organization_without_rows_counts_zero_and_has_no_share() -> None:
    frames = _frames([("a", "x", None, True, True), ("a", "y", "^AB", False, True)])
    assert counts(frames, "org_posts").tolist() == [2.0, 0.0, 0.0]
    assert share(frames, "org_posts", frames.org_posts["flag"]).iloc[0] == 0.5
    assert np.isnan(share(frames, "org_posts", frames.org_posts["flag"]).iloc[1])
    assert distinct(frames, "org_posts", ["platform", "signature"]).tolist() == [1.0, 0.0, 0.0]


def test_rows_of_an_unknown_organization_are_refused() -> None:
    frames = _frames([("z", "x", None, True, True)])
    with pytest.raises(ValueError, match="not in the frames"):
        counts(frames, "org_posts")
