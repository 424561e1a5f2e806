"""Content signals: what org posts carry (tracked links, polls, feedback asks)."""

from __future__ import annotations

import pandas as pd

from features import text as textsig
from features.frames import OrgFrames


def _share(frames: OrgFrames, flags: pd.Series) -> pd.Series:
    return frames.per_org(flags.groupby(frames.org_posts["org"]).mean())


def tracked_link_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts with a tracked link: a link whose query has a campaign parameter
    (``utm_source=`` and the others in ``features/data/tracking_parameters.txt``) or whose host is
    an analytics shortener (``features/data/link_shorteners.txt``). No org posts: missing."""
    posts = frames.org_posts
    return _share(frames, textsig.tracked_links(posts["urls"], posts["text"]))


def poll_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that are polls (``is_poll``). No org posts: missing."""
    return _share(frames, frames.org_posts["is_poll"].fillna(False).astype(bool))


def feedback_ask_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that ask for feedback: a phrase from ``features/data/feedback_phrases.txt``
    (survey, tell us, rate your, review us ...), case-insensitive, as whole words with an optional
    inflection of the last word (``polls``, ``voted``; not ``pollution``). No org posts: missing."""
    return _share(frames, textsig.feedback_asks(frames.org_posts["text"]))


def measurement_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that carry any measurement mechanism: a tracked link, a poll or a feedback
    ask (each post counted once). No org posts: missing."""
    posts = frames.org_posts
    flags = (
        textsig.tracked_links(posts["urls"], posts["text"])
        | posts["is_poll"].fillna(False).astype(bool)
        | textsig.feedback_asks(posts["text"])
    )
    return _share(frames, flags)
