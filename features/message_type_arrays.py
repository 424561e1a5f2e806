"""The message-type pipeline exported to plain arrays, so that typing posts needs NumPy, not scikit-learn.

Importing skops (and with it scikit-learn and SciPy) and loading the pipeline take seconds; an audit types a few
hundred posts. :func:`export_arrays` takes the fitted pipeline (``FeatureUnion`` of ``TfidfVectorizer``\\ s into a
``LogisticRegression``; see ``bench/message_types.py``) apart into what its predictions depend on: per vectorizer
the settings its analyzer and weighting use, the terms in column order and ``idf_``; the classifier's
``classes_``, ``coef_`` and ``intercept_``. :class:`MessageTypeArrays` applies them with scikit-learn's own steps
(``build_preprocessor``, ``build_tokenizer``, ``_word_ngrams`` / ``_char_wb_ngrams``, term counts, ``1 + log(tf)``,
times ``idf_``, l2 norm per vectorizer, side by side, ``X @ coef_.T + intercept_``, argmax over ``classes_``). A
setting it does not implement is refused at export. The export is checked against the pipeline when it is
written (:data:`TOLERANCE`), names the SHA-256 of the model file it was made from (and is read only beside that
file), and is a NumPy ``.npz`` of plain numeric arrays read with ``allow_pickle=False``: nothing is executed when
it is read (the settings are a JSON text, the terms UTF-8 bytes with their end offsets, the weights float64 as
fitted, so reading it back gives the same values bit for bit).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ARRAYS_FORMAT = "socialstage-message-type-arrays/2"
ARRAYS_SUFFIX = ".arrays.npz"
#: A char_wb vectorizer keeps the columns of at most this many distinct words while it transforms texts.
WORD_CACHE = 50_000
#: Largest difference allowed between the export's decision values and the pipeline's (rounding only).
TOLERANCE = 1e-9
ANALYZERS: tuple[str, ...] = ("word", "char_wb")
#: Vectorizer settings that must hold their default (the transform does not implement another value).
_DEFAULTS: dict[str, Any] = {"input": "content", "preprocessor": None, "tokenizer": None, "stop_words": None,
                             "strip_accents": None, "binary": False}
_WHITE_SPACES = re.compile(r"\s\s+")  # sklearn's _VectorizerMixin._white_spaces


def arrays_path(model_path: str | Path) -> Path:
    """``message_type.skops`` -> ``message_type.arrays.npz`` (in the same folder)."""
    path = Path(model_path)
    return path.with_name(path.name.removesuffix(".skops") + ARRAYS_SUFFIX)


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass
class TfidfArrays:
    """One fitted ``TfidfVectorizer``: its analyzer settings, terms (in column order) and ``idf_``."""

    analyzer: str
    lowercase: bool
    token_pattern: str
    ngram_range: tuple[int, int]
    sublinear_tf: bool
    use_idf: bool
    norm: str | None
    terms: tuple[str, ...]
    idf: np.ndarray

    def __post_init__(self) -> None:
        low, high = self.ngram_range
        if (self.analyzer not in ANALYZERS or self.norm not in ("l2", None) or not 1 <= low <= high
                or (self.use_idf and self.idf.shape != (len(self.terms),))):
            raise ValueError(f"unsupported vectorizer: analyzer {self.analyzer!r}, norm {self.norm!r}, "
                             f"ngram_range {self.ngram_range}, {len(self.terms)} terms, idf {self.idf.shape}")
        self._tokens = re.compile(self.token_pattern)
        if self._tokens.groups > 1:
            raise ValueError("more than one capturing group in the token pattern")
        self.vocabulary = {term: column for column, term in enumerate(self.terms)}
        if len(self.vocabulary) != len(self.terms):
            raise ValueError("repeated terms")
        self._word_columns: dict[str, list[int]] = {}

    def analyze(self, text: str) -> list[str]:
        """The n-grams of ``text``, as ``TfidfVectorizer.build_analyzer()`` makes them."""
        if self.lowercase:
            text = text.lower()
        if self.analyzer == "word":
            return _word_ngrams(self._tokens.findall(text), self.ngram_range)
        return _char_wb_ngrams(text, self.ngram_range)

    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The TF-IDF matrix of ``texts`` as (row, column, value) of its non-zero entries; a row's entries in the
        order its terms first occur (as counting :meth:`analyze`'s n-grams gives them)."""
        rows: list[int] = []
        columns: list[int] = []
        counts: list[int] = []
        for row, text in enumerate(texts):
            found = Counter(self._columns(text))  # a term's column is unique: same counts and order as the terms'
            rows.extend([row] * len(found))
            columns.extend(found)
            counts.extend(found.values())
        row_index, column_index = np.asarray(rows, dtype=np.intp), np.asarray(columns, dtype=np.intp)
        values = np.asarray(counts, dtype=np.float64)
        if self.sublinear_tf:
            values = np.log(values) + 1.0
        if self.use_idf:
            values = values * self.idf[column_index]
        if self.norm == "l2":
            norms = np.sqrt(np.bincount(row_index, weights=values * values, minlength=len(texts)))
            values = values / norms[row_index]  # a row with entries has a positive norm
        return row_index, column_index, values

    def _columns(self, text: str) -> list[int]:
        """The columns of the n-grams of ``text`` that are terms, in n-gram order (:meth:`analyze`). Character
        n-grams stay inside words, so each distinct word's columns are found once and kept (up to
        :data:`WORD_CACHE` words)."""
        get = self.vocabulary.get
        if self.lowercase:
            text = text.lower()
        if self.analyzer == "word":
            return [c for c in map(get, _word_ngrams(self._tokens.findall(text), self.ngram_range)) if c is not None]
        cache = self._word_columns
        found: list[int] = []
        for word in _WHITE_SPACES.sub(" ", text).split():
            known = cache.get(word)
            if known is None:
                if len(cache) >= WORD_CACHE:
                    cache.clear()
                grams = _padded_word_ngrams(word, self.ngram_range)
                known = cache[word] = [c for c in map(get, grams) if c is not None]
            found += known
        return found

    def settings(self) -> dict[str, Any]:
        """The analyzer and weighting settings (everything but the terms and ``idf_``), as JSON-ready data."""
        return {"analyzer": self.analyzer, "lowercase": self.lowercase, "token_pattern": self.token_pattern,
                "ngram_range": list(self.ngram_range), "sublinear_tf": self.sublinear_tf, "use_idf": self.use_idf,
                "norm": self.norm}

    @classmethod
    def from_settings(cls, data: dict[str, Any], terms: tuple[str, ...], idf: np.ndarray) -> TfidfArrays:
        low, high = (int(n) for n in data["ngram_range"])
        return cls(analyzer=str(data["analyzer"]), lowercase=bool(data["lowercase"]),
                   token_pattern=str(data["token_pattern"]), ngram_range=(low, high),
                   sublinear_tf=bool(data["sublinear_tf"]), use_idf=bool(data["use_idf"]),
                   norm=None if data["norm"] is None else str(data["norm"]), terms=terms, idf=idf)


