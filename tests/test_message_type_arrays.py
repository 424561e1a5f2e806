"""The message-type model's array export: the same decision values and types as the skops pipeline, tied to its
model file, and typing posts (an audit) without importing scikit-learn, SciPy or skops."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from test_message_types import ACTION, CORPORATE, DIALOGUE, INFORMATION, MODELS

from collectors.simulated import posts_frame, simulate_orgs
from features import message_type_arrays as mta
from features import message_types as mt
from features.message_type_arrays import (
    MessageTypeArrays,
    TfidfArrays,
    arrays_path,
    export_arrays,
    file_sha256,
    read_arrays,
    write_arrays,
)

FIXTURES = Path(__file__).parent / "fixtures"
MODEL = MODELS / mt.MODEL_FILE
EXPORT = arrays_path(MODEL)


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return mt.load_model(MODEL)


@pytest.fixture(scope="module")
def arrays() -> MessageTypeArrays:
    loaded = read_arrays(EXPORT, file_sha256(MODEL))
    assert loaded is not None, "the shipped export is not made from the shipped model file"
    return loaded


def model_texts(text: pd.Series, is_reply: pd.Series | None = None) -> list[str]:
    """The texts as the shipped model reads them, with and without the rule markers."""
    return [t for markers in (True, False) for t in mt.model_text(text, is_reply, rule_markers=markers)]


def assert_same(pipeline: Pipeline, arrays: MessageTypeArrays, texts: list[str]) -> None:
    expected, got = pipeline.decision_function(texts), arrays.decision_function(texts)
    assert expected.shape == got.shape
    assert np.abs(expected - got).max() < 1e-9
    assert (pipeline.predict(texts) == arrays.predict(texts)).all()
    assert list(arrays.classes_) == list(pipeline.classes_)


def stored(path: Path = EXPORT) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` export, by name."""
    with np.load(path, allow_pickle=False) as opened:
        return {name: opened[name] for name in opened.files}


def npz_bytes(arrays: dict[str, np.ndarray], meta: dict | None = None) -> bytes:
    """``arrays`` as ``.npz`` bytes, with ``meta`` (a dict) as their JSON settings when given."""
    if meta is not None:
        arrays = {**arrays, "meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def meta_of(arrays: dict[str, np.ndarray]) -> dict:
    return json.loads(arrays["meta"].tobytes().decode())


def test_the_export_is_shipped_with_the_model() -> None:
    if mt.model_card()["shipped"] != "model":
        pytest.skip("the rules ship: there is no model file")
    assert EXPORT.is_file() and EXPORT.suffix == ".npz"
    assert meta_of(stored())["model_sha256"] == mt.model_card()["model"]["sha256"] == file_sha256(MODEL)


def test_the_shipped_export_is_the_export_of_the_shipped_model_bit_for_bit(pipeline, arrays) -> None:
    # what `python bench/message_types.py --export-arrays` writes again from the skops file: same terms, same floats
    fresh = export_arrays(pipeline)
    assert list(fresh.classes) == list(arrays.classes)
    assert fresh.coef.tobytes() == arrays.coef.tobytes() and fresh.intercept.tobytes() == arrays.intercept.tobytes()
    for made, shipped in zip(fresh.vectorizers, arrays.vectorizers, strict=True):
        assert made.settings() == shipped.settings()
        assert made.terms == shipped.terms
        assert made.idf.tobytes() == shipped.idf.tobytes()
    assert EXPORT.read_bytes() == mta.npz_bytes(fresh.to_npz(file_sha256(MODEL)))  # the very bytes it writes


def test_same_as_the_pipeline_on_the_example_sentences_and_fixture_posts(pipeline, arrays) -> None:
    examples = pd.Series(INFORMATION + ACTION + DIALOGUE, dtype=object)
    texts = model_texts(examples) + model_texts(examples, pd.Series(True, index=examples.index))
    fixture = pd.read_csv(FIXTURES / "acme_posts.csv", dtype=str)["text"]
    assert_same(pipeline, arrays, texts + model_texts(fixture))


def test_same_as_the_pipeline_on_the_demo_posts(pipeline, arrays) -> None:
    posts = posts_frame(simulate_orgs(seed=7)).drop_duplicates("text")
    assert len(posts) > 500
    assert_same(pipeline, arrays, model_texts(posts["text"], posts["in_reply_to_author"].notna()))


@pytest.mark.skipif(not CORPORATE.exists(), reason="../shared/data/corporate_messaging is absent beside the checkout")
def test_same_as_the_pipeline_on_every_labeled_corporate_row(pipeline, arrays) -> None:
    raw = pd.read_csv(CORPORATE)
    assert_same(pipeline, arrays, model_texts(raw["text"].astype(str)))


def test_the_shipped_method_uses_the_arrays(fresh_caches) -> None:
    assert mt.shipped_method() == "model"
    assert isinstance(mt._packaged_model(), MessageTypeArrays)
    assert mt.message_type_version().startswith("model-" + mt.model_card()["model"]["sha256"][:12])


def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, export: bytes) -> None:
    """The shipped model file and ``export`` (the bytes of an export file) as the packaged files."""
    shutil.copy(MODEL, tmp_path / MODEL.name)
    shutil.copy(MODELS / mt.CARD_FILE, tmp_path / mt.CARD_FILE)
    arrays_path(tmp_path / MODEL.name).write_bytes(export)
    monkeypatch.setattr(mt, "_package_file", lambda name: tmp_path / name)


