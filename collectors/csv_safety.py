"""CSV output that is safe to open in a spreadsheet (no formula injection).

A spreadsheet runs a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (also after leading spaces,
and their full-width forms) as a formula, and a leading tab or line break can hide such a start. Every
CSV file socialstage writes passes its cells through :func:`safe_cell`, which puts an apostrophe before
such text so that it is shown as text. Numbers are written as numbers (``-0.5`` stays a number).
A CSV file meant to be imported again (``socialstage store export``) has a ``formula_guard`` column
(:data:`GUARD_COLUMN`); reading such a file removes the apostrophe from every cell (:func:`unguard_cell`), so
it imports as the values it holds. Any other CSV file is read exactly as written.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from typing import IO

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
_INVISIBLE_STARTS = ("\t", "\r", "\n")
#: A column saying the file's cells went through :func:`safe_cell` (its value in every row: ``yes``).
GUARD_COLUMN = "formula_guard"


def safe_cell(value: object) -> object:
    """``value`` as a CSV cell: None and NaN empty, numbers unchanged, text that a spreadsheet would
    run as a formula prefixed with ``'``, any other text unchanged."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if needs_guard(text) else text


def needs_guard(text: str) -> bool:
    """Whether :func:`safe_cell` puts an apostrophe before ``text``: it would run as a formula, or it starts
    with an apostrophe before such text (so that :func:`unguard_cell` gives back exactly what was written)."""
    if text.startswith(_INVISIBLE_STARTS) or text.lstrip().startswith(FORMULA_STARTS):
        return True
    return text.startswith("'") and needs_guard(text[1:])


def unguard_cell(text: str) -> str:
    """A CSV cell as read back: the apostrophe :func:`safe_cell` (or a spreadsheet user) put before formula-like
    text is removed, so a file socialstage wrote imports as the values it holds; any other text is unchanged."""
    return text[1:] if text.startswith("'") and needs_guard(text[1:]) else text


def write_safe_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write ``header`` and ``rows`` to ``handle`` as CSV, every cell through :func:`safe_cell`; returns
    the number of rows written."""
    writer = csv.writer(handle)
    writer.writerow([safe_cell(c) for c in header])
    count = 0
    for row in rows:
        writer.writerow([safe_cell(c) for c in row])
        count += 1
    return count
