"""The text signals the columnar engine reads (``features.engine``) equal Python's ``re`` on every text."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features import text as textsig
from tests.test_text_screens import PIECES

#: Pieces near the edges of the tag and link pattern: tags after tags, links holding tags, underscores, the
#: whitespace Rust and Python disagree on, scripts written without spaces.
EDGES = [*PIECES, "#", "#tag", "#_x", "_", "x#y", "##a", "@a@b", "@a#b", "https://x.co/#a", "http://", "#https",
         "://x", "0", "9a", "\x1f", "\x0c", "\x00", "質問", "ไทย", "word", "two words", "one two three"]
texts = st.lists(st.sampled_from(EDGES), max_size=12).map("".join)


@pytest.fixture(autouse=True)
def engine_for_every_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine reads even a handful of texts (by default only many)."""
    monkeypatch.setattr(textsig, "ENGINE_TEXTS", 0)


@settings(max_examples=400, deadline=None)
@given(batch=st.lists(st.one_of(texts, st.none()), min_size=1, max_size=12))
def test_says_something_by_the_engine_equals_python(batch: list[str | None]) -> None:
    series = pd.Series(batch, dtype=object)
    expected = textsig._python_says_something(series)
    pd.testing.assert_series_equal(textsig.says_something(series), expected, check_names=False)


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(texts, min_size=1, max_size=12), words=st.integers(1, 5))
def test_engine_finds_words_apart_as_python_counts_them(batch: list[str], words: int) -> None:
    """``engine.ascii_has_words`` finds the runs without counting them: the same answer for any number of words."""
    series = pd.Series(batch, dtype=object)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(textsig, "OWN_WORDS", words)
        pd.testing.assert_series_equal(textsig.says_something(series), textsig._python_says_something(series),
                                       check_names=False)


def test_says_something_on_the_edges_of_tags() -> None:
    texts = pd.Series(["#https://x a b", "@a@b c d", "x#y z w", "##a b c", "http://x#a b c", "a\x1fb\x1cc"])
    assert textsig.says_something(texts).tolist() == textsig._python_says_something(texts).tolist()
    assert textsig.says_something(texts).tolist() == [True, True, True, False, False, True]


#: Pieces near the edges of the mention pattern: mentions right after others, dashes, dots, instances, u/ names.
MENTION_EDGES = [*PIECES, "@a.b-", "-@c", "-u/d", "-/u/e", "@x.y", "@acme@mastodon.social", "@a@b.c", "@", "u/",
                 "/u/", "//u/", "@u/x", "@/u/y", "a" * 41, ".example", "-", "_", "@A_B", "Ü@x"]
mention_texts = st.lists(st.sampled_from(MENTION_EDGES), max_size=10).map("".join)


@settings(max_examples=400, deadline=None)
@given(batch=st.lists(mention_texts, min_size=1, max_size=12))
def test_mentions_found_by_the_engine_equal_python(batch: list[str]) -> None:
    import pyarrow as pa

    counts, flat = textsig._search_mentions(pa.array(batch, type=pa.large_string()))
    expected = textsig._mention_lists(batch)
    assert counts.tolist() == [len(handles) for handles in expected]
    assert flat.tolist() == [h for handles in expected for h in handles]


def test_mentions_after_a_dash_are_read_by_python() -> None:
    import pyarrow as pa

    from features import engine
    counts, flat = textsig._search_mentions(pa.array(["@a.b-@c and @d", "@a.b-@c"]))
    assert flat.tolist() == ["a.b-", "a", "c", "d", "a.b-", "a", "c"] and counts.tolist() == [4, 3]
    _fast_counts, fast = engine.ascii_mentions(pa.array(["@a.b-@c"]), textsig.MENTION_RE)
    assert fast.tolist() == ["a.b-", "a"]  # why: the consumed character before @c is the dash of a.b-


def test_distinct_texts_read_as_the_signals_do() -> None:
    series = pd.Series(["Hi Jane, thanks", None, "take our survey", "Hi Jane, thanks", "ok", ""],
                       index=[5, 3, 9, 1, 0, 7])
    distinct = textsig.DistinctTexts.of(series)
    rows = pd.Series([True, False, True, True, False, True], index=series.index)
    for function in (textsig.addressed_names, textsig.says_something, textsig.feedback_asks):
        pd.testing.assert_series_equal(distinct.read(function), function(series))
        pd.testing.assert_series_equal(distinct.read(function, rows), function(series[rows]))
    pd.testing.assert_series_equal(distinct.read(textsig.feedback_asks, rows & False),
                                   textsig.feedback_asks(series[rows & False]))


def test_few_texts_are_read_without_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(textsig, "ENGINE_TEXTS", 3)
    monkeypatch.delitem(sys.modules, "features.engine", raising=False)
    assert textsig.says_something(pd.Series(["one two three", "one"])).tolist() == [True, False]
    assert textsig.mention_rows(pd.Series(["@a hi", "@b.c"])).tolist() == ["a", "b.c", "b"]
    assert "features.engine" not in sys.modules