def test_an_export_of_another_model_file_falls_back_to_skops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None
) -> None:
    data = stored()
    install(tmp_path, monkeypatch, npz_bytes(data, {**meta_of(data), "model_sha256": "0" * 64}))
    texts = pd.Series(INFORMATION + ACTION + DIALOGUE, dtype=object)
    assert mt.shipped_method() == "model"
    assert isinstance(mt._packaged_model(), Pipeline)
    mt._packaged_model.cache_clear()
    install(tmp_path, monkeypatch, EXPORT.read_bytes())
    assert isinstance(mt._packaged_model(), MessageTypeArrays)
    assert mt.classify_messages(texts).tolist() == mt.load_model(MODEL).predict(
        mt.model_text(texts, rule_markers=True).tolist()).tolist()


class Executed(Exception):
    """Raised if unpickling an export ever ran code."""


def _run_when_unpickled() -> None:
    raise Executed("a pickled object in the export was executed")


class Trap:
    def __reduce__(self) -> tuple:
        return (_run_when_unpickled, ())


def broken_exports() -> dict[str, bytes]:
    data = stored()
    meta = meta_of(data)
    uneven = {**data, "ends0": data["ends0"][::-1].copy()}
    return {
        "not a zip": b"{not an npz",
        "the old JSON form": json.dumps({"format": "socialstage-message-type-arrays/1"}).encode(),
        "another format": npz_bytes(data, {**meta, "format": "other"}),
        "missing coef": npz_bytes({k: v for k, v in data.items() if k != "coef"}),
        "terms that are not bytes": npz_bytes({**data, "terms0": np.array(["a", "b"])}),
        "ends out of order": npz_bytes(uneven),
        "float32 weights": npz_bytes({**data, "coef": data["coef"].astype(np.float32)}),
        "a pickled object": npz_bytes({**data, "coef": np.array([Trap()], dtype=object)}),
    }


def test_an_unreadable_export_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name, broken in broken_exports().items():
        install(tmp_path, monkeypatch, broken)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="features.message_types"):
            assert mt._packaged_arrays() is None, name
        assert "skops model is used" in caplog.text, name


def test_an_export_holding_a_pickled_object_is_refused_without_running_it(tmp_path: Path) -> None:
    path = tmp_path / "m.arrays.npz"
    path.write_bytes(broken_exports()["a pickled object"])
    with pytest.raises(ValueError, match="allow_pickle=False"):
        read_arrays(path, file_sha256(MODEL))  # np.load(allow_pickle=False) refuses it; Executed is never raised


