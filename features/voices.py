"""Voices and departments: how many people and parts of the organization speak."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.frames import OrgFrames


def distinct_signatures(frames: OrgFrames) -> pd.Series:
    """Number of distinct (account, sign-off) pairs among org posts: agent sign-offs such as
    ``^AB``, ``*AB``, ``-Name``, ``/AB``, ``~AB`` at the end of a post, before any link or page
    counter (see ``features.text.signatures``). Empty: 0."""
    def count() -> pd.Series:
        signed = frames.org_posts[["org", "platform", "account", "signature"]].dropna(subset=["signature"])
        pairs = signed.drop_duplicates(["org", "platform", "account", "signature"])
        return frames.per_org(pairs.groupby("org").size(), fill=0.0)

    return frames.cached("distinct_signatures", count).copy()  # distinct_voices adds to it


def distinct_voices(frames: OrgFrames) -> pd.Series:
    """``distinct_signatures`` plus the number of org accounts that posted in the window without
    ever signing (each such account is one voice). Empty: 0."""
    posts = frames.org_posts
    signing = posts.groupby(["org", "platform", "account"])["signature"].count()
    unsigned = (signing == 0).groupby(level="org").sum()
    return distinct_signatures(frames) + frames.per_org(unsigned, fill=0.0)


def departments(frames: OrgFrames) -> pd.Series:
    """Number of distinct departments whose accounts posted in the window (an account with no
    department given counts as ``general``). Empty: 0."""
    return frames.per_org(frames.org_posts.groupby("org")["department"].nunique(), fill=0.0)


def department_entropy(frames: OrgFrames) -> pd.Series:
    """Shannon entropy, in bits, of the distribution of org posts over departments: 0 when one
    department speaks, log2(k) when k departments post equally. No org posts: missing."""
    counts = frames.org_posts.groupby(["org", "department"]).size()
    shares = counts / counts.groupby(level="org").transform("sum")
    entropy = (-shares * np.log2(shares)).groupby(level="org").sum()
    return frames.per_org(entropy + 0.0)


def engaging_departments(frames: OrgFrames) -> pd.Series:
    """Number of distinct departments with at least one dialogue reply (an org reply to a non-org
    author) in the window; a signed reply of a ``general`` account counts for ``support``. Empty: 0."""
    replies = frames.org_posts[["org", "department"]][frames.org_posts["category"] == "dialogue"]
    return frames.per_org(replies.groupby("org")["department"].nunique(), fill=0.0)
