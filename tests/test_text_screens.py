"""The RE2 screens in front of the text signals (``features.text.screened``) never change a result."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from features import text as textsig

#: Pieces that make texts close to every pattern: phrases of the word lists, greetings, names, mentions,
#: links, the separators and whitespace RE2 and Python disagree on, and non-ASCII look-alikes.
PIECES = [
    *textsig.word_list("feedback_phrases")[:12], *textsig.word_list("feedback_change_phrases")[:12],
    *textsig.word_list("name_greetings"), *textsig.word_list("tracking_parameters")[:5],
    *textsig.word_list("link_shorteners")[:5],
    "Jane", "Anne-Marie", "O'neil", "Doe", "there", "DM", "@acme", ".@AcmeHelp", "@ACMEhelp", "@",
    "u/bob", "joe_1", "Ann-B", "/u/Ann-B", "//u/x",
    "a@b.c", "https://", "http://www.", "http://x.co/p?id=1", "https://?",
    "?", "=", "&", "/", ".", ",", "!", ":", "-", "—", "’", "'", " ", "  ", "\n", "\t", "\x0b", "\x1c", "\u00a0",
    "É", "é", "ſ", "K", "s", "ed", "ing", "x",
]
texts = st.lists(st.sampled_from(PIECES), max_size=10).map("".join)
SCREENED = [textsig.feedback_asks, textsig.feedback_changes, textsig.has_question, textsig.has_tracked_link]


def _unscreened(function):
    """The text function behind ``per_distinct`` and ``screened``."""
    return function.__wrapped__.__wrapped__


@pytest.mark.parametrize("function", SCREENED, ids=lambda f: f.__name__)
@settings(max_examples=150, deadline=None)
@given(batch=st.lists(texts, min_size=1, max_size=12))
def test_screen_keeps_every_result(function, batch: list[str]) -> None:
    series = pd.Series(batch, dtype=object)
    screened = function(series)
    plain = _unscreened(function)(series)
    assert screened.index.equals(series.index)
    pd.testing.assert_series_equal(screened.astype(object).reset_index(drop=True),
                                   plain.astype(object).reset_index(drop=True), check_names=False)


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(st.one_of(texts, st.none()), min_size=1, max_size=12))
def test_addressed_names_read_by_re2_equal_python(batch: list[str | None]) -> None:
    """ASCII texts are read by RE2 with the look-ahead spelled as a consuming group: the same names."""
    series = pd.Series(batch, dtype=object)
    expected = textsig._named(textsig._python_addressed_names(series.fillna("")))
    pd.testing.assert_series_equal(textsig.addressed_names(series), expected, check_names=False)


@settings(max_examples=300, deadline=None)
@given(batch=st.lists(st.one_of(texts, st.none()), min_size=1, max_size=12))
def test_questions_read_by_re2_equal_python(batch: list[str | None]) -> None:
    """ASCII texts are read by RE2 with ``\\s`` spelled out: the same questions outside links."""
    series = pd.Series(batch, dtype=object)
    expected = textsig._python_has_question(series.fillna(""))
    pd.testing.assert_series_equal(_unscreened(textsig.has_question)(series), expected, check_names=False)
    pd.testing.assert_series_equal(textsig.has_question(series), expected, check_names=False)


def test_addressed_name_after_whitespace_re2_reads_differently() -> None:
    assert textsig.addressed_names(pd.Series(["@bob\x0bHi Jane, sorted now", "@bob\x1cHi Jane\n"])).tolist() == [
        "Jane", "Jane"]


@pytest.mark.parametrize(("function", "text", "found"), [
    (textsig.feedback_asks, "Please take our survey today", True),
    (textsig.feedback_changes, "You asked. We listened!", True),
    (textsig.has_question, "Any news?", True),
    (textsig.has_tracked_link, "see https://example.com/a\x1c?utm_source=x", False),
])
def test_screen_passes_what_the_function_finds(function, text: str, found) -> None:
    """Texts that hold a match (or whitespace RE2 reads differently) reach the function."""
    assert function(pd.Series([text, "nothing here"])).tolist()[0] == found
    assert _unscreened(function)(pd.Series([text])).tolist()[0] == found


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(st.one_of(texts, st.none()), max_size=12))
def test_mention_rows_are_every_mention_of_the_pattern(batch: list[str | None]) -> None:
    """The reordered search finds exactly what ``MENTION_RE`` finds, text by text, in order."""
    import re

    def named(at: str, user: str) -> list[str]:  # the whole handle, and the first part of a dotted or @instance one
        if not at:
            return [user.lower()]
        first = re.split(r"[.@]", at, maxsplit=1)[0].lower()
        return [at.lower(), first] if first != at.lower() else [at.lower()]

    expected = [(row, handle) for row, text in enumerate(batch)
                for at, user in re.findall(textsig.MENTION_RE, text or "") for handle in named(at, user)]
    rows = textsig.mention_rows(pd.Series(batch, dtype=object))
    assert list(zip(rows.index.tolist(), rows.tolist(), strict=True)) == expected


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(st.one_of(texts, st.none()), max_size=12),
       handles=st.sets(st.sampled_from(["acme", "acmehelp", "bob", "ann-b", "x", "joe_1"]), max_size=4))
def test_mention_rows_of_some_handles_list_every_mention_of_them(batch: list[str | None], handles: set[str]) -> None:
    """Screening by handles keeps every mention of those handles."""
    every = textsig.mention_rows(pd.Series(batch, dtype=object))
    some = textsig.mention_rows(pd.Series(batch, dtype=object), handles)
    wanted = every[every.isin(handles)]
    kept = some[some.isin(handles)]
    assert list(zip(kept.index, kept, strict=True)) == list(zip(wanted.index, wanted, strict=True))


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(st.one_of(texts, st.none()), st.one_of(texts, st.none())), min_size=1, max_size=12))
def test_tracked_links_read_apart_equal_the_link_field_and_text_read_together(pairs) -> None:
    # tracked_links reads the urls field and the text apart; a link never spans the space that would join them
    urls = pd.Series([u for u, _ in pairs], dtype=object)
    text = pd.Series([t for _, t in pairs], dtype=object)
    together = _unscreened(textsig.has_tracked_link)(urls.fillna("") + " " + text.fillna(""))
    assert textsig.tracked_links(urls, text).tolist() == together.tolist()


def test_a_tracked_link_in_either_field_is_found() -> None:
    urls = pd.Series(["https://bit.ly/x", None, "https://example.com/a"], dtype=object)
    text = pd.Series(["hello", "see https://example.com/p?utm_source=mail", "nothing"], dtype=object)
    assert textsig.tracked_links(urls, text).tolist() == [True, True, False]


@settings(max_examples=200, deadline=None)
@given(batch=st.lists(st.one_of(texts, st.none()), min_size=0, max_size=12))
def test_texts_screened_once_for_the_content_signals_read_as_each_alone(batch: list[str | None]) -> None:
    """One RE2 pass with the three screens together (``features.signals.Reader.content``) keeps every result."""
    from features import signals

    series = pd.Series(batch, dtype=object)
    reader = signals.Reader(pd.DataFrame({"text": series}), lambda _name, compute: compute())
    distinct, maybe = reader.texts(), reader.content()
    for function in signals.CONTENT:
        pd.testing.assert_series_equal(distinct.read_some(function, maybe), function(series))
