"""What every stage model offers an audit: its feature columns, its card, and probabilities over the seven stages.

:class:`StageModelBase` holds the behaviour shared by the scikit-learn pipeline (:class:`classifier.pipeline.
StageModel`, used to fit and evaluate) and its NumPy-only export (:class:`classifier.linear.LinearStageModel`,
used to place organizations without importing scikit-learn). No scikit-learn import here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from classifier.errors import MissingFeaturesError
from classifier.stages import STAGES

STAGE_INDICES: tuple[int, ...] = tuple(s.index for s in STAGES)


class StageModelBase:
    """Feature columns in, one probability per stage out. Subclasses set ``features`` and ``card`` and define
    ``stages_seen`` and ``_stage_proba``."""

    features: tuple[str, ...]
    card: dict[str, Any]

    @property
    def stages_seen(self) -> list[int]:
        """The stages the model was trained with labels of (the others always get probability 0)."""
        raise NotImplementedError

    def _stage_proba(self, matrix: pd.DataFrame) -> np.ndarray:
        """Probabilities of ``stages_seen`` (columns in that order) for the rows of ``matrix``."""
        raise NotImplementedError

    def matrix(self, table: pd.DataFrame) -> pd.DataFrame:
        """The model's feature columns of ``table``, in training order; extra columns are ignored.

        Raises MissingFeaturesError naming the absent features (a table computed before they existed).
        """
        absent = [name for name in self.features if name not in table.columns]
        if absent:
            raise MissingFeaturesError(
                f"the feature table lacks {len(absent)} feature(s) the model was trained on: {', '.join(absent)}; "
                "compute the features with the socialstage version that trained the model, or retrain it"
            )
        return table.loc[:, list(self.features)].astype(float)

    def probabilities(self, table: pd.DataFrame) -> pd.DataFrame:
        """One row per row of ``table``, one column per stage (0-6): non-negative, each row summing to one."""
        proba = self._stage_proba(self.matrix(table))
        full = pd.DataFrame(0.0, index=table.index, columns=list(STAGE_INDICES))
        full[self.stages_seen] = proba
        return full

    def predict(self, table: pd.DataFrame) -> pd.Series:
        """The most probable stage of each row."""
        return self.probabilities(table).idxmax(axis=1).astype(int)
