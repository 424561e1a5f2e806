"""The text signals of the org posts that features read (``OrgFrames.text_signal``), each computed once.

A signal is a function of the org posts (``OrgFrames.org_posts``) and of their distinct texts coded once
(``features.text.DistinctTexts``); what it finds is defined by the ``features.text`` function it reads. The
features ask for them by name; ``OrgFrames.read_text_signals`` computes several together, from
:data:`PARALLEL_ORG_POSTS` org posts in two threads (Arrow, RE2, Polars and numpy release the GIL).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import pandas as pd

from features import text as textsig

#: From this many org posts on, :func:`read_together` reads its signals two at a time (as ``features.frames``
#: prepares from ``PARALLEL_POSTS`` posts on); fewer are read in one thread.
PARALLEL_ORG_POSTS = 20_000

Texts = Callable[[], textsig.DistinctTexts]
Function = TypeVar("Function", bound=Callable)


def reads(*names: str) -> Callable[[Function], Function]:
    """Mark a feature function as reading the signals ``names`` (``function.text_signals``), so that
    ``features.compute_features`` computes the signals of the features it calculates together, beforehand."""

    def mark(function: Function) -> Function:
        function.text_signals = names
        return function

    return mark


def _dialogue(own: pd.DataFrame) -> pd.Series:
    return own["category"] == "dialogue"


def says_something(own: pd.DataFrame, texts: Texts) -> pd.Series:
    """``features.text.says_something`` of the dialogue replies (their rows only: read only where it counts)."""
    return texts().read(textsig.says_something, _dialogue(own))


def addressed_names(own: pd.DataFrame, texts: Texts) -> pd.Series:
    """``features.text.addressed_names`` of the dialogue replies (their rows only)."""
    return texts().read(textsig.addressed_names, _dialogue(own))


def tracked_text(own: pd.DataFrame, texts: Texts) -> pd.Series:
    """``features.text.has_tracked_link`` of each text."""
    return texts().read(textsig.has_tracked_link)


def tracked_urls(own: pd.DataFrame, texts: Texts) -> np.ndarray:
    """``features.text.has_tracked_link`` of each ``urls`` field, as a boolean array: a post without one holds
    none (the function's value for the empty string, as it reads a missing value), so only the given ones are
    read."""
    urls = own["urls"]
    given = urls.notna().to_numpy(dtype=bool)
    found = np.zeros(len(urls), dtype=bool)
    if given.any():
        found[given] = textsig.has_tracked_link(urls[given]).to_numpy(dtype=bool)
    return found


def feedback_asks(own: pd.DataFrame, texts: Texts) -> pd.Series:
    """``features.text.feedback_asks`` of each text."""
    return texts().read(textsig.feedback_asks)


def feedback_changes(own: pd.DataFrame, texts: Texts) -> pd.Series:
    """``features.text.feedback_changes`` of each text."""
    return texts().read(textsig.feedback_changes)


#: Every signal by name; those that read no text come first (they run while the texts are coded).
SIGNALS: dict[str, Callable[[pd.DataFrame, Texts], pd.Series | np.ndarray]] = {
    "tracked_urls": tracked_urls, "tracked_text": tracked_text, "says_something": says_something,
    "feedback_asks": feedback_asks, "feedback_changes": feedback_changes, "addressed_names": addressed_names,
}
_READS_NO_TEXT = frozenset({"tracked_urls"})


def read_together(own: pd.DataFrame, texts: Texts, names: list[str]) -> dict[str, pd.Series | np.ndarray]:
    """The signals ``names`` of ``own``: from :data:`PARALLEL_ORG_POSTS` rows on two at a time, the texts coded
    (``texts()``, remembered by its caller) while the signals that read no text run; fewer rows in turn."""
    if len(own) < PARALLEL_ORG_POSTS or len(names) < 2:
        return {name: SIGNALS[name](own, texts) for name in names}
    ordered = sorted(names, key=lambda name: name not in _READS_NO_TEXT)  # stable: SIGNALS' order otherwise
    with ThreadPoolExecutor(2) as pool:
        early = {name: pool.submit(SIGNALS[name], own, texts) for name in ordered if name in _READS_NO_TEXT}
        texts()  # coded once, here, before the signals that read it start
        later = {name: pool.submit(SIGNALS[name], own, texts) for name in ordered if name not in _READS_NO_TEXT}
        return {name: future.result() for name, future in {**early, **later}.items()}
