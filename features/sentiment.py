"""Sentiment of post text with VADER (vaderSentiment): the one place it is computed.

VADER scores one text at a time in Python, so this module keeps the cost down: each distinct text is
scored once (reposts and templates repeat), the analyzer is built once per process, and large inputs
are split over several processes. Callers store the scores with the posts (the store's ``enrichment``
table) so that a post is scored once in its life; :data:`SENTIMENT_VERSION` says which scorer made a
stored value, and a value from another version is computed again.

Definitions:

* **compound**: VADER's normalized compound score in [-1, 1] of the text with links (``http...``,
  ``www...``) and mentions (``@name``, ``u/name``) removed, whitespace collapsed. A text with
  nothing left (empty, or only links and mentions) has no sentiment: missing, not 0.
* **class**: ``positive`` when compound >= 0.05, ``negative`` when compound <= -0.05, ``neutral``
  in between (VADER's standard thresholds); missing when the compound is missing.
"""

from __future__ import annotations

import logging
import math
import os
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # imported when first scoring: an audit with stored scores never loads VADER
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

logger = logging.getLogger(__name__)

POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
#: ``SENTIMENT_VERSION``: which scorer made a stored score: the VADER release and the version of the text cleaning
#: here (``vader-3.3.2/clean-1``). It is read from the installed package's metadata when first asked for (module
#: ``__getattr__``), so that scoring posts for an audit from a file does not load importlib.metadata.
CLEANING_VERSION = "clean-1"
#: Fewer distinct texts than this are scored in this process (bench/bench_sentiment.py: from about this
#: many texts on, workers pay for their start).
PARALLEL_MIN_TEXTS = 50_000

_NOISE_RE = r"(?i)(?:https?://|www\.)\S+|(?<![\w@/])@[A-Za-z0-9_]{1,40}|(?<![\w/])/?u/[A-Za-z0-9_-]{1,40}"


@cache
def sentiment_version() -> str:
    """:data:`SENTIMENT_VERSION`."""
    from importlib.metadata import version

    return f"vader-{version('vaderSentiment')}/{CLEANING_VERSION}"


def __getattr__(name: str) -> Any:
    if name == "SENTIMENT_VERSION":
        return sentiment_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    """The process's VADER analyzer (its lexicon is read once)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def clean_text(text: pd.Series) -> pd.Series:
    """Text as scored: links and mentions removed, whitespace collapsed; a missing text is empty."""
    cleaned = text.fillna("").astype(str).str.replace(_NOISE_RE, " ", regex=True)
    return cleaned.str.replace(r"\s+", " ", regex=True).str.strip()


def _score(texts: list[str]) -> list[float]:
    if not texts:  # nothing to score: VADER is not loaded
        return []
    scorer = analyzer()
    return [scorer.polarity_scores(t)["compound"] for t in texts]


def _workers(processes: int | None, count: int) -> int:
    if processes is not None:
        return max(1, processes)
    return 1 if count < PARALLEL_MIN_TEXTS else max(1, os.cpu_count() or 1)


def score_texts(texts: list[str], processes: int | None = None) -> list[float]:
    """VADER compound scores of ``texts`` (already cleaned), in order; ``processes`` workers (None: one
    for fewer than :data:`PARALLEL_MIN_TEXTS` texts, else one per CPU)."""
    workers = min(_workers(processes, len(texts)), max(1, len(texts)))
    if workers == 1:
        return _score(texts)
    size = math.ceil(len(texts) / (workers * 4))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    logger.info("scoring sentiment of %d texts in %d processes", len(texts), workers)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork (POSIX) starts workers at once and needs no importable __main__; spawn elsewhere
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return [score for chunk in pool.map(_score, chunks) for score in chunk]


def compound(text: pd.Series, processes: int | None = None) -> pd.Series:
    """The VADER compound score of each text (see the module docstring), with ``text``'s index.

    Each distinct cleaned text is scored once. A text left empty by cleaning is missing. An empty
    input gives an empty Series.
    """
    cleaned = clean_text(text)
    scorable = cleaned != ""
    distinct = pd.unique(cleaned[scorable])
    scores = pd.Series(score_texts(list(distinct), processes), index=distinct, dtype=float)
    values = cleaned.map(scores).where(scorable)
    return pd.Series(values.to_numpy(dtype=float), index=text.index, name="sentiment")


def sentiment_class(scores: pd.Series) -> pd.Series:
    """``positive`` (>= 0.05), ``negative`` (<= -0.05) or ``neutral`` per compound score; missing stays missing."""
    values = scores.astype(float)
    labels = np.select(
        [values >= POSITIVE_THRESHOLD, values <= NEGATIVE_THRESHOLD, values.notna()],
        ["positive", "negative", "neutral"],
        None,
    )
    return pd.Series(labels, index=scores.index, dtype=object, name="sentiment_class")


def fill_missing(text: pd.Series, stored: pd.Series | None, processes: int | None = None) -> pd.Series:
    """``stored`` scores where present, computed ones (:func:`compound`) where missing."""
    if stored is None:
        return compound(text, processes)
    stored = stored.astype(float)
    todo = stored.isna()
    if not todo.any():
        return stored.rename("sentiment")
    filled = stored.copy()
    filled[todo] = compound(text[todo], processes)
    return filled.rename("sentiment")
