"""Who each post answers or amplifies, its kind, its conversation and its integer keys: the first step of
``features.frames.prepare``, computed over Arrow columns (the strings of a pandas ``str`` column, without a copy).

The definitions are ``features.frames``' (module docstring): the **target** of a reply is its
``in_reply_to_author``, else the author of its parent when the parent is loaded, else the handle its text opens
with; of a repost its ``repost_of_author``, else the reposted post's author when loaded, else the ``RT @name:``
prefix; of a quote its ``quote_of_author``, else the quoted post's author when loaded. The **kind** is the first
that holds of repost, quote, reply, else original. The **conversation** is the post's ``conversation_id``, else
that of the first post of its reply chain among the loaded posts, else the id of that first post's (absent)
parent, else the first post's own id.

Every column equals, value for value and in dtype, what the pandas code before it made (a handle as the
author's: without a leading ``@``, lowercase); ``tests/test_engine_equivalence.py`` holds the cases.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from collectors.records import POST_COLUMNS, normalize_platform
from features import text as textsig
from features.codes import STR
from features.post_keys import ID_COLUMNS, NO_PARENT, conversation_keys, conversation_roots, post_keys

#: Optional columns of a posts DataFrame that carry values computed earlier (stored with the posts).
#: ``features.enrichment`` says what each holds; a missing cell is computed here.
ENRICHMENT_COLUMNS: tuple[str, ...] = ("sentiment", "message_type", "message_type_addressed", "signature")
#: The kinds of post, by code (:func:`_kinds`).
KINDS = ("original", "reply", "quote", "repost")
_RT_PREFIX = r"^RT @([A-Za-z0-9_]{1,40}):"


def resolve_targets(posts: pd.DataFrame, parallel: bool = False) -> pd.DataFrame:
    """``posts`` (``POST_COLUMNS``, optionally ``ENRICHMENT_COLUMNS``; left unchanged) with normalized platforms,
    UTC times, texts (``""`` for none), ids as strings, and the columns author_key, kind, target, conversation,
    post_key, reply_key and conversation_key (``features.post_keys``). Ids given as strings and the conversation
    stay Arrow strings (pandas' ``str``; a missing one is NaN): the rows kept for the frames are taken without
    turning them into Python objects. ``parallel``: code the ids in a thread of their own (Arrow releases the GIL)
    while the handles are read."""
    data = posts.reindex(columns=list(POST_COLUMNS) + list(ENRICHMENT_COLUMNS))  # copy-on-write: posts unchanged
    data["sentiment"] = pd.to_numeric(data["sentiment"], errors="coerce").astype(float)
    data["platform"] = _platforms(data["platform"])
    data["created_at"] = pd.to_datetime(data["created_at"], utc=True)
    data["text"] = data["text"].fillna("").astype(str)
    with ThreadPoolExecutor(1) as pool:  # the ids are coded while the handles are read
        coding = pool.submit(post_keys, data) if parallel else None
        author_key = data["author"].astype(str).str.lstrip("@").str.lower()
        index = data.index
        id_strings = {column: _id_strings(data[column]) for column in ID_COLUMNS}
        ids = {column: _arrow(values) for column, values in id_strings.items()}
        authors = _arrow(author_key)
        kind = _kinds(ids, _arrow(data["in_reply_to_author"].astype("str")))
        is_reply, is_repost = kind == 1, kind == 3
        handles = {column: _given(data[column]) for column in ("in_reply_to_author", "repost_of_author",
                                                               "quote_of_author")}
        rt_prefix = _on_rows(lambda text: text.str.extract(_RT_PREFIX, expand=False).str.lower(), data["text"],
                             is_repost)
        keys = post_keys(data) if coding is None else coding.result()

    def loaded_author(id_column: str) -> pa.ChunkedArray:
        return authors.take(_rows(keys.loaded_row(id_column)))

    reply_target = pc.coalesce(handles["in_reply_to_author"], loaded_author("in_reply_to_id"))
    opening = is_reply & pc.is_null(reply_target).to_numpy(zero_copy_only=False)
    reply_target = pc.coalesce(reply_target, _on_rows(textsig.leading_mention, data["text"], opening))
    repost_target = pc.coalesce(handles["repost_of_author"], loaded_author("repost_of_id"), rt_prefix)
    quote_target = pc.coalesce(handles["quote_of_author"], loaded_author("quote_of_id"))
    chosen = {1: reply_target, 2: quote_target, 3: repost_target}
    target = pa.nulls(len(data), pa.large_string())
    for code, values in chosen.items():
        target = pc.if_else(pa.array(kind == code), values, target)
    root = conversation_roots(keys.loaded_row("in_reply_to_id"))
    at_root = _rows(root)
    conversation = pc.coalesce(ids["conversation_id"], *(ids[c].take(at_root) for c in
                                                         ("conversation_id", "in_reply_to_id", "post_id")))
    columns = {column: data[column] for column in data.columns}
    # ids given as strings stay Arrow strings; others are str of each id
    for column in ID_COLUMNS:
        given = isinstance(data[column].dtype, pd.StringDtype)
        columns[column] = pd.Series(_strings(ids[column]), index=index) if given else id_strings[column]
    columns |= {
        "author_key": author_key,
        "kind": _inferred(pa.array(KINDS, pa.large_string()).take(pa.array(kind)), index),
        "target": _inferred(target, index),
        "conversation": pd.Series(_strings(conversation), index=index),
        "post_key": pd.Series(keys.keys["post_id"], index=index),
        "reply_key": pd.Series(np.where(keys.keys["in_reply_to_id"] < 0, NO_PARENT, keys.keys["in_reply_to_id"]),
                               index=index),
        "conversation_key": pd.Series(conversation_keys(keys, root), index=index),
    }
    return pd.DataFrame(columns, copy=False)


def _given(handles: pd.Series) -> pa.ChunkedArray:
    """Given handles as ``author_key`` is read: without a leading ``@``, lowercase."""
    return pc.utf8_lower(pc.utf8_ltrim(_arrow(handles.astype("str")), "@"))


def _platforms(platform: pd.Series) -> pd.Series:
    """Each platform's normalized name, computed once per distinct name (a missing one takes the last name)."""
    codes, platforms = pd.factorize(platform.astype(str))
    if len(platforms) == 0:  # no post
        return pd.Series(np.array([], dtype=object)[codes], index=platform.index, dtype=object)
    names = pa.array([normalize_platform(name) for name in platforms], pa.large_string())
    return pd.Series(_strings(names.take(pa.array(np.where(codes < 0, len(platforms) - 1, codes)))),
                     index=platform.index)


def _kinds(ids: dict[str, pa.ChunkedArray], reply_author: pa.ChunkedArray) -> np.ndarray:
    """The code of each post's kind in :data:`KINDS`: the first that holds of repost, quote, reply."""
    def given(values: pa.ChunkedArray) -> np.ndarray:
        return pc.is_valid(values).to_numpy(zero_copy_only=False)

    kind = (given(ids["in_reply_to_id"]) | given(reply_author)).astype(np.int8)
    kind[given(ids["quote_of_id"])] = 2
    kind[given(ids["repost_of_id"])] = 3
    return kind


def _arrow(values: pd.Series) -> pa.ChunkedArray:
    """A string Series as Arrow large strings (no copy for an Arrow-backed one)."""
    array = values.array
    if isinstance(array, pd.arrays.ArrowStringArray):
        strings = pa.chunked_array(array.__arrow_array__())
    else:
        strings = pa.chunked_array([pa.array(values.to_numpy(dtype=object), from_pandas=True)])
    return strings.cast(pa.large_string()) if strings.type != pa.large_string() else strings


def _rows(rows: np.ndarray) -> pa.Array:
    """Row positions for ``take``: a negative one (no row) gives a missing value."""
    return pa.array(rows, mask=rows < 0)


def _strings(values: pa.Array | pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    return pd.arrays.ArrowStringArray(pa.chunked_array(values) if isinstance(values, pa.Array) else values,
                                      dtype=STR)


def _inferred(values: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    """Strings as pandas infers the column of an object array of them: ``str`` when one is given, else object
    (``None`` for a missing one)."""
    if values.null_count < len(values):
        return pd.Series(_strings(values), index=index)
    return pd.Series(_objects(pa.chunked_array(values) if isinstance(values, pa.Array) else values), index=index,
                     dtype=object)


def _objects(values: pa.ChunkedArray) -> np.ndarray:
    """Strings as Python strings (object dtype), a missing one as None."""
    return values.to_numpy(zero_copy_only=False) if len(values) else np.array([], dtype=object)


def _id_strings(values: pd.Series) -> pd.Series:
    """Ids as strings: as given when they are strings, else ``str`` of each id (a missing one stays missing)."""
    if isinstance(values.dtype, pd.StringDtype):  # already strings: no conversion per value
        return values
    values = values.astype(object).where(values.notna(), None)
    return values.map(lambda v: None if v is None else str(v))


def _on_rows(function: Callable[[pd.Series], pd.Series], text: pd.Series, rows: np.ndarray) -> pa.ChunkedArray:
    """``function(text)`` where ``rows`` holds, missing elsewhere: a text pattern read only where it is used."""
    values = np.full(len(text), None, dtype=object)
    if rows.any():
        values[rows] = function(text[rows]).to_numpy(dtype=object)
    return pa.chunked_array([pa.array(values, type=pa.large_string(), from_pandas=True)])