def _word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """sklearn's ``_word_ngrams`` without stop words: the n-grams of ``tokens``, shortest first, joined by spaces."""
    low, high = ngram_range
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return grams


def _char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """sklearn's ``_char_wb_ngrams``: character n-grams inside each word padded with a space on both sides; a word
    shorter than n (padded) gives itself once and no longer n-grams."""
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        grams += _padded_word_ngrams(word, ngram_range)
    return grams


def _padded_word_ngrams(word: str, ngram_range: tuple[int, int]) -> list[str]:
    """The character n-grams of one word of :func:`_char_wb_ngrams`."""
    low, high = ngram_range
    grams: list[str] = []
    padded = f" {word} "
    for n in range(low, high + 1):
        grams += [padded[i:i + n] for i in range(max(len(padded) - n + 1, 1))]
        if len(padded) <= n:
            break
    return grams


@dataclass
class MessageTypeArrays:
    """The fitted message-type pipeline as arrays; same decision values and predictions as the pipeline."""

    vectorizers: tuple[TfidfArrays, ...]
    classes: np.ndarray
    coef: np.ndarray
    intercept: np.ndarray

    def __post_init__(self) -> None:
        width = sum(len(v.terms) for v in self.vectorizers)
        rows = 1 if len(self.classes) == 2 else len(self.classes)
        if len(self.classes) < 2 or self.coef.shape != (rows, width) or self.intercept.shape != (rows,):
            raise ValueError(f"coef {self.coef.shape} and intercept {self.intercept.shape} do not fit "
                             f"{len(self.classes)} classes and {width} features")

    @property
    def classes_(self) -> np.ndarray:
        """The class labels, in the classifier's order (as the pipeline's ``classes_``)."""
        return self.classes

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        """``X @ coef_.T + intercept_`` over the side-by-side TF-IDF blocks of ``texts`` (one column when binary)."""
        scores = np.zeros((len(texts), len(self.intercept)))
        offset = 0
        for vectorizer in self.vectorizers:
            rows, columns, values = vectorizer.transform(texts)
            for k in range(len(self.intercept)):
                weights = values * self.coef[k, offset + columns]
                scores[:, k] += np.bincount(rows, weights=weights, minlength=len(texts))
            offset += len(vectorizer.terms)
        scores += self.intercept
        return scores[:, 0] if len(self.classes) == 2 else scores

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """The class of each text: the largest decision value (binary: ``classes[1]`` where it is positive)."""
        scores = self.decision_function(texts)
        return self.classes[(scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)]

    def to_npz(self, model_sha256: str) -> dict[str, np.ndarray]:
        """The arrays of the ``.npz`` form, tied to the model file it was exported from: ``meta`` (UTF-8 JSON of
        the format, the model's SHA-256, the classes and each vectorizer's settings), per vectorizer ``terms<i>``
        (its terms' UTF-8 bytes, joined) with ``ends<i>`` (where each term ends, in characters) and ``idf<i>``,
        then ``coef`` and ``intercept``."""
        meta = {"format": ARRAYS_FORMAT, "model_sha256": model_sha256, "classes": [str(c) for c in self.classes],
                "vectorizers": [v.settings() for v in self.vectorizers]}
        arrays = {"meta": _utf8(json.dumps(meta, separators=(",", ":")))}
        for i, vectorizer in enumerate(self.vectorizers):
            arrays[f"terms{i}"] = _utf8("".join(vectorizer.terms))
            arrays[f"ends{i}"] = np.cumsum([len(t) for t in vectorizer.terms], dtype=np.int64)
            arrays[f"idf{i}"] = np.asarray(vectorizer.idf, dtype=np.float64)
        arrays["coef"], arrays["intercept"] = self.coef, self.intercept
        return arrays

    @classmethod
    def from_npz(cls, arrays: Any) -> tuple[str, MessageTypeArrays]:
        """The model file's SHA-256 and the export read back from :meth:`to_npz`'s arrays (a mapping of names to
        arrays, such as an opened ``.npz``); ``ValueError`` when they are malformed."""
        try:
            meta = json.loads(_text(arrays["meta"]))
            if meta.get("format") != ARRAYS_FORMAT:
                raise ValueError(f"format {meta.get('format')!r}")
            vectorizers = []
            for i, settings in enumerate(meta["vectorizers"]):
                joined, ends = _text(arrays[f"terms{i}"]), np.asarray(arrays[f"ends{i}"], dtype=np.int64)
                if (ends[-1] if len(ends) else 0) != len(joined) or (np.diff(ends, prepend=0) < 0).any():
                    raise ValueError(f"the term ends of vectorizer {i} do not fit its terms")
                bounds = [0, *ends.tolist()]
                terms = tuple(joined[a:b] for a, b in itertools.pairwise(bounds))
                vectorizers.append(TfidfArrays.from_settings(settings, terms, _floats(arrays[f"idf{i}"])))
            export = cls(vectorizers=tuple(vectorizers), classes=np.asarray([str(c) for c in meta["classes"]]),
                         coef=_floats(arrays["coef"]), intercept=_floats(arrays["intercept"]))
            return str(meta["model_sha256"]), export
        except (KeyError, TypeError, ValueError, AttributeError, re.error) as exc:
            raise ValueError(f"not a message-type array export ({exc})") from None


