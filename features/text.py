"""Text signals read from post text, vectorized over pandas string Series.

Every pattern is compiled once and applied to a whole Series at a time (no per-post loops).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import pandas as pd

#: @handle mentions (X handles: letters, digits, underscore) and u/name mentions (Reddit names may also
#: hold hyphens); a mention is not part of an e-mail address or a URL path.
MENTION_RE = r"(?<![\w@/])@([A-Za-z0-9_]{1,40})|(?<![\w/])/?u/([A-Za-z0-9_-]{1,40})"

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


def _strings(values: pd.Series) -> pd.Series:
    """``values`` as strings, a missing value as the empty string (also for an empty Series)."""
    return values.fillna("").astype(str)


def mentions(text: pd.Series) -> pd.Series:
    """Lists of lowercase handles mentioned in each text (``@name`` or ``u/name``)."""
    found = _strings(text).str.findall(MENTION_RE)
    return found.map(lambda pairs: [(at or user).lower() for at, user in pairs])


def leading_mention(text: pd.Series) -> pd.Series:
    """The first handle a reply text opens with (``@name ...``), lowercase, or missing."""
    return _strings(text).str.extract(r"^\s*@([A-Za-z0-9_]{1,40})", expand=False).str.lower()


def strip_trailer(text: pd.Series) -> pd.Series:
    """Text without trailing links, page counters and punctuation."""
    return _strings(text).str.replace(_TRAILER_RE, "", regex=True)


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


def has_question(text: pd.Series) -> pd.Series:
    """True where the text contains a question mark outside links (``?`` in ``https://x.co/p?id=1`` is not one)."""
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
    links = _strings(urls) + " " + _strings(text)
    params = "|".join(re.escape(p) for p in word_list("tracking_parameters"))
    hosts = "|".join(re.escape(h) for h in word_list("link_shorteners"))
    pattern = rf"(?i)https?://(?:www\.)?(?:(?:{hosts})/|\S*[?&](?:{params})=)"
    return links.str.contains(pattern, regex=True)


def feedback_asks(text: pd.Series) -> pd.Series:
    """True where a post asks the audience for feedback: a phrase in ``data/feedback_phrases.txt`` as
    whole words, case-insensitive, the last word optionally inflected (``polls``, ``voted``,
    ``surveying``), so ``pollution`` or ``voters`` are not feedback asks."""
    phrases = "|".join(re.escape(p) for p in word_list("feedback_phrases"))
    return _strings(text).str.contains(rf"(?i)\b(?:{phrases})(?:s|es|d|ed|ing)?\b", regex=True)
