"""The text signals of the org posts that features read (``OrgFrames.text_signal``), each computed once.

A signal is a function of the org posts (``OrgFrames.org_posts``) and of their distinct texts coded once
(``features.text.DistinctTexts``); what it finds is defined by the ``features.text`` function it reads. The
features ask for them by name; ``OrgFrames.read_text_signals`` computes several together, from
:data:`PARALLEL_ORG_POSTS` org posts in two threads (Arrow, RE2, Polars and numpy release the GIL).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from features import text as textsig

#: From this many org posts on, :func:`read_together` reads its signals two at a time (as ``features.frames``
#: prepares from ``PARALLEL_POSTS`` posts on); fewer are read in one thread.
PARALLEL_ORG_POSTS = 20_000
#: The key of the org posts' distinct texts among the values an ``OrgFrames`` remembers; ``features.frames.prepare``
#: codes them beforehand, in a thread, from its ``PARALLEL_POSTS`` posts on.
ORG_TEXTS = "org_texts"

Function = TypeVar("Function", bound=Callable)
#: The text functions of the content signals: their texts are screened once for all three (:meth:`Reader.content`).
CONTENT = (textsig.has_tracked_link, textsig.feedback_asks, textsig.feedback_changes)


@dataclass(frozen=True)
class Reader:
    """The org posts and what the signals read of their texts, each computed once (``cached``: ``OrgFrames``')."""

    own: pd.DataFrame
    cached: Callable[[str, Callable[[], Any]], Any]

    def texts(self) -> textsig.DistinctTexts:
        """The distinct texts of the org posts, coded once (``OrgFrames.org_texts``)."""
        return self.cached(ORG_TEXTS, lambda: textsig.DistinctTexts.of(self.own["text"]))

    def content(self) -> np.ndarray:
        """Which distinct texts may hold a tracked link, a feedback ask or a feedback-change report: one RE2 pass
        with the screens of the three (``features.text.screened``) for all of them."""
        pattern = "|".join(f"(?:{textsig.screen_pattern(function)})" for function in CONTENT)
        return self.cached("org_content_texts", lambda: self.texts().may_match(pattern))


def reads(*names: str) -> Callable[[Function], Function]:
    """Mark a feature function as reading the signals ``names`` (``function.text_signals``), so that
    ``features.compute_features`` computes the signals of the features it calculates together, beforehand."""

    def mark(function: Function) -> Function:
        function.text_signals = names
        return function

    return mark


def _dialogue(own: pd.DataFrame) -> pd.Series:
    return own["category"] == "dialogue"


def says_something(reader: Reader) -> pd.Series:
    """``features.text.says_something`` of the dialogue replies (their rows only: read only where it counts)."""
    return reader.texts().read(textsig.says_something, _dialogue(reader.own))


def addressed_names(reader: Reader) -> pd.Series:
    """``features.text.addressed_names`` of the dialogue replies (their rows only)."""
    return reader.texts().read(textsig.addressed_names, _dialogue(reader.own))


def tracked_text(reader: Reader) -> pd.Series:
    """``features.text.has_tracked_link`` of each text."""
    return reader.texts().read_some(textsig.has_tracked_link, reader.content())


def tracked_urls(reader: Reader) -> np.ndarray:
    """``features.text.has_tracked_link`` of each ``urls`` field, as a boolean array: a post without one holds
    none (the function's value for the empty string, as it reads a missing value), so only the given ones are
    read."""
    urls = reader.own["urls"]
    given = urls.notna().to_numpy(dtype=bool)
    found = np.zeros(len(urls), dtype=bool)
    if given.any():
        found[given] = textsig.has_tracked_link(urls[given]).to_numpy(dtype=bool)
    return found


def feedback_asks(reader: Reader) -> pd.Series:
    """``features.text.feedback_asks`` of each text."""
    return reader.texts().read_some(textsig.feedback_asks, reader.content())


def feedback_changes(reader: Reader) -> pd.Series:
    """``features.text.feedback_changes`` of each text."""
    return reader.texts().read_some(textsig.feedback_changes, reader.content())


#: Every signal by name, in the order :func:`read_together` starts them: first what reads no text (while the texts
#: are coded), then what reads the texts of the dialogue replies (while the content screen runs), then the rest.
SIGNALS: dict[str, Callable[[Reader], pd.Series | np.ndarray]] = {
    "tracked_urls": tracked_urls, "says_something": says_something, "addressed_names": addressed_names,
    "tracked_text": tracked_text, "feedback_asks": feedback_asks, "feedback_changes": feedback_changes,
}
_STEPS = ({"tracked_urls"}, {"says_something", "addressed_names"}, {"tracked_text", "feedback_asks",
                                                                    "feedback_changes"})


def read_together(reader: Reader, names: list[str]) -> dict[str, pd.Series | np.ndarray]:
    """The signals ``names``: from :data:`PARALLEL_ORG_POSTS` org posts on two at a time, the texts coded and
    screened (:meth:`Reader.texts`, :meth:`Reader.content`) in this thread while the signals that need neither
    run; fewer org posts in turn."""
    if len(reader.own) < PARALLEL_ORG_POSTS or len(names) < 2:
        return {name: SIGNALS[name](reader) for name in names}
    wanted = set(names)
    futures = {}
    with ThreadPoolExecutor(2) as pool:
        for needs, step in zip((None, reader.texts, reader.content), _STEPS, strict=True):
            todo = [name for name in SIGNALS if name in step & wanted]
            if todo and needs is not None:
                needs()  # here, before the signals that read it start
            futures.update({name: pool.submit(SIGNALS[name], reader) for name in todo})
        return {name: futures[name].result() for name in names}
