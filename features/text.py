"""Text signals read from post text, vectorized over pandas string Series.

Every pattern is compiled once and applied to a whole Series at a time (no per-post loops).
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import pandas as pd

#: @handle mentions (X) and u/name mentions (Reddit); a mention is not part of an e-mail address.
MENTION_RE = r"(?:(?<![\w@/])@|(?<![\w/])/?u/)([A-Za-z0-9_-]{1,40})"

# Trailing material that follows a sign-off: links, page counters such as 2/2 or (1/3), dots.
_TRAILER_RE = re.compile(r"(?:\s*(?:https?://\S+|\(?\d{1,2}/\d{1,2}\)?|[.,!;:]+))+\s*$")
#: A sign-off at the very end: ^AB, *AB, ~AB, /AB (symbol then 1-15 letters) or -Name / - Name / -AB.
_SIGNATURE_RE = re.compile(
    r"(?:^|\s)(?:[\^*~/]\s?(?P<sym>[A-Za-z][A-Za-z.]{0,14})|[-–—]\s?(?P<dash>[A-Z][A-Za-z]{0,14}(?:\s[A-Z]\.?)?))$"
)
_NOT_NAMES = {"thanks", "thank", "cheers", "regards", "best", "thx", "ty", "pls", "please", "lol", "ok"}


def mentions(text: pd.Series) -> pd.Series:
    """Lists of lowercase handles mentioned in each text (``@name`` or ``u/name``)."""
    return text.fillna("").str.findall(MENTION_RE).map(lambda found: [h.lower() for h in found])


def leading_mention(text: pd.Series) -> pd.Series:
    """The first handle a reply text opens with (``@name ...``), lowercase, or missing."""
    return text.fillna("").str.extract(r"^\s*@([A-Za-z0-9_]{1,40})", expand=False).str.lower()


def strip_trailer(text: pd.Series) -> pd.Series:
    """Text without trailing links, page counters and punctuation."""
    return text.fillna("").str.replace(_TRAILER_RE, "", regex=True)


def signatures(text: pd.Series) -> pd.Series:
    """The agent sign-off each text ends with (``^AB``, ``*AB``, ``-Name``, ``/AB``, ``~AB``), or missing.

    The sign-off must follow white space (so ``well-known`` or ``and/or`` are not sign-offs) and
    consist of letters (so emoticons such as ``:-)`` or ``:-/`` are not); it may be followed by
    links and a page counter. The returned value is the symbol-free name, e.g. ``AB`` or ``Maria``.
    """
    found = strip_trailer(text).str.extract(_SIGNATURE_RE)
    names = found["sym"].fillna(found["dash"]).str.rstrip(".")
    return names.where(~names.str.lower().isin(_NOT_NAMES))


def has_question(text: pd.Series) -> pd.Series:
    """True where the text contains a question mark."""
    return text.fillna("").str.contains("?", regex=False)


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
    links = urls.fillna("") + " " + text.fillna("")
    params = "|".join(re.escape(p) for p in word_list("tracking_parameters"))
    hosts = "|".join(re.escape(h) for h in word_list("link_shorteners"))
    pattern = rf"(?i)https?://(?:www\.)?(?:(?:{hosts})/|\S*[?&](?:{params})=)"
    return links.str.contains(pattern, regex=True)


def feedback_asks(text: pd.Series) -> pd.Series:
    """True where a post asks the audience for feedback (phrases in ``data/feedback_phrases.txt``)."""
    phrases = "|".join(re.escape(p) for p in word_list("feedback_phrases"))
    return text.fillna("").str.contains(rf"(?i)\b(?:{phrases})", regex=True)
