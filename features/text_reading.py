"""How the text signals of ``features.text`` read many texts: once per distinct text (:func:`per_distinct`,
:class:`DistinctTexts`), and behind a fast RE2 screen (:func:`screened`) where few texts can match."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.codes import factorize


def per_distinct(function: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """``function`` of a text Series, run once per distinct text and spread back (texts repeat: templates,
    reposts); the result has ``text``'s index and what ``function`` gives an empty input for name and dtype."""

    @wraps(function)
    def distinct(text: pd.Series) -> pd.Series:
        template = function(text.iloc[:0])
        if text.empty:
            return template
        codes, uniques = factorize([_strings(text)])
        values = function(uniques).to_numpy()
        return pd.Series(values[codes], index=text.index, dtype=template.dtype, name=template.name)

    return distinct




@dataclass(frozen=True)
class DistinctTexts:
    """The distinct texts of a Series, coded once, for several text signals (functions made by
    :func:`per_distinct`) read over it or over some of its rows: each distinct text is read once per signal."""

    index: pd.Index
    codes: np.ndarray
    uniques: pd.Series

    @classmethod
    def of(cls, text: pd.Series) -> DistinctTexts:
        """The distinct texts of ``text`` (a missing text is the empty string, as :func:`per_distinct` reads it)."""
        codes, uniques = factorize([_strings(text)])
        return cls(text.index, codes, uniques)

    def read(self, function: Callable[[pd.Series], pd.Series], rows: pd.Series | None = None) -> pd.Series:
        """``function(text)``, or ``function(text[rows])`` for a boolean ``rows``: the same values, indexed alike."""
        inner = function.__wrapped__  # the function behind per_distinct
        template = inner(self.uniques.iloc[:0])
        codes, index = (self.codes, self.index) if rows is None else (self.codes[rows.to_numpy()], self.index[rows])
        if len(codes) == 0:
            return template.set_axis(index)
        if rows is None:  # every distinct text is used
            values = inner(self.uniques).to_numpy()
            return pd.Series(values[codes], index=index, dtype=template.dtype, name=template.name)
        present = np.zeros(len(self.uniques), dtype=bool)
        present[codes] = True
        used = np.flatnonzero(present)  # the distinct texts of the rows, in the order of their codes
        back = np.cumsum(present) - 1  # the position of each used code among them
        values = inner(self.uniques.iloc[used].reset_index(drop=True)).to_numpy()
        return pd.Series(values[back[codes]], index=index, dtype=template.dtype, name=template.name)

    def may_match(self, pattern: str) -> np.ndarray:
        """Which distinct texts may match ``pattern`` (RE2, case-insensitive, anywhere): those that match it, and
        every text that is not ASCII (as :func:`screened` passes them on)."""
        strings = _arrow(self.uniques)
        return pc.or_(pc.match_substring_regex(strings, pattern, ignore_case=True),
                      pc.invert(pc.string_is_ascii(strings))).to_numpy(zero_copy_only=False)

    def read_some(self, function: Callable[[pd.Series], pd.Series], maybe: np.ndarray) -> pd.Series:
        """``function(text)``, reading only the distinct texts ``maybe`` (:meth:`may_match`) and giving the others
        the function's value for the empty string: the same values for a function :func:`screened` by a pattern
        that ``maybe``'s pattern matches wherever it does (its screen would give them that value)."""
        inner = function.__wrapped__  # the function behind per_distinct
        nothing = inner(pd.Series([""], dtype=object))
        values = np.repeat(nothing.to_numpy(), len(self.uniques))
        if maybe.any():
            values[maybe] = inner(self.uniques[maybe].reset_index(drop=True)).to_numpy()
        return pd.Series(values[self.codes], index=self.index, dtype=nothing.dtype, name=nothing.name)


#: Whitespace as Python's ``\\s`` matches it in ASCII text, spelled for RE2 (whose ``\\s`` misses ``\\x0b`` and
#: ``\\x1c``-``\\x1f``).
_ASCII_SPACE_CHARS = r"\t-\r\x1c-\x20"
ASCII_SPACE = f"[{_ASCII_SPACE_CHARS}]"


def screened(superset: str | Callable[[], str], exact: bool = False) -> Callable[[Callable[[pd.Series], pd.Series]],
                                                                               Callable]:
    """Run a text function only on texts that may match, found first by one fast RE2 pass (pyarrow).

    ``superset`` (or a function giving it, read once) is an RE2 pattern, matched case-insensitively anywhere in
    the text, that every ASCII text the function finds something in also matches. Texts that are not ASCII are
    always passed to the function (RE2 and Python differ outside ASCII). Every other text gets the function's
    value for the empty string (its "nothing found"). So the result equals the function's on every text; the
    tests check this on generated texts. With ``exact``, the function is boolean and the pattern matches
    exactly the ASCII texts it finds something in: there the match is the value, and only the texts that are not
    ASCII are read by the function."""

    def decorate(function: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
        @wraps(function)
        def screen(text: pd.Series) -> pd.Series:
            nothing = function(pd.Series([""], dtype=object))
            if text.empty:
                return nothing.iloc[:0].set_axis(text.index)
            pattern = superset() if callable(superset) else superset
            strings = _arrow(text)
            found = pc.match_substring_regex(strings, pattern, ignore_case=True).to_numpy(zero_copy_only=False)
            other = pc.invert(pc.string_is_ascii(strings)).to_numpy(zero_copy_only=False)
            values = found & ~other if exact else np.repeat(nothing.to_numpy(), len(text))
            maybe = other if exact else found | other
            if maybe.any():
                values[maybe] = function(text[maybe]).to_numpy()
            return pd.Series(values, index=text.index, dtype=nothing.dtype, name=nothing.name)

        screen.superset = superset  # type: ignore[attr-defined]  # for screen_pattern
        return screen

    return decorate


def screen_pattern(function: Callable[[pd.Series], pd.Series]) -> str:
    """The RE2 pattern a function made by :func:`per_distinct` over :func:`screened` is screened by."""
    superset = function.__wrapped__.superset  # type: ignore[attr-defined]
    return superset() if callable(superset) else superset


def _arrow(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """``values`` as Arrow strings, a missing value as the empty string (no copy when already Arrow-backed)."""
    strings = _strings(values)
    if hasattr(strings.array, "__arrow_array__"):
        return pa.chunked_array(strings.array.__arrow_array__())
    return pa.array(strings.to_numpy(dtype=object), type=pa.large_string())


def _strings(values: pd.Series) -> pd.Series:
    """``values`` as strings, a missing value as the empty string (also for an empty Series)."""
    return values.fillna("").astype(str)
