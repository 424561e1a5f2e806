"""Message type of an organization's post: information, action or dialogue.

After Lovejoy and Saxton's typology of organizational tweets (Lovejoy, K. and Saxton, G. D., 2012,
"Information, community, and action: how nonprofit organizations use social media", Journal of
Computer-Mediated Communication 17(3)):

* **information**: telling: news, reports, facts, announcements;
* **action**: asking the audience to do something: buy, join, sign up, attend, donate, vote, click, watch ...;
* **dialogue**: conversation: replies addressed to someone, questions to the audience, thanks and recognition,
  greetings, apologies.

Two classifiers, both vectorized over a text Series:

* :func:`rule_types`: word lists kept as data in ``features/data/message_*.txt`` (extend them without code);
* the shipped text model (``features/models/message_type.skops``, a scikit-learn pipeline read with skops
  and an explicit list of trusted types, so loading never executes code), described by its model card
  ``features/models/message_type.json``. It is used through its array export beside it
  (``message_type.arrays.npz``, :mod:`features.message_type_arrays`: same predictions with NumPy only, read
  only when made from that very model file), so that typing posts imports neither skops nor scikit-learn.

:func:`classify_messages` is the public entry point; its default method, ``"shipped"``, is whichever of the two
the model card says did better on accounts it was not trained on (``bench/message_types.py`` decides it).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features import text as textsig
from features.message_type_arrays import MessageTypeArrays, arrays_path, read_arrays

logger = logging.getLogger(__name__)

MESSAGE_TYPES: tuple[str, ...] = ("information", "action", "dialogue")
METHODS: tuple[str, ...] = ("shipped", "rules", "model")

MODEL_FILE = "message_type.skops"
CARD_FILE = "message_type.json"

#: Every type the shipped pipeline is made of. The model is loaded only if its file holds nothing else;
#: ``bench/message_types.py`` refuses to write a model whose file holds a type outside this list.
TRUSTED_TYPES: tuple[str, ...] = (
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
    "builtins.type",
    "numpy.dtype",
    "numpy.ndarray",
    "numpy.float64",
    "numpy.int64",
    "numpy.str_",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
)

_APOSTROPHES = r"[’‘ʼ`´]"
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}
#: The repost marker a reposted text starts with ("RT @name: ..."); the text after it is the reposted message.
_RT_PREFIX = r"^\s*RT\s+@[A-Za-z0-9_]{1,40}:?\s*"
#: One or more @-mentions opening a text: the people a reply (or an addressed post) speaks to.
_LEADING_MENTIONS = r"^\s*(?:@[A-Za-z0-9_]{1,40}[\s,:]*)+"
_ADDRESSED = r"^\s*@[A-Za-z0-9_]"
_URL = r"(?i)\b(?:https?://|www\.)\S+"
_MENTION = r"(?<![\w@/])@[A-Za-z0-9_]{1,40}"
#: Where an imperative can stand: the start of the text or of a sentence (after . ! ? : ; a line break, a
#: spaced dash or an arrow), or after "please", "pls" or "now", then any non-word symbols (emoji, quotes).
_IMPERATIVE_AT = r"(?:^|[.!?:;\n]|\s[-–—>→»|]|\bplease\b|\bpls\b|\bnow\b)[^\w@#]*"


def _normalized(text: pd.Series) -> pd.Series:
    """Text as a string (missing: empty), typographic apostrophes as ``'``, common HTML entities decoded, and a
    leading repost marker ``RT @name:`` removed."""
    strings = text.fillna("").astype(str).str.replace(_APOSTROPHES, "'", regex=True)
    strings = strings.str.replace(r"&(amp|lt|gt|quot);?", lambda m: _ENTITIES[m.group(1)], regex=True)
    return strings.str.replace(_RT_PREFIX, "", regex=True)


def _addressed(normalized: pd.Series, is_reply: pd.Series | None) -> pd.Series:
    """``is_reply`` (aligned on the index) where known, else whether the text opens with an @-mention."""
    leading = normalized.str.contains(_ADDRESSED, regex=True)
    if is_reply is None:
        return leading
    given = is_reply.reindex(normalized.index)
    return given.astype("boolean").fillna(leading).astype(bool)


def _phrase_pattern(name: str) -> str:
    """The word list ``features/data/NAME.txt`` as one alternation, spaces matching any whitespace."""
    phrases = sorted(textsig.word_list(name), key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)


@cache
def _searcher(kind: str, name: str) -> re.Pattern[str]:
    """The compiled pattern of a rule over the word list ``name``: ``phrase``, ``imperative`` or ``question``."""
    words = _phrase_pattern(name)
    pattern = {"phrase": rf"(?i)(?<![\w'])(?:{words})(?![\w'])",
               "imperative": rf"(?i){_IMPERATIVE_AT}(?:{words})(?![\w'])",
               "question": rf"(?i)(?<![\w'])(?:{words})(?![\w'])[^.!?\n]*\?"}[kind]
    return re.compile(pattern)


def _found(body: pd.Series, kind: str, name: str) -> pd.Series:
    """Whether the rule's pattern is found in each text (a missing text: no), as ``body.str.contains`` finds it:
    its lookarounds make pandas search it with Python's ``re`` whatever the data, so this searches the same way
    without pandas parsing the long pattern again on every call."""
    search = _searcher(kind, name).search
    found = [isinstance(text, str) and search(text) is not None for text in body.tolist()]
    return pd.Series(np.array(found, dtype=bool), index=body.index)


def _has_phrase(body: pd.Series, name: str) -> pd.Series:
    return _found(body, "phrase", name)


def _has_imperative(body: pd.Series, name: str) -> pd.Series:
    return _found(body, "imperative", name)


def _has_audience_question(body: pd.Series) -> pd.Series:
    return _found(body, "question", "message_audience_words")


def _signals(text: pd.Series, is_reply: pd.Series | None) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """The normalized text and the rules' three signals: addressed, dialogue words, calls to act."""
    normalized = _normalized(text)
    addressed = _addressed(normalized, is_reply)
    body = normalized.str.replace(_LEADING_MENTIONS, "", regex=True).str.replace(_URL, " ", regex=True)
    talk = (
        _has_phrase(body, "message_dialogue_phrases")
        | _has_imperative(body, "message_greetings")
        | _has_audience_question(body)
    )
    act = _has_imperative(body, "message_action_verbs") | _has_phrase(body, "message_action_phrases")
    return normalized, addressed, talk, act


