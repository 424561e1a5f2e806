"""Text signals read from post text, vectorized over pandas string Series.

Every pattern is compiled once and applied to a whole Series at a time (no per-post loops).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.codes import factorize
from features.text_reading import _ASCII_SPACE_CHARS as _ASCII_SPACE_CHARS
from features.text_reading import ASCII_SPACE as ASCII_SPACE
from features.text_reading import DistinctTexts as DistinctTexts
from features.text_reading import _arrow, _strings, per_distinct, screened
from features.text_reading import screen_pattern as screen_pattern

#: @handle mentions (X handles: letters, digits, underscore; a Bluesky handle goes on with its domain,
#: ``@acme.example.com``; a Mastodon one with its instance, ``@acme@mastodon.social``) and u/name mentions (Reddit
#: names may also hold hyphens); a mention is not part of an e-mail address or a URL path. The @handle group holds
#: the whole handle; :func:`mentions` lists it and, for a dotted or instance handle, its first part too (what an X
#: handle followed by a full stop or an e-mail-like tail is).
MENTION_RE = (r"(?<![\w@/])@([A-Za-z0-9_]{1,40}(?:\.[A-Za-z0-9-]{1,63})*"
              r"(?:@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)?)"
              r"|(?<![\w/])/?u/([A-Za-z0-9_-]{1,40})")

# Trailing material that follows a sign-off: links, page counters such as 2/2 or (1/3), dots.
_TRAILER_RE = re.compile(r"(?:\s*(?:https?://\S+|\(?\d{1,2}/\d{1,2}\)?|[.,!;:]+))+\s*$")
#: A sign-off at the very end: a symbol, an optional space, then a name of 1-15 letters (dots allowed
#: inside, as in ``S.D``). ``^`` may follow anything but a letter (``sorry.^AB``, ``2/2^AB``) and takes
#: lowercase initials too (``^ab``); ``*`` and ``~`` may follow anything but a letter and need a capital
#: (``*making`` corrects a typo); ``/`` and the dashes may not follow a letter, a digit or an emoticon's
#: eyes (``and/or``, ``24/7``, ``state-of-the-art``, ``:-P``, ``;-D``) and need a capital (``/s`` marks
#: sarcasm); a dash name may end with an initial (``- Anna K``).
_SIGNATURE_RE = re.compile(
    r"(?:(?<![^\W\d_])\^\s?(?P<caret>[A-Za-z][A-Za-z.]{0,14})"
    r"|(?<![^\W\d_])[*~]\s?(?P<star>[A-Z][A-Za-z.]{0,14})"
    r"|(?<![\w:;=])/\s?(?P<slash>[A-Z][A-Za-z.]{0,14})"
    r"|(?<![\w:;=])[-–—]\s?(?P<dash>[A-Z][A-Za-z.]{0,14}(?:\s[A-Z]\.?)?))$"
)
#: Capitalised words that end posts after a dash but are no one's name ("- Thanks", "- Friday").
_NOT_NAMES = frozenset({
    "thanks", "thank", "thankyou", "cheers", "regards", "best", "thx", "ty", "pls", "please", "lol", "ok", "okay",
    "enjoy", "sorry", "apologies", "welcome", "yes", "no", "hi", "hello", "hey", "bye", "goodbye", "love", "hugs",
    "xo", "xx", "xoxo", "soon", "now", "today", "tonight", "tomorrow", "yesterday", "monday", "tuesday",
    "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "july", "september",
    "october", "november", "december",
})
#: Which reader made a stored signature (the store's ``signature_version``): bump the number when the code of
#: :func:`signatures` changes meaning; the hash follows its patterns and word list by itself.
SIGNATURE_VERSION = "signatures-1/" + hashlib.sha256("\n".join(
    [_TRAILER_RE.pattern, _SIGNATURE_RE.pattern, *sorted(_NOT_NAMES)]).encode()).hexdigest()[:12]


#: Fewer texts than this are read by Python's ``re`` alone: the same values, without the columnar engine's start-up
#: (importing Polars takes about 0.2 s, more than reading a few thousand texts).
ENGINE_TEXTS = 20_000


def mentions(text: pd.Series) -> pd.Series:
    """Lists of lowercase handles mentioned in each text (``@name`` or ``u/name``)."""
    return pd.Series(_mention_lists(_strings(text)), index=text.index, dtype=object)


def _mention_lists(texts: Iterable[str]) -> list[list[str]]:
    find = _MENTION.findall
    return [[handle for at, user in find(text) for handle in _handles(at, user)] for text in texts]


def _handles(at: str, user: str) -> tuple[str, ...]:
    """The handles one match names: the whole handle, and for ``@a.b.c`` or ``@a@b.c`` also ``a`` (lowercase)."""
    if not at:
        return (user.lower(),)
    whole = at.lower()
    first = _FIRST_PART.match(whole)
    return (whole, first.group()) if first and first.end() < len(whole) else (whole,)


_FIRST_PART = re.compile(r"[a-z0-9_]{1,40}")


#: :data:`MENTION_RE` with the look-behind of ``@`` after it (the same matches; the search skips to each ``@``).
_MENTION = re.compile(MENTION_RE.replace(r"(?<![\w@/])@", r"@(?<![\w@/]@)", 1))


#: At most this many handles screen the texts of :func:`mention_rows` (a longer RE2 alternation costs more to build
#: than it saves).
SCREENED_HANDLES = 2000


def mention_rows(text: pd.Series, handles: Collection[str] | None = None) -> pd.Series:
    """Every mention of :func:`mentions`, one row each (lowercase handle), indexed by the position of its text
    in ``text``, in order. Each distinct text is searched once, and only if it holds ``@`` or ``u/``.

    With ``handles`` (lowercase), only mentions of those are sure to be listed: texts are searched only where a
    fast RE2 pass finds ``@`` or ``u/`` before one of them, case-insensitively (and in every non-ASCII text)."""
    codes, uniques = factorize([_strings(text)])
    distinct = _arrow(uniques)
    if handles is not None and len(handles) <= SCREENED_HANDLES:
        names = "|".join(sorted(re.escape(h) for h in handles if h))
        maybe = pc.invert(pc.string_is_ascii(distinct))
        if names:
            maybe = pc.or_(maybe, pc.match_substring_regex(distinct, f"(?:@|u/)(?:{names})", ignore_case=True))
    else:
        maybe = pc.or_(pc.match_substring(distinct, "@"), pc.match_substring(distinct, "u/"))
    searched = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
    counts = np.zeros(len(uniques), dtype=np.int64)  # mentions per distinct text
    counts[searched], flat = _search_mentions(distinct.take(searched))
    starts = np.zeros_like(counts)
    starts[searched] = np.cumsum(counts[searched]) - counts[searched]
    per_row = counts[codes]
    rows = np.repeat(np.arange(len(codes), dtype=np.int64), per_row)
    within = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return pd.Series(flat[np.repeat(starts[codes], per_row) + within], index=rows, dtype=object,
                     name="handle_key")


def _search_mentions(texts: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """The mentions of each text (:func:`mentions`): how many, and all of them in order. ASCII texts are read by
    the columnar engine (``features.engine.ascii_mentions``), the others and those where a mention may follow
    another at once by Python's ``re``; the tests check both give the same."""
    if len(texts) < ENGINE_TEXTS:
        listed = _mention_lists(texts.to_pylist())
        return (np.array([len(handles) for handles in listed], dtype=np.int64),
                np.array([h for handles in listed for h in handles], dtype=object))
    from features import engine

    python = pc.or_(pc.invert(pc.string_is_ascii(texts)), pc.match_substring_regex(texts, engine.MENTION_EDGE))
    python = python.to_numpy(zero_copy_only=False)
    counts = np.zeros(len(texts), dtype=np.int64)
    fast_counts, fast = engine.ascii_mentions(texts.filter(pa.array(~python)), MENTION_RE)
    listed = _mention_lists(texts.filter(pa.array(python)).to_pylist())
    counts[~python], counts[python] = fast_counts, [len(handles) for handles in listed]
    flat = np.empty(int(counts.sum()), dtype=object)
    starts = np.cumsum(counts) - counts
    for rows, handles in ((~python, fast), (python, [h for found in listed for h in found])):
        per_text = counts[rows]
        within = np.arange(int(per_text.sum()), dtype=np.int64) - np.repeat(np.cumsum(per_text) - per_text, per_text)
        flat[np.repeat(starts[rows], per_text) + within] = np.asarray(handles, dtype=object)
    return counts, flat


