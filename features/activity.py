"""Presence and activity: how much the organization posts, how regularly, and where."""

from __future__ import annotations

import pandas as pd

from features.frames import OrgFrames
from features.grouping import counts, distinct


def org_posts(frames: OrgFrames) -> pd.Series:
    """Number of posts authored by the organization's accounts in the window. Empty: 0."""
    return counts(frames, "org_posts")


def posts_per_week(frames: OrgFrames) -> pd.Series:
    """``org_posts`` divided by the window's length in weeks, counting a window shorter than a week
    as one week (so a one-day sample is not extrapolated). Empty: 0; no window at all: missing."""
    weeks = (frames.windows["days"] / 7.0).clip(lower=1.0)
    return org_posts(frames) / weeks.reindex(frames.orgs)


def active_weeks_share(frames: OrgFrames) -> pd.Series:
    """Share of the window's 7-day periods (counted from the window's start; a last partial period
    counts as one) that hold at least one org post. Empty: 0; no window at all: missing."""
    return distinct(frames, "org_posts", ["week"]) / frames.windows["weeks"].reindex(frames.orgs)


def accounts(frames: OrgFrames) -> pd.Series:
    """Number of the organization's accounts that posted in the window. Empty: 0."""
    posted = frames.accounts[frames.accounts["posted"]]
    return frames.per_org(posted.groupby("org").size(), fill=0.0)


def platforms(frames: OrgFrames) -> pd.Series:
    """Number of distinct platforms on which the organization posted in the window. Empty: 0."""
    return distinct(frames, "org_posts", ["platform"])
