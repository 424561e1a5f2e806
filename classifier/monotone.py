"""Monotone fits shared by the ordinal classifier and its NumPy-only predictor (no scikit-learn import)."""

from __future__ import annotations

import numpy as np


def ordinal_probabilities(exceed: np.ndarray) -> np.ndarray:
    """Class probabilities from non-increasing ``P(y > c_k)`` columns: non-negative, each row summing to one."""
    n_rows = exceed.shape[0]
    cumulative = np.hstack([np.ones((n_rows, 1)), np.clip(exceed, 0.0, 1.0), np.zeros((n_rows, 1))])
    proba = np.clip(cumulative[:, :-1] - cumulative[:, 1:], 0.0, None)
    return proba / proba.sum(axis=1, keepdims=True)  # only rounding error to remove


def isotonic_decreasing(values: np.ndarray) -> np.ndarray:
    """Each row's least-squares non-increasing fit (equal weights), by the min-max formula of isotonic regression.

    For a non-decreasing fit, ``f_i = max_{j <= i} min_{k >= i} mean(v_j .. v_k)``; the non-increasing fit is
    the non-decreasing fit of the reversed row, reversed back. Vectorised over rows; columns are few (one per
    threshold between stages), so the cubic cost in columns does not matter.
    """
    values = np.asarray(values, dtype=float)
    reversed_rows = values[:, ::-1]
    n_rows, n_cols = reversed_rows.shape
    if n_cols <= 1:
        return values.copy()
    sums = np.concatenate([np.zeros((n_rows, 1)), np.cumsum(reversed_rows, axis=1)], axis=1)
    fitted = np.empty_like(reversed_rows)
    for i in range(n_cols):
        best = np.full(n_rows, -np.inf)
        for j in range(i + 1):
            lowest = np.full(n_rows, np.inf)
            for k in range(i, n_cols):
                lowest = np.minimum(lowest, (sums[:, k + 1] - sums[:, j]) / (k - j + 1))
            best = np.maximum(best, lowest)
        fitted[:, i] = best
    return fitted[:, ::-1]
