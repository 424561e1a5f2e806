"""Per-post enrichment: values read from one post alone, computed once and kept with the post.

A store (or a corpus) keeps these columns beside the posts, and :func:`features.prepare` uses them instead of
computing them again; where a value is absent (a missing cell, or no column at all) prepare computes it, so the
features are the same with or without enrichment.

* ``signature``: the agent sign-off the text ends with (``features.text.signatures``); ``""`` when the text has
  none (computed: there is none), missing when not computed.
* ``message_type`` and ``message_type_addressed``: the message type (``features.message_types``) of the text read
  as addressed to someone (a reply to another author) or not. Whether an org post is addressed depends on the
  organization (a reply to a sibling account is not), so prepare keeps a stored type only where its
  ``message_type_addressed`` equals what the organization makes of the post, and classifies the others again.
* ``sentiment``: the VADER compound score (``features.sentiment``) of the posts that can be inbound to someone
  (not reposts; replies, or texts that mention a handle); missing for the others and for texts with no
  sentiment (prepare scores a missing one again when the post turns out to be inbound: cheap for an empty text).
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from collectors.records import normalize_platform
from features import message_types
from features import sentiment as sentiments
from features import text as textsig

logger = logging.getLogger(__name__)

ENRICHMENT_COLUMNS: tuple[str, ...] = ("signature", "message_type", "message_type_addressed", "sentiment")
#: Fewer posts than this are enriched in this process.
PARALLEL_MIN_POSTS = 50_000
#: Whether a text mentions a handle (as ``features.text.MENTION_RE``, without its groups).
_MENTION_RE = textsig.MENTION_RE.replace("(", "(?:").replace("(?:?<!", "(?<!").replace("(?:?:", "(?:")


def _given(values: pd.Series) -> pd.Series:
    """Handles as matched: no leading ``@``, lowercase; missing stays missing."""
    return values.astype(object).where(values.notna(), np.nan).str.lstrip("@").str.lower()


def sentiment_candidates(posts: pd.DataFrame) -> pd.Series:
    """Whether each post can be inbound to someone, so may need a sentiment: not a repost, and a reply or a
    text that mentions a handle (prepare finds no other inbound post)."""
    text = posts["text"].fillna("").astype(str)
    reply = posts["in_reply_to_id"].notna() | posts["in_reply_to_author"].notna()
    return ~posts["repost_of_id"].notna() & (reply | text.str.contains(_MENTION_RE, regex=True))


def addressed(posts: pd.DataFrame, siblings: Iterable[tuple[str, str]] | None = None) -> pd.Series:
    """Whether each (org) post is read as addressed to someone: a reply (not a repost or quote) whose target
    (``in_reply_to_author``, else the handle the text opens with) is unknown or another author, and, with
    ``siblings`` (the (platform, handle key) of every account of the post's organization), not one of them:
    then it is what prepare calls a dialogue post (a reply to a sibling account is not)."""
    text = posts["text"].fillna("").astype(str)
    author = posts["author"].astype(str).str.lstrip("@").str.lower()
    reply = posts["in_reply_to_id"].notna() | posts["in_reply_to_author"].notna()
    target = _given(posts["in_reply_to_author"]).fillna(textsig.leading_mention(text).where(reply))
    outward = target.isna() | (target != author)
    if siblings is not None:
        platform = posts["platform"].astype(str).map(normalize_platform)
        outward &= target.isna() | ~pd.MultiIndex.from_arrays([platform, target]).isin(list(siblings))
    return (reply & posts["repost_of_id"].isna() & posts["quote_of_id"].isna() & outward).astype(bool)


def _enrich(posts: pd.DataFrame, accounts: frozenset[tuple[str, str]] | None = None,
            siblings: bool = False) -> pd.DataFrame:
    text = posts["text"].fillna("").astype(str)
    author = posts["author"].astype(str).str.lstrip("@").str.lower()
    platform = posts["platform"].astype(str).map(normalize_platform)
    own = (pd.Series(pd.MultiIndex.from_arrays([platform, author]).isin(list(accounts)), index=posts.index)
           if accounts is not None else pd.Series(True, index=posts.index))
    signature = pd.Series(np.nan, index=posts.index, dtype=object)
    types = pd.Series(None, index=posts.index, dtype=object)
    flags = pd.Series(False, index=posts.index, dtype=bool)
    if own.any():
        mine = text[own]
        # addressed as prepare decides for an org post whose target is not a sibling account (with
        # ``siblings``: is none of ``accounts``): a reply (not a repost or quote) to someone else, an unknown
        # target included
        flags[own] = addressed(posts.loc[own], accounts if siblings else None)
        signature[own] = _distinct(mine, lambda t: textsig.signatures(t).fillna("").astype(object))
        pairs = pd.DataFrame({"text": mine, "addressed": flags[own]})
        unique = pairs.drop_duplicates()
        typed = message_types.classify_messages(unique["text"], unique["addressed"]).astype(object)
        keys = pd.MultiIndex.from_frame(unique)
        types[own] = pd.Series(typed.to_numpy(), index=keys).reindex(pd.MultiIndex.from_frame(pairs)).to_numpy()
    candidate = sentiment_candidates(posts)
    if accounts is not None:
        candidate &= ~own
    scores = pd.Series(np.nan, index=posts.index, dtype=float)
    if candidate.any():
        scores[candidate] = sentiments.compound(text[candidate], processes=1)
    return pd.DataFrame({"signature": signature, "message_type": types,
                         "message_type_addressed": flags.where(own), "sentiment": scores}, index=posts.index)


def _distinct(text: pd.Series, function: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``function`` applied once per distinct text, spread back over ``text``."""
    unique = pd.Series(pd.unique(text))
    values = pd.Series(function(unique).to_numpy(), index=unique.to_numpy())
    return pd.Series(values.reindex(text.to_numpy()).to_numpy(), index=text.index, dtype=object)


def enrich(posts: pd.DataFrame, accounts: Iterable[tuple[str, str]] | None = None,
           processes: int | None = None, *, siblings: bool = False) -> pd.DataFrame:
    """The enrichment columns (``ENRICHMENT_COLUMNS``) of ``posts`` (``POST_COLUMNS``), with its index.

    ``accounts``: the (platform, handle key) of every organization account when known (a collection knows
    them): signatures and message types are then computed for their posts only, sentiment for the others'
    only; the other cells stay missing (prepare computes them if they are ever needed). Without ``accounts``
    every post gets a signature and a message type. ``siblings``: ``accounts`` are one organization's, so an
    org post replying to any of them is not addressed (:func:`addressed`), exactly as prepare reads it for
    that organization; without it only a reply to oneself is not (right for a corpus of many organizations,
    where a reply to another organization's account is dialogue).

    ``processes`` workers (None: one for fewer than :data:`PARALLEL_MIN_POSTS` posts, else one per CPU), each
    enriching a contiguous chunk of the posts.
    """
    workers = processes if processes is not None else (
        1 if len(posts) < PARALLEL_MIN_POSTS else max(1, os.cpu_count() or 1))
    workers = max(1, min(workers, len(posts)))
    keys = None if accounts is None else frozenset(accounts)
    if workers == 1:
        return _enrich(posts, keys, siblings)
    size = math.ceil(len(posts) / workers)
    chunks = [posts.iloc[i : i + size] for i in range(0, len(posts), size)]
    logger.info("enriching %d posts in %d processes", len(posts), workers)
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return pd.concat(list(pool.map(_enrich, chunks, [keys] * len(chunks), [siblings] * len(chunks))))
