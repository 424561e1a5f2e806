"""The ranking of a batch: the ``ok`` rows of a whole list ranked, the others after them.

**Ranking rule** (:func:`rank_key`). Organizations placed on sufficient evidence rank above those placed on
thin evidence, whatever their stage: a verdict from a handful of posts is a weak guess and must not outrank an
organization placed on hundreds. Then higher stage; then higher proven stage (``stage_low``); then higher
expected stage (:func:`expected_stage`: how firmly the model places the organization there, and which way it
leans); then higher ``response_rate`` (an undefined rate ranks below any measured one); then more
``org_posts``; then the organization's name (case-insensitive, then exact). Ranks run 1..n over the ``ok``
rows with no ties; ``percentile`` is ``100 * (n - rank) / (n - 1)`` rounded to 0.1 (the first is 100, the last
0; a list of one is 100).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from classifier.stages import STAGES
from socialstage.batch.rows import OK, PROBABILITY_COLUMNS, STATUSES, plain, row_records, rows_frame

_STAGE_INDEX = {stage.name: stage.index for stage in STAGES}


def expected_stage(row: Mapping[str, Any]) -> float:
    """The probability-weighted stage (sum of stage x probability, to 6 decimals) when the row has the
    model's probabilities; else its stage."""
    probabilities = [plain(row.get(column)) for column in PROBABILITY_COLUMNS]
    if any(p is None for p in probabilities):
        return float(row["stage_index"])
    return round(sum(index * p for index, p in enumerate(probabilities)), 6)


def rank_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """The sort key of an ``ok`` row (the ranking rule of the module docstring): sufficient evidence before thin,
    then stage, proven stage, expected stage, response rate (undefined last), posts, name."""
    rate, posts = plain(row["response_rate"]), plain(row["org_posts"])
    stage = int(row["stage_index"])
    low = _STAGE_INDEX.get(str(plain(row.get("stage_low"))), stage)
    thin = plain(row.get("thin_evidence")) is True
    return (thin, -stage, -low, -expected_stage(row), rate is None, -(rate or 0.0), -(posts or 0.0),
            str(row["org"]).casefold(), str(row["org"]))


def _rest_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    status = row["status"]
    return (STATUSES.index(status) if status in STATUSES else len(STATUSES), str(row["org"]).casefold(),
            str(row["org"]))


def rank_records(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """:func:`rank_rows` of rows given as dicts (a batch's finished rows)."""
    return rank_rows(rows_frame(records))


def rank_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with ``rank`` and ``percentile`` of each ``ok`` row within the list (module docstring), ranked
    rows first in rank order, then the others by status and name. Independent of the input order."""
    records = row_records(rows)
    ranked = sorted((r for r in records if r["status"] == OK), key=rank_key)
    rest = sorted((r for r in records if r["status"] != OK), key=_rest_key)
    count = len(ranked)
    for position, record in enumerate(ranked, start=1):
        record["rank"] = position
        record["percentile"] = 100.0 if count == 1 else round(100 * (count - position) / (count - 1), 1)
    for record in rest:
        record["rank"] = record["percentile"] = None
    return rows_frame([*ranked, *rest])
