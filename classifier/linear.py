"""The stage pipeline exported to plain arrays, so that placing an organization needs NumPy, not scikit-learn.

Importing scikit-learn and skops takes seconds; an audit places one organization. When a stage model is
saved, :func:`export_linear` writes the fitted pipeline's parameters beside it (``model.linear.json``): the
imputer's medians and missing-indicator columns, the scaler's means and scales, and each threshold's
logistic-regression weights. :class:`LinearStageModel` applies them with the same arithmetic as the pipeline
(median imputation, indicators, ``arcsinh``, standard scaling, ``expit(x . w + b)`` per threshold, the
isotonic fix and differences of :mod:`classifier.ordinal`). The export is checked against the pipeline when
it is written (:data:`TOLERANCE`), is read only with the SHA-256 of its model file, and is plain JSON
(numbers and names; nothing is executed when it is read).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from classifier.errors import ClassifierError
from classifier.fileio import file_sha256
from classifier.monotone import isotonic_decreasing, ordinal_probabilities
from classifier.stage_model import StageModelBase

LINEAR_FORMAT = "socialstage-linear-stage-model/1"
LINEAR_SUFFIX = ".linear.json"
#: Largest difference allowed between the export's probabilities and the pipeline's (rounding only).
TOLERANCE = 1e-9


def linear_path(model_path: str | Path) -> Path:
    """``model.skops`` -> ``model.linear.json`` (in the same folder)."""
    path = Path(model_path)
    return path.with_name(path.name.removesuffix(".skops") + LINEAR_SUFFIX)


def _expit(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


@dataclass
class LinearStageModel(StageModelBase):
    """A fitted stage pipeline as arrays (see the module docstring); same probabilities as the pipeline."""

    features: tuple[str, ...]
    medians: np.ndarray
    indicator_columns: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    weights: np.ndarray
    intercepts: np.ndarray
    classes: tuple[int, ...]
    card: dict[str, Any] = field(default_factory=dict)

    @property
    def stages_seen(self) -> list[int]:
        """The stages the model was trained with labels of (the others always get probability 0)."""
        return list(self.classes)

    def _stage_proba(self, matrix: pd.DataFrame) -> np.ndarray:
        values = matrix.to_numpy(dtype=float)
        missing = np.isnan(values)
        imputed = np.where(missing, self.medians, values)
        design = np.hstack([imputed, missing[:, self.indicator_columns].astype(float)])
        scaled = (np.arcsinh(design) - self.means) / self.scales
        if not len(self.intercepts):
            return np.ones((len(values), 1))
        exceed = _expit(scaled @ self.weights.T + self.intercepts)
        return ordinal_probabilities(isotonic_decreasing(exceed))

    def as_dict(self, model_sha256: str) -> dict[str, Any]:
        """The JSON form, tied to the model file it was exported from."""
        return {
            "format": LINEAR_FORMAT, "model_sha256": model_sha256, "features": list(self.features),
            "medians": self.medians.tolist(), "indicator_columns": self.indicator_columns.tolist(),
            "means": self.means.tolist(), "scales": self.scales.tolist(), "weights": self.weights.tolist(),
            "intercepts": self.intercepts.tolist(), "classes": list(self.classes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], card: dict[str, Any]) -> LinearStageModel:
        """Read :meth:`as_dict`'s form (``ClassifierError`` when it is malformed)."""
        try:
            model = cls(
                features=tuple(str(f) for f in data["features"]),
                medians=np.asarray(data["medians"], dtype=float),
                indicator_columns=np.asarray(data["indicator_columns"], dtype=int).reshape(-1),
                means=np.asarray(data["means"], dtype=float), scales=np.asarray(data["scales"], dtype=float),
                weights=np.asarray(data["weights"], dtype=float).reshape(len(data["intercepts"]), -1),
                intercepts=np.asarray(data["intercepts"], dtype=float),
                classes=tuple(int(c) for c in data["classes"]), card=card,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ClassifierError(f"not a linear stage model export ({exc})") from None
        width = len(model.features) + len(model.indicator_columns)
        if (data.get("format") != LINEAR_FORMAT or model.medians.shape != (len(model.features),)
                or model.means.shape != (width,) or model.scales.shape != (width,)
                or (len(model.intercepts) and model.weights.shape[1] != width)
                or len(model.classes) != len(model.intercepts) + 1):
            raise ClassifierError("not a linear stage model export (format or shapes)")
        return model


def export_linear(model: Any) -> LinearStageModel:
    """The arrays of a fitted :class:`classifier.pipeline.StageModel`, checked against its own probabilities.

    Raises ClassifierError when the pipeline is not the linear stage pipeline (another binary estimator) or
    the export's probabilities differ from the pipeline's by more than :data:`TOLERANCE`.
    """
    impute, _, scale, ordinal = (step for _, step in model.pipeline.steps)
    binary = list(ordinal.estimators_)
    if any(not hasattr(e, "coef_") or list(e.classes_) != [0, 1] or e.coef_.shape[0] != 1 for e in binary):
        raise ClassifierError("only a stage pipeline of logistic regressions can be exported to arrays")
    if impute.strategy != "median" or not scale.with_mean or not scale.with_std:
        raise ClassifierError("only the default stage pipeline (median imputation, standard scaling) is exported")
    indicator = getattr(impute, "indicator_", None)
    columns = np.asarray([] if indicator is None else indicator.features_, dtype=int)
    width = len(model.features) + len(columns)
    linear = LinearStageModel(
        features=tuple(model.features),
        medians=np.nan_to_num(np.asarray(impute.statistics_, dtype=float), nan=0.0),  # keep_empty_features: 0
        indicator_columns=columns,
        means=np.asarray(scale.mean_, dtype=float), scales=np.asarray(scale.scale_, dtype=float),
        weights=np.vstack([e.coef_[0] for e in binary]) if binary else np.empty((0, width)),
        intercepts=np.asarray([e.intercept_[0] for e in binary], dtype=float),
        classes=tuple(int(c) for c in ordinal.classes_), card=dict(model.card),
    )
    check = _check_rows(linear)
    difference = float(np.abs(model.probabilities(check).to_numpy() - linear.probabilities(check).to_numpy()).max())
    if not difference <= TOLERANCE:
        raise ClassifierError(f"the array export differs from the pipeline by {difference:.3g}; not exported")
    return linear


def _check_rows(linear: LinearStageModel, rows: int = 500, seed: int = 0) -> pd.DataFrame:
    """Rows spread around the training data (and beyond it), with missing values in every column."""
    rng = np.random.default_rng(seed)
    centre = linear.medians
    spread = np.maximum(np.abs(centre), 1.0)
    values = centre + rng.normal(0.0, 2.0, (rows, len(centre))) * spread
    values[rng.random(values.shape) < 0.2] = np.nan
    return pd.DataFrame(values, columns=list(linear.features))


def linear_bytes(linear: LinearStageModel, model_sha256: str) -> bytes:
    """The JSON bytes of ``linear`` for the model file with ``model_sha256``."""
    return (json.dumps(linear.as_dict(model_sha256), indent=1) + "\n").encode("utf-8")


def read_linear(path: Path, card: dict[str, Any]) -> LinearStageModel | None:
    """The export at ``path`` when the card names it (``linear_sha256``) and it is made from the card's model
    file; None when there is none or it does not belong to this card. ``ClassifierError`` when it is malformed."""
    expected = card.get("linear_sha256")
    if not expected or not path.is_file() or file_sha256(path) != expected:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ClassifierError(f"{path}: not a readable linear stage model export ({exc})") from None
    if not isinstance(data, dict) or data.get("model_sha256") != card.get("model_sha256"):
        return None
    linear = LinearStageModel.from_dict(data, card)
    if linear.features != tuple(str(f) for f in card.get("features", ())):
        raise ClassifierError(f"{path}: the features of the linear export and of the model card differ")
    return linear
