"""Conversation: broadcast versus dialogue, and how the organization answers its inbound."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.frames import OrgFrames
from features.grouping import counts, org_codes, share
from features.post_keys import pair_keys
from features.signals import reads


def _category_share(frames: OrgFrames, category: str) -> pd.Series:
    return share(frames, "org_posts", frames.org_posts["category"] == category)


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


@reads("says_something")
def conversational_reply_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that are dialogue replies (as in ``dialogue_share``) saying something of their own:
    with @handles, #hashtags and links removed, at least ``textsig.OWN_WORDS`` (3) words remain, a word
    being a run of letters or digits; in a script written without spaces (Chinese, Japanese, Thai...) six
    such characters count as three words. A reply that is only a hashtag, a tag of other accounts or a
    greeting ("Congratulations!", "Happy Thanksgiving") is a reply in form, not yet conversation. No org
    posts: missing."""
    talking = frames.org_posts["category"] == "dialogue"  # the words are read only where they count
    talking[talking] = np.asarray(frames.text_signal("says_something"), dtype=bool)
    return share(frames, "org_posts", talking)


def amplification_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts that repost or quote a non-org author's post. No org posts: missing."""
    return _category_share(frames, "amplification")


def posts_to_replies_ratio(frames: OrgFrames) -> pd.Series:
    """Broadcast posts per dialogue reply (``broadcast`` count / ``dialogue`` count). No dialogue
    replies: missing (the ratio is undefined, not zero)."""
    category = frames.org_posts["category"]
    dialogue = counts(frames, "org_posts", category == "dialogue")
    return counts(frames, "org_posts", category == "broadcast") / dialogue.where(dialogue > 0)


def inbound(frames: OrgFrames) -> pd.Series:
    """Number of inbound posts in the window: non-org posts that reply to an org post, reply to an
    org account, or mention an org handle. Empty: 0."""
    return counts(frames, "inbound")


def response_rate(frames: OrgFrames) -> pd.Series:
    """Share of inbound posts answered by an org reply within 7 days. No inbound: missing."""
    return share(frames, "inbound", frames.inbound["answered"])


def question_response_rate(frames: OrgFrames) -> pd.Series:
    """Share of inbound posts containing a question mark (outside links) that were answered within 7
    days. No such inbound: missing."""
    return share(frames, "inbound", frames.inbound["answered"], among=frames.inbound["is_question"])


def _answered_hours(frames: OrgFrames) -> pd.core.groupby.SeriesGroupBy:
    answered = frames.inbound[["org", "response_hours"]][frames.inbound["answered"]]
    return answered.groupby("org")["response_hours"]


def response_time_median_hours(frames: OrgFrames) -> pd.Series:
    """Median hours from an answered inbound post to the first org reply (mean of the two middle
    values when the count is even). No answered inbound: missing."""
    return frames.per_org(_answered_hours(frames).median())


def response_time_p90_hours(frames: OrgFrames) -> pd.Series:
    """90th percentile of the hours to the first org reply over answered inbound, by linear
    interpolation between order statistics (numpy's default). No answered inbound: missing."""
    return frames.per_org(_answered_hours(frames).quantile(0.9))


@reads("addressed_names")
def personal_reply_share(frames: OrgFrames) -> pd.Series:
    """Share of dialogue replies (org replies to non-org authors) that are personal: signed by an agent
    (a sign-off such as ``^AB`` or ``-Maria``, ``features.text.signatures``) or addressing the person
    by name at the start (``Hi Jane,``, ``Thanks, Jane!``: a greeting, then a capitalised name, then
    punctuation; ``features.text.addressed_names``). No dialogue replies: missing."""
    replies = frames.org_posts["category"] == "dialogue"
    dialogue = replies.to_numpy()
    personal = frames.org_posts["signature"].notna().to_numpy() & dialogue
    named = pd.notna(np.asarray(frames.text_signal("addressed_names"), dtype=object))
    personal[dialogue] |= named  # names are read only where they count
    return share(frames, "org_posts", personal, among=dialogue)


def conversation_depth(frames: OrgFrames) -> pd.Series:
    """Mean number of posts per conversation the organization took part in: over the conversations
    (``conversation_id``, else the first post of the reply chain among the loaded posts) holding at
    least one org post of the window that is not a repost, the mean count of loaded posts in the
    conversation, any author, reposts excluded (a repost is not a turn); posts outside the window
    count, so a conversation is measured whole. A lone original post is a conversation of 1. No such
    conversation: missing."""
    turns = (frames.org_posts["kind"] != "repost").to_numpy()
    orgs = org_codes(frames, "org_posts")[turns]
    keys = frames.org_posts["conversation_key"].to_numpy()[turns]
    known = keys >= 0  # a post without a conversation key is in no loaded conversation
    _, first = np.unique(pair_keys(orgs[known], keys[known]), return_index=True)
    orgs, keys = orgs[known][first], keys[known][first]  # each (organization, conversation) once
    at = pd.Index(frames.conversations["conversation_key"].to_numpy()).get_indexer(keys)
    orgs, posts = orgs[at >= 0], frames.conversations["posts"].to_numpy(dtype=float)[at[at >= 0]]
    taken = np.bincount(orgs, minlength=len(frames.orgs)).astype(float)
    total = np.bincount(orgs, weights=posts, minlength=len(frames.orgs))  # whole numbers: exact in any order
    return pd.Series(total, index=frames.orgs) / pd.Series(taken, index=frames.orgs).where(taken > 0)


def _sentiment_response_rate(frames: OrgFrames, label: str) -> pd.Series:
    return share(frames, "inbound", frames.inbound["answered"], among=frames.inbound["sentiment_class"] == label)


def negative_inbound_response_rate(frames: OrgFrames) -> pd.Series:
    """Share of negative inbound posts (VADER compound <= -0.05; ``features.sentiment``) answered by an
    org reply within 7 days. No negative inbound: missing."""
    return _sentiment_response_rate(frames, "negative")


def positive_inbound_response_rate(frames: OrgFrames) -> pd.Series:
    """Share of positive inbound posts (VADER compound >= 0.05; ``features.sentiment``) answered by an
    org reply within 7 days. No positive inbound: missing."""
    return _sentiment_response_rate(frames, "positive")


def criticism_response_ratio(frames: OrgFrames) -> pd.Series:
    """``negative_inbound_response_rate`` / ``positive_inbound_response_rate``: 1 when criticism is
    answered as readily as praise, below 1 when less readily. Missing when either rate is missing (no
    negative or no positive inbound) or when no positive inbound was answered (0 / 0 and x / 0 are
    undefined)."""
    positive = positive_inbound_response_rate(frames)
    return negative_inbound_response_rate(frames) / positive.where(positive > 0)
