"""Conversation: broadcast versus dialogue, and how the organization answers its inbound."""

from __future__ import annotations

import pandas as pd

from features.frames import OrgFrames


def _category_share(frames: OrgFrames, category: str) -> pd.Series:
    posts = frames.org_posts
    counts = (posts["category"] == category).groupby(posts["org"]).sum()
    totals = posts.groupby("org").size()
    return frames.per_org(counts / totals)


def broadcast_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that speak to everyone rather than answer or amplify someone: original
    posts, replies within the organization (threads continued by an org account) and reposts or
    quotes of the organization's own posts. With ``dialogue_share`` and ``amplification_share`` it
    sums to 1. No org posts: missing."""
    return _category_share(frames, "broadcast")


def dialogue_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that reply to a non-org author (a reply whose target is unknown counts as
    non-org; replies to oneself or another org account do not count). No org posts: missing."""
    return _category_share(frames, "dialogue")


def amplification_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that repost or quote a non-org author's post. No org posts: missing."""
    return _category_share(frames, "amplification")


def posts_to_replies_ratio(frames: OrgFrames) -> pd.Series:
    """Broadcast posts per dialogue reply (``broadcast`` count / ``dialogue`` count). No dialogue
    replies: missing (the ratio is undefined, not zero)."""
    posts = frames.org_posts
    broadcast = (posts["category"] == "broadcast").groupby(posts["org"]).sum()
    dialogue = (posts["category"] == "dialogue").groupby(posts["org"]).sum()
    return frames.per_org(broadcast / dialogue.where(dialogue > 0))


def inbound(frames: OrgFrames) -> pd.Series:
    """Number of inbound posts in the window: non-org posts that reply to an org post, reply to an
    org account, or mention an org handle. Empty: 0."""
    return frames.per_org(frames.inbound.groupby("org").size(), fill=0.0)


def response_rate(frames: OrgFrames) -> pd.Series:
    """Share of inbound posts answered by an org reply within 7 days. No inbound: missing."""
    return frames.per_org(frames.inbound.groupby("org")["answered"].mean())


def question_response_rate(frames: OrgFrames) -> pd.Series:
    """Share of inbound posts containing a question mark (outside links) that were answered within 7
    days. No such inbound: missing."""
    questions = frames.inbound[frames.inbound["is_question"]]
    return frames.per_org(questions.groupby("org")["answered"].mean())


def _answered_hours(frames: OrgFrames) -> pd.core.groupby.SeriesGroupBy:
    answered = frames.inbound[frames.inbound["answered"]]
    return answered.groupby("org")["response_hours"]


def response_time_median_hours(frames: OrgFrames) -> pd.Series:
    """Median hours from an answered inbound post to the first org reply (mean of the two middle
    values when the count is even). No answered inbound: missing."""
    return frames.per_org(_answered_hours(frames).median())


def response_time_p90_hours(frames: OrgFrames) -> pd.Series:
    """90th percentile of the hours to the first org reply over answered inbound, by linear
    interpolation between order statistics (numpy's default). No answered inbound: missing."""
    return frames.per_org(_answered_hours(frames).quantile(0.9))
