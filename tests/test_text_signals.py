"""The text signals of the org posts (``features.signals``): read together, in two threads or in turn, or alone
when a feature asks for one, they are the same values; ``compute_features`` reads only those its features read."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from collectors.simulated import posts_frame, simulate_orgs
from features import compute_features, prepare, signals
from features.frames import OrgFrames


@pytest.fixture(scope="module")
def simulated() -> OrgFrames:
    orgs = simulate_orgs([2, 3, 6], seed=5, weeks=3)
    return prepare(posts_frame(orgs), [o.organization for o in orgs])


def _frames(simulated: OrgFrames) -> OrgFrames:
    """The prepared tables with nothing computed yet."""
    return replace(simulated, memo={})


def _equal(left: pd.Series | np.ndarray, right: pd.Series | np.ndarray) -> None:
    if isinstance(left, pd.Series):
        pd.testing.assert_series_equal(left, right)
    else:
        np.testing.assert_array_equal(left, right)


@pytest.mark.parametrize("threshold", [0, 10**9], ids=["in two threads", "in turn"])
def test_signals_read_together_equal_each_read_alone(simulated: OrgFrames, threshold: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals, "PARALLEL_ORG_POSTS", threshold)
    together = _frames(simulated)
    together.read_text_signals(signals.SIGNALS)
    alone = _frames(simulated)
    for name in signals.SIGNALS:
        _equal(together.memo[f"signal:{name}"], alone.text_signal(name))
    assert alone.text_signal("tracked_urls").any() and alone.text_signal("feedback_asks").any()


def test_features_read_together_equal_features_read_alone(simulated: OrgFrames,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals, "PARALLEL_ORG_POSTS", 0)
    every = compute_features(_frames(simulated))
    for name in every.columns:
        pd.testing.assert_frame_equal(compute_features(_frames(simulated), [name]), every[[name]])


def test_only_the_signals_of_the_features_asked_for_are_read(simulated: OrgFrames) -> None:
    frames = _frames(simulated)
    compute_features(frames, ["feedback_ask_share", "org_posts"])
    assert {key for key in frames.memo if key.startswith("signal:")} == {"signal:feedback_asks"}
    frames = _frames(simulated)
    compute_features(frames, ["measurement_share"])
    assert {key for key in frames.memo if key.startswith("signal:")} == {
        "signal:tracked_text", "signal:tracked_urls", "signal:feedback_asks", "signal:feedback_changes"}


def test_a_post_without_urls_holds_no_tracked_link_there(simulated: OrgFrames) -> None:
    from features import text as textsig

    own = _frames(simulated).org_posts
    expected = textsig.has_tracked_link(own["urls"]).to_numpy()  # every field read, a missing one as ""
    np.testing.assert_array_equal(signals.tracked_urls(signals.Reader(own, lambda _name, compute: compute())),
                                  expected)


@pytest.mark.parametrize("parallel", [True, False])
def test_prepare_codes_the_org_texts_beforehand_from_many_posts(monkeypatch: pytest.MonkeyPatch,
                                                                 parallel: bool) -> None:
    from features import frames as frames_module
    from features import text as textsig

    monkeypatch.setattr(frames_module, "PARALLEL_POSTS", 0 if parallel else 10**9)
    orgs = simulate_orgs([2, 3], seed=7, weeks=2)
    frames = prepare(posts_frame(orgs), [o.organization for o in orgs])
    assert (signals.ORG_TEXTS in frames.memo) is parallel  # fewer posts: coded when a signal first needs them
    coded, fresh = frames.org_texts(), textsig.DistinctTexts.of(frames.org_posts["text"])
    assert coded.index.equals(frames.org_posts.index)
    np.testing.assert_array_equal(coded.codes, fresh.codes)
    pd.testing.assert_series_equal(coded.uniques, fresh.uniques)