def _utf8(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-8"), dtype=np.uint8)


def _text(array: np.ndarray) -> str:
    if array.dtype != np.uint8 or array.ndim != 1:
        raise ValueError(f"text stored as {array.dtype} {array.shape}, not UTF-8 bytes")
    return array.tobytes().decode("utf-8")


def _floats(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.float64:
        raise ValueError(f"weights stored as {array.dtype}, not float64")
    return np.asarray(array)


def export_arrays(pipeline: Any, check_texts: Sequence[str] = ()) -> MessageTypeArrays:
    """The arrays of a fitted message-type pipeline, checked against its decision values on ``check_texts`` and on
    texts made of its own terms. ``ValueError`` when a step or setting is outside what the arrays implement, or
    the decision values differ by more than :data:`TOLERANCE`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    steps = [step for _, step in pipeline.steps] if isinstance(pipeline, Pipeline) else []
    if len(steps) != 2 or not isinstance(steps[0], FeatureUnion) or not isinstance(steps[1], LogisticRegression):
        raise ValueError("only a Pipeline of a FeatureUnion and a LogisticRegression is exported")
    union, classifier = steps
    if union.transformer_weights is not None:
        raise ValueError("transformer_weights are not exported")
    vectorizers = []
    for name, vectorizer in union.transformer_list:
        if type(vectorizer) is not TfidfVectorizer:
            raise ValueError(f"{name}: only TfidfVectorizer is exported, not {type(vectorizer).__name__}")
        params = vectorizer.get_params()
        changed = sorted(k for k, v in _DEFAULTS.items() if params[k] != v)
        if changed or params["dtype"] is not np.float64 or params["analyzer"] not in ANALYZERS:
            raise ValueError(f"{name}: settings the arrays do not implement: {changed or params['analyzer']}")
        terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        if [vectorizer.vocabulary_[t] for t in terms] != list(range(len(terms))):
            raise ValueError(f"{name}: the vocabulary's columns are not 0 .. n-1")
        vectorizers.append(TfidfArrays(
            analyzer=params["analyzer"], lowercase=bool(params["lowercase"]), token_pattern=params["token_pattern"],
            ngram_range=tuple(params["ngram_range"]), sublinear_tf=bool(params["sublinear_tf"]),
            use_idf=bool(params["use_idf"]), norm=params["norm"], terms=tuple(terms),
            idf=np.asarray(vectorizer.idf_ if params["use_idf"] else [], dtype=np.float64)))
    arrays = MessageTypeArrays(vectorizers=tuple(vectorizers), classes=np.asarray([str(c) for c in
                               classifier.classes_]), coef=np.asarray(classifier.coef_, dtype=np.float64),
                               intercept=np.asarray(classifier.intercept_, dtype=np.float64))
    texts = [*check_texts, *_check_texts(arrays)]
    expected = pipeline.decision_function(texts)
    difference = float(np.abs(expected - arrays.decision_function(texts)).max())
    if not difference <= TOLERANCE or (pipeline.predict(texts) != arrays.predict(texts)).any():
        raise ValueError(f"the array export differs from the pipeline by {difference:.3g}; not exported")
    return arrays


def _check_texts(arrays: MessageTypeArrays, count: int = 300, seed: int = 0) -> list[str]:
    """Texts of the export's word terms in random case, spacing and punctuation, and a few of other scripts."""
    rng = np.random.default_rng(seed)
    words = [t for v in arrays.vectorizers if v.analyzer == "word" for t in v.terms] or ["word"]
    gaps = [" ", "  ", "\t", " \n ", ", ", "! ", "? ", " - ", ": "]
    cases: list[Callable[[str], str]] = [str, str.upper, str.title]
    texts = ["", " ", "@user URL xxtalk xxact", "Café naïve — ĳ ß ﬁ İstanbul", "日本語 😀 ok", "a\u00a0b\u2003c"]
    for _ in range(count):
        picks = rng.choice(len(words), size=int(rng.integers(1, 25)))
        parts = [cases[int(rng.integers(len(cases)))](words[i]) + gaps[int(rng.integers(len(gaps)))] for i in picks]
        texts.append("".join(parts))
    return texts


def write_arrays(arrays: MessageTypeArrays, model_path: str | Path) -> Path:
    """Write the export beside the model file at ``model_path``, tied to its SHA-256; return its path."""
    from collectors.safe_write import write_atomic

    path = arrays_path(model_path)
    write_atomic(path, npz_bytes(arrays.to_npz(file_sha256(model_path))))  # the old export or the new, never half
    return path


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """``arrays`` as the bytes of an ``.npz`` file (what ``np.savez`` writes, uncompressed: it reads several times
    faster), with fixed entry times, so that the same arrays always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in arrays.items():
            with archive.open(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), "w",
                              force_zip64=True) as entry:
                np.lib.format.write_array(entry, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def read_arrays(path: str | Path, model_sha256: str) -> MessageTypeArrays | None:
    """The export at ``path`` when it was made from the model file with ``model_sha256``; None when there is none
    or it belongs to another model file. ``ValueError`` when it is malformed. Read with ``allow_pickle=False``:
    an array of Python objects is refused, so nothing in the file is executed."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as stored:
            found, export = MessageTypeArrays.from_npz(stored)
    except (OSError, EOFError, zipfile.BadZipFile, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: not a readable message-type array export ({exc})") from None
    return export if found == model_sha256 else None
