"""The stage model: imputation with missing indicators, a log-like transform, scaling and the ordinal classifier.

Missing feature values (a response rate with no inbound posts) are imputed inside the pipeline, so that
cross-validation learns the imputation from each training fold only, and a missing indicator column keeps
"undefined" distinguishable from "typical". :class:`StageModel` pairs the fitted pipeline with the feature
list it was trained on and maps its probabilities onto all seven stages (stages without labels get 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from classifier.ordinal import OrdinalClassifier
from classifier.stage_model import STAGE_INDICES, StageModelBase

__all__ = ["STAGE_INDICES", "StageModel", "default_estimator", "make_pipeline"]


def default_estimator() -> LogisticRegression:
    """The binary model of each threshold: L2-regularised logistic regression (Newton-Cholesky solver)."""
    return LogisticRegression(C=1.0, solver="newton-cholesky", max_iter=1000)


def make_pipeline(estimator: Any = None) -> Pipeline:
    """Median imputation with missing indicators, ``arcsinh``, standard scaling, then the ordinal classifier.

    ``arcsinh`` (a logarithm for large values, linear near zero, defined for any number) tames the long tails
    of counts and hours (posts per week, response times), so that a threshold on their order of magnitude,
    as an analyst judges them, is linear for the logistic models; shares in [0, 1] are barely changed.
    """
    return Pipeline([
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
        ("log", FunctionTransformer(np.arcsinh, feature_names_out="one-to-one")),
        ("scale", StandardScaler()),
        ("ordinal", OrdinalClassifier(estimator=default_estimator() if estimator is None else estimator,
                                      classes=STAGE_INDICES)),
    ])


@dataclass
class StageModel(StageModelBase):
    """A fitted stage pipeline, the features it reads (in order) and its model card."""

    pipeline: Pipeline
    features: tuple[str, ...]
    card: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fit(cls, table: pd.DataFrame, stages: Sequence[int], features: Sequence[str],
            estimator: Any = None) -> StageModel:
        """Fit a new pipeline on ``table[features]`` (one row per labeled window) and the ``stages`` labels."""
        model = cls(make_pipeline(estimator), tuple(features))
        model.pipeline.fit(model.matrix(table), np.asarray(stages, dtype=int))
        return model

    @property
    def stages_seen(self) -> list[int]:
        """The stages the model was trained with labels of (the others always get probability 0)."""
        return [int(s) for s in self.pipeline[-1].classes_]

    def _stage_proba(self, matrix: pd.DataFrame) -> np.ndarray:
        return self.pipeline.predict_proba(matrix)
