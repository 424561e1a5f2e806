"""Content signals: what org posts carry (tracked links, polls, feedback asks, feedback-change reports)."""

from __future__ import annotations

import pandas as pd

from features.frames import OrgFrames
from features.grouping import share
from features.signals import reads


def _share(frames: OrgFrames, flags: pd.Series) -> pd.Series:
    return share(frames, "org_posts", flags)


def _tracked(frames: OrgFrames) -> pd.Series:
    def tracked() -> pd.Series:  # textsig.tracked_links, the texts read through their distinct values coded once
        return frames.text_signal("tracked_text") | frames.text_signal("tracked_urls")

    return frames.cached("tracked_links", tracked)


def _asks(frames: OrgFrames) -> pd.Series:
    return frames.text_signal("feedback_asks")


def _changes(frames: OrgFrames) -> pd.Series:
    return frames.text_signal("feedback_changes")


@reads("tracked_text", "tracked_urls")
def tracked_link_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts with a tracked link: a link whose query has a campaign parameter
    (``utm_source=`` and the others in ``features/data/tracking_parameters.txt``) or whose host is
    an analytics shortener (``features/data/link_shorteners.txt``). No org posts: missing."""
    return _share(frames, _tracked(frames))


def poll_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that are polls (``is_poll``). No org posts: missing."""
    return _share(frames, frames.org_posts["is_poll"].fillna(False).astype(bool))


@reads("feedback_asks")
def feedback_ask_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that ask for feedback: a phrase from ``features/data/feedback_phrases.txt``
    (survey, tell us, rate your, review us ...), case-insensitive, as whole words with an optional
    inflection of the last word (``polls``, ``voted``; not ``pollution``). No org posts: missing."""
    return _share(frames, _asks(frames))


@reads("feedback_changes")
def feedback_change_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that report a change made because of feedback ("you asked, we changed"): a
    phrase from ``features/data/feedback_change_phrases.txt`` (you asked we, by popular demand, based on
    your feedback, we listened ...), case-insensitive, its words in order with only spaces or
    punctuation between them. No org posts: missing."""
    return _share(frames, _changes(frames))


@reads("tracked_text", "tracked_urls", "feedback_asks", "feedback_changes")
def measurement_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that carry any measurement mechanism or act on feedback: a tracked link, a
    poll, a feedback ask or a feedback-change report (each post counted once). No org posts: missing."""
    posts = frames.org_posts
    flags = _tracked(frames) | posts["is_poll"].fillna(False).astype(bool) | _asks(frames) | _changes(frames)
    return _share(frames, flags)