def rule_types(text: pd.Series, is_reply: pd.Series | None = None) -> pd.Series:
    """The message type of each text by rules; the first rule that holds decides.

    The text is read with links removed, a leading repost marker (``RT @name:``) removed and typographic
    apostrophes as ``'``; everything is case-insensitive and matched as whole words.

    1. **dialogue** when the post is addressed to someone: ``is_reply`` is true (where ``is_reply`` is
       not given or missing: the text opens with an @-mention; ``.@name`` is a public mention, not an
       address); or it holds a phrase of thanks, recognition, apology or response solicitation
       (``data/message_dialogue_phrases.txt``); or a sentence opens with a greeting
       (``data/message_greetings.txt``); or it asks the audience a question: a sentence ending in ``?``
       that holds an audience word (``data/message_audience_words.txt``: you, your, anyone, who ...).
    2. **action** when it calls the audience to act: an imperative verb (``data/message_action_verbs.txt``)
       at the start of the text or of a sentence, or after "please", "pls" or "now"; or a call-to-act
       phrase anywhere (``data/message_action_phrases.txt``: learn more, sign up, donate ...).
    3. **information** otherwise, also for an empty text.

    Returns a Series of ``MESSAGE_TYPES`` values with ``text``'s index; an empty input gives an empty Series.
    """
    _, addressed, talk, act = _signals(text, is_reply)
    types = np.select([(addressed | talk).to_numpy(bool), act.to_numpy(bool)], ["dialogue", "action"],
                      "information")
    return pd.Series(types, index=text.index, dtype=str, name="message_type")


