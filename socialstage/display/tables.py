"""Small tables and values for the terminal, shared by the audit, the trajectory, the demo and the batch
commands: a feature value formatted by its kind, and a compact summary table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.table import Table
from rich.text import Text

from classifier.rubric import RUBRIC, format_value
from features.counts import COUNT_FEATURES
from socialstage.display.terminal import clean

_UNITS = {c.feature: c.unit for c in RUBRIC}


def feature_text(name: str, value: float | None) -> str:
    """A feature value formatted by its kind (share, hours, count)."""
    unit = _UNITS.get(name)
    if unit is None:
        unit = "share" if name.endswith(("_share", "_rate")) else "hours" if name.endswith("_hours") else "number"
        if name in COUNT_FEATURES:
            unit = "count"
    return format_value(value, unit)


def summary_table(rows: Sequence[dict[str, Any]], title: str, text_columns: int = 1) -> Table:
    """A compact table: each row a dict of column -> value; the first ``text_columns`` are text
    (left-aligned), the rest numbers (right-aligned). Values are shown as text, never markup."""
    table = Table(title=title, header_style="bold underline", box=None, padding=(0, 1), pad_edge=False)
    if not rows:
        return table
    for position, column in enumerate(rows[0]):
        width = max(len(str(column)), *(len(str(row[column])) for row in rows))
        justify = "left" if position < text_columns else "right"
        table.add_column(column, justify=justify, no_wrap=True, min_width=width)
    for row in rows:
        table.add_row(*(Text(clean(v)) for v in row.values()))
    return table
