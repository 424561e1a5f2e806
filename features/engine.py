"""The columnar engine of feature preparation: Polars over Arrow (multi-threaded, no copy of Arrow-backed strings).

Chosen by measurement (bench/RESULTS.md, "Columnar engine"): on the 1M-post corpus Polars' regex passes ran the
word count of ``features.text.says_something`` in 0.83 s against 1.31 s for pyarrow's RE2 and 3.36 s for
Python's ``re`` (486k distinct texts). Coding the five id columns is one Arrow dictionary encoding
(``features.codes``): Polars' dense rank was faster than pandas' factorize on an idle machine (0.57 s against
0.72 s) but used the same CPU time, and Polars' order-keeping unique took 1.2 s against Arrow's 0.5-0.7 s.
Every function here returns exactly what the pandas or Python code it replaces returns; the tests compare them on
generated inputs.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

#: Whitespace as Python's ``\\s`` matches it in ASCII text (Rust's ``\\s`` misses ``\\x1c``-``\\x1f``).
_SPACE = r"\t-\r\x1c-\x20"
#: ``features.text._TAGS_AND_LINKS_RE`` for ASCII text without its look-behind: the character before a tag is
#: consumed, and replaced with the tag by a space. The same words remain: that character is never a letter or a
#: digit, never part of a link or of another tag (a tag and a link end before a character that could precede a
#: tag) and never starts a match itself; without a group to capture, the search is about twice as fast.
_ASCII_TAGS_AND_LINKS = rf"https?://[^{_SPACE}]+|(?:^|[^A-Za-z0-9_@])[@#][A-Za-z0-9][A-Za-z0-9_]*"


def strings(values: pa.Array | pa.ChunkedArray) -> pl.Series:
    """Arrow strings as a Polars Series (no copy)."""
    return pl.Series(pl.from_arrow(values))


def ascii_has_words(values: pa.Array | pa.ChunkedArray, words: int) -> np.ndarray:
    """For ASCII texts: whether at least ``words`` (1 or more) runs of letters or digits are left once links,
    @handles and #hashtags are removed (what ``features.text.says_something`` counts; an ASCII text has no
    character of an unspaced script). The runs are not counted: one search finds ``words`` of them apart."""
    bare = strings(values).str.replace_all(_ASCII_TAGS_AND_LINKS, " ")
    apart = "[A-Za-z0-9]" + "(?:[^A-Za-z0-9]+[A-Za-z0-9]+)" * (words - 1)
    return bare.str.contains(apart).fill_null(False).to_numpy()


_AT_BEHIND, _USER_BEHIND = r"(?<![\w@/])@", r"|(?<![\w/])"


def _mention_pattern(mention_re: str) -> str:
    """``features.text.MENTION_RE`` for ASCII text without its look-behinds: the character before a mention is
    consumed (the texts are read with a space before them, for a mention at the start). Equal matches where no
    mention ends just before the next one starts: a mention ends in a letter, a digit, ``_`` or ``-``, and only
    ``-`` may precede a mention, so texts holding ``-@`` or ``-u/`` are left to Python (:data:`MENTION_EDGE`).
    A match read again alone gives the same groups (no alternative preferred to it can match less text)."""
    at, user = mention_re.split(_USER_BEHIND, 1)
    handle = at.removeprefix(_AT_BEHIND)
    return rf"[^A-Za-z0-9_@/]@{handle}|[^A-Za-z0-9_/]{user}"


#: Texts where a mention may start right after another (``@a.b-@c``): read by Python's ``re``.
MENTION_EDGE = r"-/?(?:@|u/)"


def ascii_mentions(values: pa.Array | pa.ChunkedArray, mention_re: str) -> tuple[np.ndarray, np.ndarray]:
    """The mentions of ASCII texts without :data:`MENTION_EDGE`, as ``features.text.mentions`` lists them: the
    number of handles of each text and all the handles in order (lowercase; for a dotted or instance handle the
    whole handle, then its first part)."""
    spaced = pl.select(pl.concat_str(pl.lit(" "), pl.lit(strings(values)))).to_series()
    found = pl.DataFrame({"match": spaced.str.extract_all(_mention_pattern(mention_re))})
    found = found.with_row_index("text").explode("match").drop_nulls("match")
    groups = found["match"].str.extract_groups(f"^(?:{_mention_pattern(mention_re)})")
    at = groups.struct.field("1").str.to_lowercase()
    first = at.str.extract(r"^([a-z0-9_]{1,40})", 1)
    whole = at.fill_null(groups.struct.field("2").str.to_lowercase()).to_numpy().astype(object)
    part = (first.str.len_bytes() < at.str.len_bytes()).fill_null(False).to_numpy()
    per_match = 1 + part.astype(np.int64)
    handles = np.empty(int(per_match.sum()), dtype=object)
    at_whole = np.cumsum(per_match) - per_match
    handles[at_whole] = whole
    handles[at_whole[part] + 1] = first.to_numpy().astype(object)[part]
    counts = np.bincount(found["text"].to_numpy(), weights=per_match, minlength=len(values)).astype(np.int64)
    return counts, handles
