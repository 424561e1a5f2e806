"""Message types of org posts: how much an organization tells, asks to act, and converses.

Each org post has one type (``OrgFrames.org_posts["message_type"]``, set by ``features.frames.prepare``
with ``features.message_types``): information, action or dialogue, after Lovejoy and Saxton's typology.
The three shares below add up to one for every organization with org posts.
"""

from __future__ import annotations

import pandas as pd

from features.frames import OrgFrames
from features.grouping import share


def _type_share(frames: OrgFrames, message_type: str) -> pd.Series:
    return share(frames, "org_posts", frames.org_posts["message_type"] == message_type)


def information_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts whose message type is information (telling: news, facts, announcements), by the
    shipped message-type classifier (``features.message_types.classify_messages``; a stored type is kept).
    Every org post counts once: a reply is typed with its addressee as context (a reply to someone else is
    addressed, a reply to oneself in a thread is not), a repost takes the type of the reposted text, a quote
    that of its own comment. No org posts: missing."""
    return _type_share(frames, "information")


def action_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts whose message type is action (asking the audience to do something: buy, join,
    sign up, attend, donate, vote, click, watch ...), typed as for ``information_share``. No org posts:
    missing."""
    return _type_share(frames, "action")


def dialogue_message_share(frames: OrgFrames) -> pd.Series:
    """Share of org posts whose message type is dialogue (conversation: replies that converse, questions to
    the audience, thanks, greetings, apologies), typed as for ``information_share``. Unlike
    ``dialogue_share`` (every org reply to a non-org author) this reads what a post says. No org posts:
    missing."""
    return _type_share(frames, "dialogue")