@per_distinct
def leading_mention(text: pd.Series) -> pd.Series:
    """The first handle a reply text opens with (``@name ...``), lowercase, or missing."""
    return _strings(text).str.extract(r"^\s*@([A-Za-z0-9_]{1,40})", expand=False).str.lower()


def strip_trailer(text: pd.Series) -> pd.Series:
    """Text without trailing links, page counters and punctuation."""
    return _strings(text).str.replace(_TRAILER_RE, "", regex=True)


@per_distinct
def signatures(text: pd.Series) -> pd.Series:
    """The agent sign-off each text ends with (``^AB``, ``*AB``, ``-Name``, ``- Name``, ``/AB``, ``~AB``), or missing.

    The sign-off is the last thing in the text but for links, page counters (``2/2``, ``(1/2)``) and
    punctuation; it may stand on a line of its own. Its symbol must not continue a word: ``/`` and
    dashes never follow a letter or digit (so ``and/or``, ``24/7`` and ``state-of-the-art`` are not
    sign-offs), ``^``, ``*`` and ``~`` never follow a letter. The name is 1-15 letters, dots inside
    allowed (``S.D``), a dash name optionally followed by an initial (``- Anna K``); so emoticons such
    as ``:-)``, ``:-/``, ``;-P`` or ``-_-`` are not sign-offs. The name starts with a capital except
    after ``^`` (``^ab``), so ``*typo`` corrections and ``/s`` are not sign-offs; and a dash before
    a common word (``- Thanks``, ``- Friday``) is not a sign-off. The returned value is the
    symbol-free name, e.g. ``AB`` or ``Maria``.
    """
    found = strip_trailer(text).str.extract(_SIGNATURE_RE)
    names = found["caret"].fillna(found["star"]).fillna(found["slash"]).fillna(found["dash"]).str.rstrip(".")
    return names.where(~names.str.lower().isin(_NOT_NAMES))


