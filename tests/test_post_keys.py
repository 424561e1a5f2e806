"""Integer keys of posts (features/post_keys.py): the joins the preparation is built on."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from features.post_keys import (
    MISSING,
    conversation_roots,
    distinct_keys,
    first_of_each,
    join_rows,
    pair_keys,
    post_keys,
)

small_keys = st.lists(st.integers(min_value=-2, max_value=5), max_size=15).map(lambda v: np.array(v, dtype=np.int64))


@settings(max_examples=200, deadline=None)
@given(left=small_keys, right=small_keys, spread=st.sampled_from([1, 10**9]))
def test_join_rows_is_the_inner_join_in_left_then_right_order(left: np.ndarray, right: np.ndarray,
                                                              spread: int) -> None:
    left, right = (np.where(keys >= 0, keys * spread, keys) for keys in (left, right))  # dense keys, and sparse
    expected = [(i, j) for i in range(len(left)) for j in range(len(right)) if left[i] >= 0 and left[i] == right[j]]
    lefts, rights = join_rows(left, right)
    assert list(zip(lefts.tolist(), rights.tolist(), strict=True)) == expected


@settings(max_examples=200, deadline=None)
@given(keys=small_keys, spread=st.sampled_from([1, 10**9]))
def test_first_of_each_keeps_first_occurrences_in_order(keys: np.ndarray, spread: int) -> None:
    keys = keys * spread  # dense keys, and sparse
    assert first_of_each(keys).tolist() == sorted({k: i for i, k in reversed(list(enumerate(keys)))}.values())


def test_pair_keys_are_equal_exactly_when_both_parts_are() -> None:
    first, second = np.array([0, 0, 1, 1, 2, -1]), np.array([0, 5, 0, 5, -1, 3])
    keys = pair_keys(first, second)
    assert len(set(keys[:4].tolist())) == 4 and keys[4] == MISSING and keys[5] == MISSING
    # two calls compare only with one size: (1, 0) and (0, 5) must differ
    assert pair_keys(np.array([1]), np.array([0]), 6)[0] != pair_keys(np.array([0]), np.array([5]), 6)[0]


def test_ids_are_coded_with_their_platform_and_parents_found() -> None:
    data = pd.DataFrame({
        "platform": ["twitter", "twitter", "reddit", "twitter"],
        "post_id": ["1", "2", "1", None],
        "in_reply_to_id": [None, "1", "1", "9"],
        "repost_of_id": [None] * 4, "quote_of_id": [None] * 4, "conversation_id": [None] * 4,
    })
    keys = post_keys(data)
    post = keys.keys["post_id"]
    assert post[0] != post[2]  # the same id on two platforms is two posts
    assert post[3] == MISSING
    assert keys.loaded_row("in_reply_to_id").tolist() == [MISSING, 0, 2, MISSING]  # reddit 1 replies to itself


def test_conversation_roots_follow_chains_and_stop_in_cycles() -> None:
    parent = np.array([MISSING, 0, 1, 2, 5, 4])  # a chain 3 -> 0, and a cycle 4 <-> 5
    roots = conversation_roots(parent)
    assert roots[:4].tolist() == [0, 0, 0, 0]
    assert set(roots[4:].tolist()) <= {4, 5}


def test_positions_by_arrow_equal_get_indexer() -> None:
    from features.post_keys import positions

    index = pd.Index(["acme", "b", "ümlaut"])
    values = pd.Series(["b", None, "acme", "ACME", "ümlaut", "", "b"], dtype="str")
    assert positions(values, index).tolist() == index.get_indexer(values.astype(object)).tolist() == [
        1, -1, 0, -1, 2, -1, 1]
    assert positions(values.astype(object), index).tolist() == [1, -1, 0, -1, 2, -1, 1]
    assert positions(values, pd.Index([], dtype=object)).tolist() == [-1] * 7


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "", "é", "a "])), max_size=6),
                      max_size=4))
def test_factorize_codes_chunked_strings_as_pandas_does(parts: list[list[str | None]]) -> None:
    from features.codes import factorize

    columns = [pd.concat([pd.Series(p, dtype="str"), pd.Series(p[::-1], dtype="str")], ignore_index=True)
               for p in parts]  # columns of two chunks each
    codes, uniques = factorize(columns)
    expected_codes, expected = pd.factorize(pd.concat(columns, ignore_index=True)) if columns else ([], [])
    assert codes.tolist() == list(expected_codes)
    assert uniques.tolist() == list(expected)
    assert uniques.dtype == "str"


@settings(max_examples=200, deadline=None)
@given(keys=small_keys, spread=st.sampled_from([1, 10**9]))
def test_distinct_keys_are_numpys_unique_with_first_positions_and_counts(keys: np.ndarray, spread: int) -> None:
    keys = np.abs(keys) * spread  # non-negative, dense and sparse
    for got, expected in zip(distinct_keys(keys), np.unique(keys, return_index=True, return_counts=True),
                             strict=True):
        assert got.tolist() == expected.tolist()