def model_text(text: pd.Series, is_reply: pd.Series | None = None, rule_markers: bool = False) -> pd.Series:
    """The text as the model reads it (in training and in use alike).

    Normalized as for the rules (apostrophes, HTML entities, no ``RT @name:`` marker); the opening @-mentions
    are replaced by a single ``@user`` when the post is addressed (``is_reply``, or where it is not given
    or missing, an opening @-mention) and removed otherwise (a reply to oneself in a thread is not
    addressed); every other @-mention becomes ``@user`` and every link ``URL``, so no handle or link of the
    training data is learned. With ``rule_markers``, the words ``xxtalk`` and ``xxact`` are appended where
    the rules find dialogue words (thanks, greetings, questions to the audience) and calls to act.
    """
    normalized, addressed, talk, act = _signals(text, is_reply)
    body = normalized.str.replace(_LEADING_MENTIONS, "", regex=True)
    body = body.str.replace(_URL, " URL ", regex=True).str.replace(_MENTION, "@user", regex=True)
    result = pd.Series(np.where(addressed, "@user ", ""), index=text.index) + body
    if rule_markers:
        result = result + np.where(talk, " xxtalk", "") + np.where(act, " xxact", "")
    return result


def _package_file(name: str) -> Any:
    return resources.files("features").joinpath("models", name)