#: Words of its own a reply needs to be conversation (``says_something``).
OWN_WORDS = 3
_TAGS_AND_LINKS_RE = r"https?://\S+|(?<![\w@])[@#][^\W_]\w*"
#: Scripts written without spaces between words: Han and kana, Thai, Lao, Khmer, Myanmar
#: (Hangul is written with spaces); two such characters count as one word.
_UNSPACED_RE = r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]"


@per_distinct
def says_something(text: pd.Series) -> pd.Series:
    """True where, with links, @handles and #hashtags removed, at least ``OWN_WORDS`` words remain (a word: a
    run of letters or digits; two characters of a script written without spaces count as one word).

    ASCII texts are read by the columnar engine (``features.engine.ascii_has_words``), the others by Python's ``re``;
    the tests check both give the same."""
    if len(text) < ENGINE_TEXTS:
        return _python_says_something(text)
    from features import engine

    strings = _strings(text)
    arrow = _arrow(strings)
    ascii_text = pc.string_is_ascii(arrow).to_numpy(zero_copy_only=False)
    found = np.zeros(len(strings), dtype=bool)
    found[ascii_text] = engine.ascii_has_words(arrow.filter(pa.array(ascii_text)), OWN_WORDS)
    if not ascii_text.all():
        found[~ascii_text] = _python_says_something(strings[~ascii_text]).to_numpy()
    return pd.Series(found, index=text.index, dtype=bool)


