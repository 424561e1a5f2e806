"""Per-organization counts and shares over a prepared table, on integer codes of its ``org`` column.

A feature that counts rows per organization, or takes the share of rows that hold a condition, reads it from
here instead of grouping by the organization names: each table's ``org`` column is coded once (the position of
the name in ``OrgFrames.orgs``) and every count is one ``numpy.bincount``. The values equal pandas' group-bys
bit for bit: a count is a whole number, and a share is that count over the row count in one float division, as
pandas' ``groupby(...).mean()`` of booleans and ``sum() / size()`` compute it.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from features.frames import OrgFrames
from features.post_keys import positions

Table = Literal["org_posts", "inbound"]


def org_codes(frames: OrgFrames, table: Table) -> np.ndarray:
    """The position in ``frames.orgs`` of each row's organization in ``frames.<table>`` (computed once)."""

    def code() -> np.ndarray:
        codes = positions(getattr(frames, table)["org"], frames.orgs)
        if (codes < 0).any():  # prepare only makes rows of the given organizations
            raise ValueError(f"{table} has rows of an organization that is not in the frames")
        return codes

    return frames.cached(f"org_codes:{table}", code)


def counts(frames: OrgFrames, table: Table, rows: pd.Series | np.ndarray | None = None) -> pd.Series:
    """Rows of ``frames.<table>`` per organization (of those where the boolean ``rows`` holds), as floats indexed
    by ``frames.orgs``; an organization without rows counts 0."""
    codes = org_codes(frames, table)
    if rows is not None:
        codes = codes[np.asarray(rows, dtype=bool)]
    counted = np.bincount(codes, minlength=len(frames.orgs)).astype(float)
    return pd.Series(counted, index=frames.orgs)


def share(frames: OrgFrames, table: Table, flags: pd.Series | np.ndarray,
          among: pd.Series | np.ndarray | None = None) -> pd.Series:
    """Share of the rows of ``frames.<table>`` (those where ``among`` holds, else all) where the boolean ``flags``
    holds, per organization, indexed by ``frames.orgs``; missing (NaN) for an organization without such rows."""
    flags = np.asarray(flags, dtype=bool)
    if among is not None:
        flags = flags & np.asarray(among, dtype=bool)
    total = counts(frames, table, among)
    return counts(frames, table, flags) / total.where(total > 0)


def distinct(frames: OrgFrames, table: Table, columns: list[str], rows: pd.Series | np.ndarray | None = None
             ) -> pd.Series:
    """Distinct value combinations of ``columns`` per organization among the rows of ``frames.<table>`` (those
    where ``rows`` holds, else all), as floats indexed by ``frames.orgs``; a row missing any of the values is not
    counted (as pandas' ``nunique`` and ``dropna`` leave it out); an organization without rows counts 0."""
    keep = np.ones(len(getattr(frames, table)), dtype=bool) if rows is None else np.asarray(rows, dtype=bool).copy()
    orgs = org_codes(frames, table)
    key, size = orgs.astype(np.int64), len(frames.orgs)  # the organization and the values, as one integer
    for column in columns:
        codes, count = value_codes(frames, table, column)
        keep &= codes >= 0
        if size * count >= 2**62:  # re-coded before the key could overflow
            _, key = np.unique(key, return_inverse=True)
            size = int(key.max(initial=0)) + 1
        key, size = key * count + codes, size * count
    _, first = np.unique(key[keep], return_index=True)  # the first row of each combination
    counted = np.bincount(orgs[keep][first], minlength=len(frames.orgs)).astype(float)
    return pd.Series(counted, index=frames.orgs)


def value_codes(frames: OrgFrames, table: Table, column: str) -> tuple[np.ndarray, int]:
    """The values of ``frames.<table>[column]`` coded (-1 for a missing value) and how many there are (computed
    once)."""

    def code() -> tuple[np.ndarray, int]:
        codes, uniques = pd.factorize(getattr(frames, table)[column])
        return codes.astype(np.int64), len(uniques)

    return frames.cached(f"value_codes:{table}:{column}", code)
