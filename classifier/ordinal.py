"""An ordinal classifier: Frank & Hall's decomposition of ordered classes into cumulative binary problems.

For ordered classes ``c_0 < c_1 < ... < c_{K-1}`` (those present in ``y``), one binary model per threshold
estimates ``P(y > c_k)``, k = 0 .. K-2. The class probabilities are the differences of these cumulative
estimates: ``P(y = c_0) = 1 - P(y > c_0)``, ``P(y = c_k) = P(y > c_{k-1}) - P(y > c_k)``,
``P(y = c_{K-1}) = P(y > c_{K-2})``.

Independently fitted binary models can cross (``P(y > c_1) > P(y > c_0)`` for some row), which would make a
difference negative. Before taking differences, each row's cumulative estimates are replaced by their
least-squares non-increasing fit (isotonic regression, pool-adjacent-violators: crossing neighbours are
averaged). The fitted values stay in [0, 1] and never increase, so every difference is non-negative and they
sum to one by telescoping; nothing is clipped away and no renormalisation is needed beyond rounding error.

Frank, E. and Hall, M. (2001), "A simple approach to ordinal classification", ECML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from classifier.monotone import isotonic_decreasing, ordinal_probabilities

__all__ = ["OrdinalClassifier", "isotonic_decreasing"]


class OrdinalClassifier(ClassifierMixin, BaseEstimator):
    """Ordinal classification by cumulative binary models (Frank & Hall), with monotone probabilities.

    Parameters
    ----------
    estimator : classifier with ``predict_proba``, default=None
        The binary model fitted for each threshold between consecutive classes; ``None`` means
        ``LogisticRegression(max_iter=1000)``. It is cloned, never fitted in place.
    classes : sequence, default=None
        The full ordered label set, lowest first (for the maturity curve: ``range(7)``). Labels of ``y``
        must belong to it; classes without labels are simply absent from ``classes_``. ``None`` orders the
        labels found in ``y`` by sorting them.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels seen in ``y``, in their order; the columns of ``predict_proba``.
    estimators_ : list of fitted estimators
        ``estimators_[k]`` estimates ``P(y > classes_[k])``; empty when ``y`` has one class.
    n_features_in_ : int
        Number of features seen during fit (``feature_names_in_`` too when ``X`` has column names).
    """

    def __init__(self, estimator: Any = None, classes: Sequence[Any] | None = None) -> None:
        self.estimator = estimator
        self.classes = classes

    def fit(self, X: Any, y: Any) -> OrdinalClassifier:
        """Fit one binary model per threshold between the ordered classes present in ``y``."""
        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_ = self._ordered_classes(y)
        rank = {label: position for position, label in enumerate(self.classes_.tolist())}
        ranks = np.array([rank[label] for label in y.tolist()])
        base = LogisticRegression(max_iter=1000) if self.estimator is None else self.estimator
        self.estimators_ = [clone(base).fit(X, (ranks > k).astype(int)) for k in range(len(self.classes_) - 1)]
        return self

    def _ordered_classes(self, y: np.ndarray) -> np.ndarray:
        present = np.unique(y)
        if self.classes is None:
            return present
        order = list(self.classes)
        if len(set(order)) != len(order):
            raise ValueError(f"classes lists a label twice: {order}")
        unknown = [label for label in present.tolist() if label not in order]
        if unknown:
            raise ValueError(f"labels {unknown} are not in classes {order}")
        seen = set(present.tolist())
        return np.array([label for label in order if label in seen], dtype=present.dtype)

    def cumulative_proba(self, X: Any) -> np.ndarray:
        """``P(y > classes_[k])`` for each threshold k, made non-increasing along each row."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if not self.estimators_:
            return np.empty((X.shape[0], 0))
        raw = np.column_stack([e.predict_proba(X)[:, list(e.classes_).index(1)] for e in self.estimators_])
        return isotonic_decreasing(raw)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in ``classes_`` order: non-negative, each row summing to one."""
        return ordinal_probabilities(self.cumulative_proba(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = True
        return tags
