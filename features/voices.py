"""Voices and departments: how many people and parts of the organization speak."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.frames import OrgFrames
from features.grouping import distinct


def distinct_signatures(frames: OrgFrames) -> pd.Series:
    """Number of distinct (account, sign-off) pairs among org posts: agent sign-offs such as
    ``^AB``, ``*AB``, ``-Name``, ``/AB``, ``~AB`` at the end of a post, before any link or page
    counter (see ``features.text.signatures``). Empty: 0."""
    return distinct(frames, "org_posts", ["platform", "account", "signature"])  # an unsigned post: none


def distinct_voices(frames: OrgFrames) -> pd.Series:
    """``distinct_signatures`` plus the number of org accounts that posted in the window without
    ever signing (each such account is one voice). Empty: 0."""
    posting = distinct(frames, "org_posts", ["platform", "account"])
    signing = distinct(frames, "org_posts", ["platform", "account"], rows=frames.org_posts["signature"].notna())
    return distinct_signatures(frames) + (posting - signing)


def departments(frames: OrgFrames) -> pd.Series:
    """Number of distinct departments whose accounts posted in the window (an account with no
    department given counts as ``general``). Empty: 0."""
    return distinct(frames, "org_posts", ["department"])


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
    return distinct(frames, "org_posts", ["department"], rows=frames.org_posts["category"] == "dialogue")