def test_the_transform_counts_the_terms_of_the_analyzer_in_their_order(
    arrays: MessageTypeArrays, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the columns found word by word (cached per distinct word) are the analyzer's n-grams that are terms, in order
    monkeypatch.setattr(mta, "WORD_CACHE", 7)  # the cache is emptied and refilled along the way
    examples = pd.Series(INFORMATION + ACTION + DIALOGUE, dtype=object)
    texts = [*model_texts(examples), "", "  ", "Ünïcode\tthanks  THANKS", "a"]
    for vectorizer in arrays.vectorizers:
        vectorizer._word_columns.clear()
        rows, columns, _ = vectorizer.transform(texts)
        vocabulary = vectorizer.vocabulary
        expected = [(row, vocabulary[term]) for row, text in enumerate(texts)
                    for term in dict.fromkeys(vectorizer.analyze(text)) if term in vocabulary]
        assert list(zip(rows.tolist(), columns.tolist(), strict=True)) == expected
        assert len(vectorizer._word_columns) <= 7


def small_pipeline(labels: list[str], words: dict | None = None, **tfidf: object) -> Pipeline:
    texts = ["Join us today", "Thanks for coming!", "Our report is out", "Sign up now", "thanks, all",
             "The plant opens in May", "join the fair", "Report: sales up"]
    return Pipeline([
        ("features", FeatureUnion([("words", TfidfVectorizer(ngram_range=(1, 3), **tfidf, **(words or {}))),
                                   ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), **tfidf))])),
        ("classifier", LogisticRegression()),
    ]).fit(texts, labels)


@pytest.mark.parametrize("tfidf", [{}, {"sublinear_tf": True}, {"use_idf": False, "norm": None},
                                   {"lowercase": False, "words": {"token_pattern": r"(?u)\b\w+\b"}}])
@pytest.mark.parametrize("labels", [list("abcabcab"), list("abbaabab")])  # three classes, and two
def test_a_written_export_reads_back_the_same(tmp_path: Path, tfidf: dict, labels: list[str]) -> None:
    model = small_pipeline(labels, **tfidf)
    path = tmp_path / "m.skops"
    path.write_bytes(b"stand-in for the model file")
    written = write_arrays(export_arrays(model, ["join us", "THANKS a lot !!", ""]), path)
    assert read_arrays(written, "0" * 64) is None  # made from another model file
    loaded = read_arrays(written, file_sha256(path))
    assert_same(model, loaded, ["join us\tnow", "Thanks,  thanks", "", "Ünïcode: fair réport", "x"])


@pytest.mark.parametrize("change", [{"stop_words": "english"}, {"analyzer": "char"}, {"strip_accents": "unicode"},
                                    {"binary": True}, {"preprocessor": str.strip}])
def test_settings_the_arrays_do_not_implement_are_refused(change: dict) -> None:
    model = small_pipeline(list("abcabcab"))
    model.set_params(**{f"features__words__{k}": v for k, v in change.items()}).fit(
        ["join us", "thanks", "report out", "sign up", "thank you", "plant opens", "join now", "sales up"],
        list("abcabcab"))
    with pytest.raises(ValueError, match="not implement"):
        export_arrays(model)


TEXT = st.text(alphabet=st.one_of(st.characters(exclude_categories=("Cs",)),
                                  st.sampled_from(list(" \t\n\r\x0b\x0c\u00a0\u2003\u3000.,;:!?'\"-_@#/&()"))),
               max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, analyzer=st.sampled_from(["word", "char_wb"]), low=st.integers(1, 3), span=st.integers(0, 3),
       lowercase=st.booleans())
def test_the_analyzers_make_the_ngrams_sklearn_makes(text: str, analyzer: str, low: int, span: int,
                                                     lowercase: bool) -> None:
    vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=(low, low + span), lowercase=lowercase)
    ours = TfidfArrays(analyzer=analyzer, lowercase=lowercase, token_pattern=vectorizer.token_pattern,
                       ngram_range=(low, low + span), sublinear_tf=True, use_idf=True, norm="l2", terms=(),
                       idf=np.empty(0))
    assert ours.analyze(text) == vectorizer.build_analyzer()(text)


def test_the_audit_imports_neither_scikit_learn_nor_skops() -> None:
    probe = (
        "import json, sys\nfrom click.testing import CliRunner\nfrom socialstage.cli import cli\n"
        "from features import message_types as mt\n"
        f"result = CliRunner().invoke(cli, ['audit', '--posts', {str(FIXTURES / 'acme_posts.csv')!r}, '--org', "
        "'Acme', '--account', 'twitter:AcmeHelp', '--format', 'json'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert mt._packaged_model.cache_info().currsize == 1, 'the model did not type the posts'\n"
        "print(json.dumps({m: m in sys.modules for m in ('sklearn', 'scipy', 'skops')}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert not any(loaded.values()), f"imported: {[m for m, on in loaded.items() if on]}"