def _python_says_something(text: pd.Series) -> pd.Series:
    """:func:`says_something` by Python's ``re`` (any text)."""
    bare = _strings(text).str.replace(_TAGS_AND_LINKS_RE, " ", regex=True)
    unspaced = bare.str.count(_UNSPACED_RE)
    spaced = bare.str.replace(_UNSPACED_RE, " ", regex=True).str.count(r"[^\W_]+")
    return (spaced + unspaced // 2 >= OWN_WORDS).astype(bool)


@per_distinct
@screened(r"\?")
def has_question(text: pd.Series) -> pd.Series:
    """True where the text contains a question mark outside links (``?`` in ``https://x.co/p?id=1`` is not one).

    ASCII texts are read by RE2 (pyarrow, ``\\s`` spelled out), the others by Python's ``re``; the tests check both
    give the same."""
    strings = _strings(text)
    arrow = _arrow(strings)
    ascii_text = pc.string_is_ascii(arrow).to_numpy(zero_copy_only=False)
    bare = pc.replace_substring_regex(arrow, f"https?://[^{_ASCII_SPACE_CHARS}]+", " ")
    found = pc.match_substring(bare, "?").to_numpy(zero_copy_only=False)
    if not ascii_text.all():
        found[~ascii_text] = _python_has_question(strings[~ascii_text]).to_numpy()
    return pd.Series(found, index=text.index, dtype=bool)


def _python_has_question(text: pd.Series) -> pd.Series:
    """:func:`has_question` by Python's ``re`` (any text)."""
    return _strings(text).str.replace(r"https?://\S+", " ", regex=True).str.contains("?", regex=False)


@cache
def word_list(name: str) -> tuple[str, ...]:
    """A packaged word list (``features/data/NAME.txt``), one entry a line, ``#`` comments."""
    content = resources.files("features").joinpath("data", f"{name}.txt").read_text(encoding="utf-8")
    return tuple(
        line.split("#", 1)[0].strip().lower() for line in content.splitlines() if line.split("#", 1)[0].strip()
    )


def tracked_links(urls: pd.Series, text: pd.Series) -> pd.Series:
    """True where a post's links carry campaign parameters or pass through an analytics shortener.

    Links are read from the ``urls`` field and from the text. A link is tracked when its query has a
    parameter from ``data/tracking_parameters.txt`` (``utm_source=`` ...) or its host is in
    ``data/link_shorteners.txt`` (bit.ly ...). Both lists are data: extend them without code.
    """
    return has_tracked_link(urls) | has_tracked_link(text)


def _tracked_link_regex(not_space: str = r"\S") -> str:
    params = "|".join(re.escape(p) for p in word_list("tracking_parameters"))
    hosts = "|".join(re.escape(h) for h in word_list("link_shorteners"))
    return rf"https?://(?:www\.)?(?:(?:{hosts})/|{not_space}*[?&](?:{params})=)"


@per_distinct
@screened(lambda: _tracked_link_regex(not_space=f"[^{_ASCII_SPACE_CHARS}]"), exact=True)
def has_tracked_link(links: pd.Series) -> pd.Series:
    """True where the text holds a tracked link (:func:`tracked_links`). A link is a run of non-space characters
    (the pattern matches no space), so a text made of two texts joined by a space holds one exactly when either
    does: the ``urls`` field and the text are read apart. RE2 finds the same in ASCII text (``\\s`` spelled out)."""
    return links.str.contains(f"(?i){_tracked_link_regex()}", regex=True)


def _feedback_ask_regex() -> str:
    phrases = "|".join(re.escape(p) for p in word_list("feedback_phrases"))
    return rf"\b(?:{phrases})(?:s|es|d|ed|ing)?\b"


@per_distinct
@screened(_feedback_ask_regex, exact=True)
def feedback_asks(text: pd.Series) -> pd.Series:
    """True where a post asks the audience for feedback: a phrase in ``data/feedback_phrases.txt`` as
    whole words, case-insensitive, the last word optionally inflected (``polls``, ``voted``,
    ``surveying``), so ``pollution`` or ``voters`` are not feedback asks. RE2 finds the same in ASCII text
    (where ``\\b`` means the same)."""
    return _strings(text).str.contains(f"(?i){_feedback_ask_regex()}", regex=True)


def _phrase_regex(name: str, separator: str = r"\s+") -> str:
    """The word list ``data/NAME.txt`` as one alternation: each phrase's words in order, ``separator`` between."""
    phrases = (separator.join(re.escape(word) for word in phrase.split()) for phrase in word_list(name))
    return "|".join(sorted(phrases, key=len, reverse=True))


def _normalized(text: pd.Series) -> pd.Series:
    """Text with typographic apostrophes as ``'`` (so ``we’ve`` matches ``we've``)."""
    return _strings(text).str.replace(r"[’‘ʼ]", "'", regex=True)


@per_distinct
@screened(lambda: _phrase_regex("feedback_change_phrases", separator="[^A-Za-z0-9]+"))
def feedback_changes(text: pd.Series) -> pd.Series:
    """True where a post reports a change made because of feedback ("you asked, we changed"): a phrase
    in ``data/feedback_change_phrases.txt``, case-insensitive, as whole words in order, with any spaces
    or punctuation (``, . ; : !`` and dashes) between the words (``You asked. We listened.``)."""
    pattern = _phrase_regex("feedback_change_phrases", separator=r"[\s,.;:!\-–—]+")
    return _normalized(text).str.contains(rf"(?i)(?<![\w'])(?:{pattern})(?![\w'])", regex=True)


#: A name: a capital then 1-19 lowercase letters or apostrophes (``Jane``, ``O'neil``), parts joined by a
#: hyphen (``Anne-Marie``), optionally a second such word (``Jane Doe``). All capitals (``DM``) is no name.
_WORD_RE = r"[A-Z][a-z']{1,19}(?:-[A-Z][a-z']{1,19})?"


def _addressed_pattern(re2: bool = False) -> str:
    """The pattern of :func:`addressed_names` for Python's ``re``, or with ``re2`` for RE2 on ASCII text: there
    ``\\s`` is spelled out (:data:`ASCII_SPACE`) and the closing look-ahead, which RE2 lacks, becomes a group
    that consumes (the pattern is anchored at the start and only the name is kept, so the name is the same)."""
    space, space_chars = (ASCII_SPACE, _ASCII_SPACE_CHARS) if re2 else (r"\s", r"\s")
    greetings = _phrase_regex("name_greetings", separator=f"{space}+")
    mentions = rf"^(?:{space}*\.?@[A-Za-z0-9_]{{1,40}})*[{space_chars},:]*"
    name = rf"(?i:{greetings}),?{space}+(?P<name>{_WORD_RE}(?:{space}{_WORD_RE})?)"
    closing = rf"{space}*(?:[,!.:;?]|[-–—]{space}|" + (r"\n?\z)" if re2 else "$)")
    return rf"{mentions}{name}(?:{closing})" if re2 else rf"{mentions}{name}(?={closing})"


@per_distinct
def addressed_names(text: pd.Series) -> pd.Series:
    """The name a reply addresses its reader by, or missing.

    A name is recognised only at the start of the text, after its leading @mentions: a greeting from
    ``data/name_greetings.txt`` (any case: ``Hi``, ``Hello``, ``Thanks``, ``Thank you``, ``Sorry`` ...),
    an optional comma, then a capitalised word (a capital and 1-19 lowercase letters or apostrophes,
    hyphenated parts allowed: ``Anne-Marie``) and optionally a second one, followed by punctuation
    (``, ! . : ; ?``), a spaced dash or the end of the text: ``Hi Jane, ...``, ``Thanks, Jane!``,
    ``Sorry Jane Doe.``. Words in ``data/name_stop_words.txt`` (``there``, ``all``, ``team`` ...)
    and the sign-off stop words (``Friday``, ``Thanks`` ...) are not names. The returned value is
    the name, e.g. ``Jane``.

    ASCII texts are read by RE2 (pyarrow), the others by Python's ``re``; the tests check both give the same.
    """
    strings = _strings(text)
    arrow = _arrow(strings)
    ascii_text = pc.string_is_ascii(arrow).to_numpy(zero_copy_only=False)
    found = pc.struct_field(pc.extract_regex(arrow, _addressed_pattern(re2=True)), "name")
    names = pd.Series(found.to_numpy(zero_copy_only=False), index=text.index, dtype=object)
    if not ascii_text.all():
        names[~ascii_text] = _python_addressed_names(strings[~ascii_text]).to_numpy()
    return _named(names)


def _python_addressed_names(text: pd.Series) -> pd.Series:
    """The names :func:`addressed_names` reads, by Python's ``re`` (stop words not yet removed)."""
    return _normalized(text).str.extract(_addressed_pattern(), expand=True)["name"].astype(object)


def _named(names: pd.Series) -> pd.Series:
    """``names`` without stop words (their first word in ``data/name_stop_words.txt`` or the sign-off stop words)."""
    stop_words = set(word_list("name_stop_words")) | _NOT_NAMES
    values = names.to_numpy(dtype=object)
    named = ~pd.isna(values)
    found = np.flatnonzero(named)  # few texts address someone by name: only their names are read in Python
    named[found] = [name.split(" ")[0].lower() not in stop_words for name in values[found]]
    return names.astype(object).where(named, np.nan)
