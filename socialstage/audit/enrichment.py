"""Per-post enrichment kept in the store: computed once per post, when its organization is known.

:func:`with_stored_enrichment` gives an organization's posts (as the store loads them) the enrichment columns
(``features.enrichment.ENRICHMENT_COLUMNS``) from the store's ``enrichment`` table; what is missing or stale
(made by another version of its scorer, or a message type read for another address) is computed once with
:func:`features.enrichment.enrich` and written back in one transaction (a store opened read-only writes it
through a short writable connection when its file can be written, else keeps nothing: the read still works).
So a second audit of the same organization computes nothing: it loads neither the message-type model nor VADER.

What is computed for whom:

* the organization's own posts: ``signature`` and ``message_type`` with ``message_type_addressed``, read as
  ``features.prepare`` reads them for this organization (a reply to a sibling account is not addressed);
  their ``sentiment`` stays NULL (no feature reads it);
* the other posts that can be inbound (``features.enrichment.sentiment_candidates``): ``sentiment``.

:func:`enrich_stored` does it for organizations whose posts just entered the store (``demo --save``,
``collect``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from collectors.records import POST_COLUMNS, Organization
from features import message_types
from features.enrichment import ENRICHMENT_COLUMNS, addressed, enrich, sentiment_candidates
from features.sentiment import SENTIMENT_VERSION
from features.text import SIGNATURE_VERSION
from store.database import Store

logger = logging.getLogger(__name__)

_KEY = ["platform", "post_id"]


def _author_keys(posts: pd.DataFrame) -> pd.Series:
    """Authors as prepare matches them to accounts: no leading ``@``, lowercase."""
    return posts["author"].astype(str).str.lstrip("@").str.lower()


def _with_parent_authors(posts: pd.DataFrame) -> pd.DataFrame:
    """``posts`` whose missing ``in_reply_to_author`` is the author of the loaded parent, where there is one
    (prepare resolves a reply's target in that order: given, loaded parent, the handle the text opens with)."""
    missing = posts["in_reply_to_author"].isna() & posts["in_reply_to_id"].notna()
    if not missing.any():
        return posts
    authors = posts.drop_duplicates(_KEY).set_index(_KEY)["author"].astype(str).str.lstrip("@").str.lower()
    parents = authors.reindex(pd.MultiIndex.from_arrays([posts["platform"], posts["in_reply_to_id"].astype(object)]))
    filled = posts["in_reply_to_author"].astype(object).fillna(pd.Series(parents.to_numpy(), index=posts.index))
    return posts.assign(in_reply_to_author=filled)


def with_stored_enrichment(store: Store, posts: pd.DataFrame, org: Organization) -> pd.DataFrame:
    """``posts`` (as ``store.load_posts(org.keys)`` gives them) with the enrichment columns: the stored values
    where current, the missing or stale ones computed now and stored (see the module docstring)."""
    stored = store.load_enrichment(posts[_KEY])
    data = posts.drop(columns=list(ENRICHMENT_COLUMNS), errors="ignore").merge(stored, how="left", on=_KEY)
    resolved = _with_parent_authors(data)
    platform_author = pd.MultiIndex.from_arrays([data["platform"].astype(str), _author_keys(data)])
    own = pd.Series(platform_author.isin(list(org.keys)), index=data.index)
    now_addressed = pd.Series(None, index=data.index, dtype=object)
    if own.any():
        now_addressed[own] = addressed(resolved.loc[own], org.keys).astype(object)
    type_ok = (data["message_type_version"] == message_types.expected_version()) & (
        data["message_type_addressed"].astype(object) == now_addressed)
    signature_ok = data["signature_version"] == SIGNATURE_VERSION
    sentiment_ok = data["sentiment_version"] == SENTIMENT_VERSION
    todo_own = own & ~(type_ok & signature_ok)
    todo_other = ~own & ~sentiment_ok & sentiment_candidates(data)
    # stale values are not used; a current NULL signature means "computed: none" ("" for prepare)
    data["sentiment"] = data["sentiment"].where(sentiment_ok)
    data["message_type"] = data["message_type"].where(type_ok)
    data["message_type_addressed"] = data["message_type_addressed"].where(type_ok)
    data["signature"] = data["signature"].where(signature_ok).astype(object)
    data.loc[signature_ok & data["signature"].isna(), "signature"] = ""
    todo = todo_own | todo_other
    if todo.any():
        fresh = enrich(resolved.loc[todo, list(POST_COLUMNS)], org.keys, siblings=True)
        for column in ENRICHMENT_COLUMNS:
            rows = todo_own if column != "sentiment" else todo_other
            data.loc[rows, column] = fresh.loc[rows[todo], column].astype(object if column != "sentiment" else float)
        with store.cache_writer() as target:  # a read-only store keeps it when its file can be written
            if target is not None and todo_own.any():
                mine = data.loc[todo_own]
                target.save_enrichment(mine, "message_type", message_types.message_type_version(), commit=False)
                target.save_enrichment(mine, "signature", SIGNATURE_VERSION, commit=False)
            if target is not None and todo_other.any():
                target.save_enrichment(data.loc[todo_other], "sentiment", SENTIMENT_VERSION, commit=False)
        logger.info("enriched %d posts of %s (%d own, %d others) and stored it", int(todo.sum()), org.name,
                    int(todo_own.sum()), int(todo_other.sum()))
    data["sentiment"] = pd.to_numeric(data["sentiment"], errors="coerce").astype(float)
    data["message_type_addressed"] = data["message_type_addressed"].astype(object).where(
        data["message_type_addressed"].notna(), np.nan)
    return data.drop(columns=[f"{value}_version" for value in ("sentiment", "message_type", "signature")])


def enrich_stored(store: Store, orgs: Iterable[Organization]) -> int:
    """Enrich the stored posts by, to and about each organization that lack current values (posts that just
    entered the store); returns how many organizations were looked at."""
    count = 0
    for org in orgs:
        with_stored_enrichment(store, store.load_posts(org.keys), org)
        count += 1
    return count