@cache
def model_card() -> dict[str, Any]:
    """The model card (``features/models/message_type.json``), or an empty dict when it is not installed."""
    try:
        return json.loads(_package_file(CARD_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        logger.warning("message types: model card %s unreadable (%s); the rules are used", CARD_FILE, error)
        return {}


def load_model(path: str | Path | None = None) -> Any:
    """The message-type pipeline from ``path`` (default: the packaged ``features/models/message_type.skops``).

    Read with ``skops.io.load`` trusting only ``TRUSTED_TYPES``: a file holding any other type raises
    ``skops.io.exceptions.UntrustedTypesFoundException`` and nothing in it is executed. A missing file raises
    ``FileNotFoundError``.
    """
    from skops.io import load

    if path is not None:
        return load(Path(path), trusted=list(TRUSTED_TYPES))
    with resources.as_file(_package_file(MODEL_FILE)) as packaged:
        if not packaged.is_file():
            raise FileNotFoundError(f"no message-type model at {packaged}")
        return load(packaged, trusted=list(TRUSTED_TYPES))


def _packaged_arrays() -> MessageTypeArrays | None:
    """The array export of the packaged model, or None when there is none or it was made from another model file
    (then the skops pipeline is loaded)."""
    model, export = _package_file(MODEL_FILE), _package_file(arrays_path(MODEL_FILE).name)
    try:
        if not model.is_file() or not export.is_file():
            return None
        with resources.as_file(export) as path:
            return read_arrays(path, hashlib.sha256(model.read_bytes()).hexdigest())
    except (OSError, ValueError) as error:
        logger.warning("message types: array export of %s unreadable (%s); the skops model is used", MODEL_FILE, error)
        return None


@cache
def _packaged_model() -> Any:
    """The shipped model: its array export when that matches the packaged model file, else the skops pipeline
    (:func:`load_model`). Both predict the same types."""
    arrays = _packaged_arrays()
    return arrays if arrays is not None else load_model()


@cache
def shipped_method() -> str:
    """``"model"`` or ``"rules"``: what the model card says won; ``"rules"`` when the model cannot be loaded."""
    if model_card().get("shipped") != "model":
        return "rules"
    try:
        _packaged_model()
    except Exception as error:  # any failure to load (missing, untrusted, corrupt) falls back to the rules
        logger.warning("message types: model %s not loaded (%s); the rules are used", MODEL_FILE, error)
        return "rules"
    return "model"


#: Bump when the rules' code changes meaning (the word lists are versioned by their content).
RULES_VERSION = "rules-1"
RULE_LISTS: tuple[str, ...] = ("message_dialogue_phrases", "message_greetings", "message_audience_words",
                               "message_action_verbs", "message_action_phrases")


@cache
def message_type_version(method: str = "shipped") -> str:
    """Which classifier makes the types of ``method`` (for stored values): ``rules-1/<hash of the word lists>``,
    or ``model-<first 12 hex of the model file's SHA-256 in the card>/<same rules part>`` (the model reads the
    rules' signals too)."""
    lists = hashlib.sha256("\n\n".join("\n".join(textsig.word_list(n)) for n in RULE_LISTS).encode()).hexdigest()
    rules = f"{RULES_VERSION}/{lists[:12]}"
    resolved = shipped_method() if method == "shipped" else method
    if resolved == "rules":
        return rules
    return f"model-{str(model_card().get('model', {}).get('sha256') or 'unknown')[:12]}/{rules}"


def expected_version() -> str:
    """:func:`message_type_version` of the shipped method as the model card names it, without loading the
    model (a store checks its values against it cheaply). It differs from the real one only when the model
    cannot be loaded, and then the values are computed again (with the rules) and stored with the real one."""
    if shipped_method.cache_info().currsize or model_card().get("shipped") != "model":
        return message_type_version()
    return message_type_version("model")


def classify_messages(text: pd.Series, is_reply: pd.Series | None = None, method: str = "shipped") -> pd.Series:
    """The message type (one of ``MESSAGE_TYPES``) of each text, with ``text``'s index.

    ``is_reply`` (booleans aligned on the index; optional) says which posts reply to someone else; where it is
    not given or missing, a text that opens with an @-mention counts as a reply. ``method``: ``"rules"``
    (:func:`rule_types`), ``"model"`` (the packaged text model; raises when it cannot be loaded) or
    ``"shipped"`` (whichever the model card says did better on held-out accounts; falls back to the rules,
    with a logged warning, when the model cannot be loaded). An empty input gives an empty Series.
    """
    if method not in METHODS:
        raise ValueError(f"unknown message-type method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "shipped":
        method = shipped_method()
    if len(text) == 0:
        return pd.Series([], index=text.index, dtype=str, name="message_type")
    if method == "rules":
        return rule_types(text, is_reply)
    markers = bool(model_card().get("model", {}).get("params", {}).get("rule_markers", False))
    predicted = _packaged_model().predict(model_text(text, is_reply, rule_markers=markers).tolist())
    return pd.Series(np.asarray(predicted, dtype=str), index=text.index, dtype=str, name="message_type")


def org_post_types(org_posts: pd.DataFrame) -> pd.Series:
    """The message type of each org post (``text``, ``kind``, ``category``, optional ``message_type``).

    A stored ``message_type`` that is one of ``MESSAGE_TYPES`` is kept (where an optional
    ``message_type_addressed`` is given, only if it equals whether the post is a reply to someone else); the
    other posts are classified with the shipped method. A post is a reply when it answers someone else
    (category ``dialogue``; a reply to oneself in a thread is not). A repost takes the type of the reposted
    text (its ``RT @name:`` marker is not an address), a quote the type of its own comment.
    """
    if "message_type" in org_posts.columns:
        stored = org_posts["message_type"].astype(object).where(org_posts["message_type"].isin(MESSAGE_TYPES))
        if "message_type_addressed" in org_posts.columns:  # typed as addressed or not: keep it only if it still is
            flag = org_posts["message_type_addressed"]
            stored = stored.where(flag.isna() | (flag.astype(object) == (org_posts["category"] == "dialogue")))
    else:
        stored = pd.Series(None, index=org_posts.index, dtype=object)
    todo = stored.isna()
    types = stored.copy()
    if todo.any():
        rows = org_posts.loc[todo]
        types[todo] = classify_messages(rows["text"], rows["category"] == "dialogue").astype(object)
    return types.astype(str).rename("message_type")
