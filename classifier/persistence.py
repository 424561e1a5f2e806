"""Saving and loading stage models: skops files (no code runs on load) with a JSON model card beside them.

``model.skops`` holds the fitted pipeline; ``model.card.json`` holds what an analyst needs to trust it (data
version, counts per stage, cross-validated metrics against the rubric, feature list, date, library versions)
and the SHA-256 of the model file, so a card is never paired with another model. ``model.linear.json`` holds
the same pipeline as plain arrays (:mod:`classifier.linear`), checked against it when written; loading uses it
by default, so that an audit needs neither skops nor scikit-learn (``arrays=False`` loads the pipeline
itself). Loading the pipeline refuses a file that holds any type outside :data:`TRUSTED_TYPES` (beyond the
scikit-learn, NumPy and built-in types skops trusts by default), and a pipeline that is not the stage pipeline.
"""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from classifier.errors import ClassifierError, UntrustedModelError
from classifier.fileio import file_sha256
from classifier.linear import LinearStageModel, export_linear, linear_bytes, linear_path, read_linear
from collectors.safe_write import write_atomic

if TYPE_CHECKING:
    from classifier.pipeline import StageModel

logger = logging.getLogger(__name__)

#: Types a stage model file may hold besides those skops trusts by default. Anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = ("classifier.ordinal.OrdinalClassifier", "numpy.dtype")
CARD_SUFFIX = ".card.json"
CARD_FORMAT = "socialstage-model-card/1"
#: The model that ships with the package.
DEFAULT_MODEL = Path(__file__).parent / "models" / "default.skops"


def card_path(model_path: str | Path) -> Path:
    """``model.skops`` -> ``model.card.json`` (in the same folder)."""
    path = Path(model_path)
    return path.with_name(path.name.removesuffix(".skops") + CARD_SUFFIX)


def save_model(model: StageModel, path: str | Path) -> tuple[Path, Path]:
    """Write the model (skops), its array export when the pipeline allows one, and its card (JSON, with the
    SHA-256 of both files); return the model and card paths."""
    import skops.io as sio

    path = Path(path)
    if path.suffix != ".skops":
        raise ClassifierError(f"{path}: a model file name must end in .skops")
    blob = sio.dumps(model.pipeline)
    write_atomic(path, blob, make_parents=True)
    model_sha = file_sha256(path)
    arrays_file, arrays_sha = linear_path(path), None
    try:  # only what load_model would accept from the skops file is exported
        refused = sorted(set(sio.get_untrusted_types(data=blob)) - set(TRUSTED_TYPES))
        if refused:
            raise ClassifierError(f"the pipeline holds untrusted types: {', '.join(refused)}")
        _check_structure(path, model.pipeline)
        write_atomic(arrays_file, linear_bytes(export_linear(model), model_sha), make_parents=True)
        arrays_sha = file_sha256(arrays_file)
    except ClassifierError as exc:
        logger.info("no array export of %s: %s", path.name, exc)
        arrays_file.unlink(missing_ok=True)
    card = dict(model.card, format=CARD_FORMAT, model_file=path.name, model_sha256=model_sha,
                linear_file=arrays_file.name if arrays_sha else None, linear_sha256=arrays_sha,
                features=list(model.features), stages_seen=model.stages_seen)
    card_file = card_path(path)
    write_atomic(card_file, json.dumps(card, indent=2, ensure_ascii=False) + "\n", make_parents=True)
    return path, card_file


def read_card(path: str | Path) -> dict[str, Any]:
    """The model card of the model at ``path`` (``ClassifierError`` when it is missing or unreadable)."""
    card_file = card_path(path)
    try:
        card = json.loads(card_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ClassifierError(f"{card_file}: the model card is missing; a model is used only with its card") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ClassifierError(f"{card_file}: not a readable model card ({exc})") from None
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT or not isinstance(card.get("features"), list):
        raise ClassifierError(f"{card_file}: not a socialstage model card (format {CARD_FORMAT})")
    return card


def load_model(path: str | Path, *, arrays: bool = True) -> StageModel | LinearStageModel:
    """Load a stage model and its card without executing code from the file.

    With ``arrays`` (the default) the array export beside the model (:mod:`classifier.linear`) is used when
    its card names it, without importing skops or scikit-learn; otherwise, or when there is none, the skops
    file is loaded. Raises UntrustedModelError when the file holds a type outside the trusted list,
    ClassifierError when the file is missing, not a skops file, not the stage pipeline, or does not match
    its card.
    """
    path = Path(path)
    if not path.is_file():
        raise ClassifierError(f"{path}: no such model file")
    card = read_card(path)
    if card.get("model_sha256") != file_sha256(path):
        raise ClassifierError(f"{path}: the model file does not match its card {card_path(path).name} (SHA-256)")
    if arrays:
        linear = read_linear(linear_path(path), card)
        if linear is not None:
            return linear
    return _load_pipeline(path, card)


def _load_pipeline(path: Path, card: dict[str, Any]) -> StageModel:
    import skops.io as sio

    from classifier.pipeline import StageModel

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except (zipfile.BadZipFile, KeyError, ValueError, json.JSONDecodeError) as exc:
        raise ClassifierError(f"{path}: not a skops model file ({exc})") from None
    refused = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if refused:
        raise UntrustedModelError(f"{path}: refused to load a model holding untrusted types: {', '.join(refused)}")
    pipeline = sio.load(path, trusted=list(TRUSTED_TYPES))
    _check_structure(path, pipeline)
    features = tuple(str(name) for name in card["features"])
    fitted = tuple(str(name) for name in getattr(pipeline, "feature_names_in_", ()))
    if fitted and fitted != features:
        raise ClassifierError(f"{path}: the features of the model and of its card differ")
    return StageModel(pipeline, features, card)


def _check_structure(path: Path, pipeline: Any) -> None:
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from classifier.ordinal import OrdinalClassifier

    kinds = (SimpleImputer, FunctionTransformer, StandardScaler, OrdinalClassifier)
    if not (isinstance(pipeline, Pipeline) and len(pipeline.steps) == len(kinds)
            and all(isinstance(step, kind) for (_, step), kind in zip(pipeline.steps, kinds, strict=True))
            and pipeline.steps[1][1].func is np.arcsinh and pipeline.steps[1][1].inverse_func is None):
        raise ClassifierError(f"{path}: not a socialstage stage pipeline (imputer, arcsinh, scaler, ordinal model)")
