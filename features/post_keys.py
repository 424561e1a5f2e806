"""Integer keys of posts, their parents and their conversations, so that joins over posts are array look-ups.

Every id of the posts (``post_id``, ``in_reply_to_id``, ``repost_of_id``, ``quote_of_id``, ``conversation_id``)
is coded once, together with its platform: two keys are equal exactly when platform and id are. ``MISSING``
marks an absent id; a missing ``in_reply_to_id`` is ``NO_PARENT`` instead, so that it never joins a post whose
own id is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.codes import factorize

MISSING = -1
NO_PARENT = -2
ID_COLUMNS = ("post_id", "in_reply_to_id", "repost_of_id", "quote_of_id", "conversation_id")


@dataclass(frozen=True)
class PostKeys:
    """The keys of one posts table, row by row (``keys[column]``), and where each post is first loaded."""

    keys: dict[str, np.ndarray]
    #: For every key, the first row whose ``post_id`` has it (``MISSING`` where none); its last slot answers
    #: :data:`MISSING` and :data:`NO_PARENT` look-ups.
    first_row: np.ndarray

    def loaded_row(self, column: str) -> np.ndarray:
        """For each row, the first loaded post whose id is the row's ``column`` (``MISSING`` where none)."""
        keys = self.keys[column]
        return self.first_row[np.where(keys < 0, len(self.first_row) - 1, keys)]


def post_keys(data: pd.DataFrame) -> PostKeys:
    """Code the ids of ``data`` (a posts table with normalized platforms; an id is read as its string)."""
    platforms, _ = pd.factorize(data["platform"])
    stride = int(platforms.max()) + 1 if len(platforms) else 1
    codes, uniques = factorize([data[c].astype("str") for c in ID_COLUMNS])
    distinct = len(uniques)
    if stride == 1:  # one platform: the codes are the keys (a missing id is already -1, MISSING)
        coded = codes.astype(np.int64)
    else:
        coded = np.where(codes >= 0, codes.astype(np.int64) * stride + np.tile(platforms, len(ID_COLUMNS)), MISSING)
    keys = dict(zip(ID_COLUMNS, coded.reshape(len(ID_COLUMNS), len(data)), strict=True))
    first = np.full(distinct * stride + 1, MISSING, dtype=np.int64)
    rows = np.flatnonzero(keys["post_id"] >= 0)[::-1]
    first[keys["post_id"][rows]] = rows  # written last to first: the first row of each id stays
    return PostKeys(keys, first)


def conversation_roots(parent: np.ndarray) -> np.ndarray:
    """The first post of each row's reply chain among the loaded posts, from each row's loaded parent row
    (``MISSING``: none), by pointer jumping; a cycle (corrupt data) stops at some post of the cycle."""
    up = np.where(parent < 0, np.arange(len(parent)), parent).astype(np.int64)
    for _ in range(64):  # 2**64 steps: any chain
        jumped = up[up]
        if np.array_equal(jumped, up):
            break
        up = jumped
    return up


def conversation_keys(keys: PostKeys, root: np.ndarray) -> np.ndarray:
    """Each row's conversation as a key: its ``conversation_id``, else its root's ``conversation_id``, else the
    root's ``in_reply_to_id``, else the root's own id (``features.frames``' definition)."""
    chosen = keys.keys["conversation_id"].copy()
    for column, at in (("conversation_id", root), ("in_reply_to_id", root), ("post_id", root)):
        candidate = keys.keys[column][at]
        chosen = np.where(chosen < 0, candidate, chosen)
    return chosen


def pair_keys(first: np.ndarray, second: np.ndarray, size: int | None = None) -> np.ndarray:
    """Each ``(first, second)`` pair as one key (equal exactly when both are); ``MISSING`` where either is
    negative (a missing key joins nothing). ``size``: more than any ``second`` (by default, more than these);
    keys made by two calls compare only when both calls had the same ``size``."""
    first, second = first.astype(np.int64), second.astype(np.int64)
    size = int(second.max(initial=0)) + 1 if size is None else size
    return np.where((first >= 0) & (second >= 0), first * size + second, MISSING)


def first_of_each(keys: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct key, in order of position."""
    low, top = (int(keys.min()), int(keys.max()) + 1) if len(keys) else (0, 0)
    if top - low <= 4 * len(keys) + 1024:  # dense keys: the first position of each, written last to first
        first = np.full(top - low, len(keys), dtype=np.int64)
        first[keys[::-1] - low] = np.arange(len(keys) - 1, -1, -1, dtype=np.int64)
        chosen = np.zeros(len(keys), dtype=bool)
        chosen[first[first < len(keys)]] = True
        return np.flatnonzero(chosen)
    _, first = np.unique(keys, return_index=True)
    return np.sort(first)


def distinct_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As ``np.unique(keys, return_index=True, return_counts=True)`` for non-negative keys: the distinct keys in
    order, the first position of each and how many times each occurs (by counting, for dense keys)."""
    top = int(keys.max()) + 1 if len(keys) else 0
    if top > 4 * len(keys) + 1024:
        return np.unique(keys, return_index=True, return_counts=True)
    counts = np.bincount(keys, minlength=top)
    first = np.zeros(top, dtype=np.int64)
    first[keys[::-1]] = np.arange(len(keys) - 1, -1, -1, dtype=np.int64)  # written last to first
    distinct = np.flatnonzero(counts)
    return distinct, first[distinct], counts[distinct]


def join_rows(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of positions ``(i, j)`` with ``left[i] == right[j]`` (an inner join of two key arrays; negative
    keys never join), ordered by ``i`` then ``j``."""
    order = np.argsort(right, kind="stable")
    top = int(max(left.max(initial=-1), right.max(initial=-1))) + 1
    if top <= 4 * (len(left) + len(right)) + 1024:  # dense keys: where each key starts, by counting
        taken = right[right >= 0]
        per_key = np.bincount(taken, minlength=max(top, 1))
        first = np.cumsum(per_key) - per_key + (len(right) - len(taken))  # the negative keys sort first
        known = np.where(left >= 0, left, 0)
        start, counts = first[known], np.where(left >= 0, per_key[known], 0)
    else:
        ordered = right[order]
        start = np.searchsorted(ordered, left, side="left")
        counts = np.where(left >= 0, np.searchsorted(ordered, left, side="right") - start, 0)
    lefts = np.repeat(np.arange(len(left), dtype=np.int64), counts)
    within = np.arange(len(lefts), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return lefts, order[np.repeat(start, counts) + within]


def positions(values: pd.Series | np.ndarray, index: pd.Index) -> np.ndarray:
    """For each value, its position in ``index`` (unique strings), -1 where absent or missing: as
    ``index.get_indexer``, by one Arrow hash look-up when the values are Arrow strings (no Python objects)."""
    array = getattr(values, "array", None)
    if isinstance(array, pd.arrays.ArrowStringArray) and index.inferred_type in ("string", "empty"):
        strings = pa.chunked_array(array.__arrow_array__())
        found = pc.index_in(strings, value_set=pa.array(index.to_numpy(dtype=object), type=strings.type))
        return found.fill_null(-1).to_numpy().astype(np.intp)
    return index.get_indexer(values.astype(object) if isinstance(values, pd.Series) else values)
