"""The row contract of a batch: one row per organization of a list, placed side by side.

The row contract (``socialstage score`` writes it; the comparison report and the Dask engine read it):

``org``, ``accounts`` (space-separated ``platform:handle``), ``status`` (:data:`STATUSES`), ``message``,
``stage`` (name), ``stage_index``, ``journey``, ``method`` (``model`` or ``rubric``), ``rubric_stage`` (name),
``stage_low`` and ``stage_high`` (names: the stage the evidence proves and the highest it does not exclude;
the verdict lies between them), ``stage_range`` (their indices, ``1-2``), ``thin_evidence`` (a boolean: fewer
than 10 posts by the organization, or addressed to it where those are in the data), ``inbound_view``
(``visible``, ``partial`` or ``absent``: how much of the conversation addressed to it the data holds),
``decide`` (the rubric's sentence on what would decide the stage within the range; empty when the range is
one stage), ``rank``, ``percentile``, one probability per stage (:data:`PROBABILITY_COLUMNS`, ``p_unaware``
... ``p_propagating``; empty without a model), then the key features by name
(``socialstage.audit.placement.KEY_FEATURES``; ``org_posts`` and ``inbound`` are the counts behind the verdict). A row
that is not ``ok`` keeps org, accounts, status and message; its stage, range, evidence and rank are empty.

:func:`place_frame` gives the unranked rows of some organizations over a posts DataFrame (the same audit and
model as ``socialstage audit``); ``socialstage.batch.ranking.rank_rows`` ranks the ``ok`` rows of a whole list.
Both are pure and deterministic, and neither depends on the order of its input rows, so a list can be placed in
parts (per chunk, per Parquet partition) and ranked once.

The ranking of the ``ok`` rows is :mod:`socialstage.batch.ranking`'s; the list read into organizations,
:mod:`socialstage.batch.plan`'s.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from classifier.stages import STAGES, journey
from collectors.records import Organization
from features.registry import COUNT_FEATURES
from socialstage.audit.placement import KEY_FEATURES, AuditResult, audit_posts
from socialstage.audit.verdict import ModelChoice, apply_model

OK, NO_DATA, NOT_FOUND, RATE_LIMITED, ERROR = "ok", "no_data", "not_found", "rate_limited", "error"
#: Row statuses, from best to worst.
STATUSES: tuple[str, ...] = (OK, NO_DATA, NOT_FOUND, RATE_LIMITED, ERROR)
PROBABILITY_COLUMNS: tuple[str, ...] = tuple("p_" + s.name.lower().replace(" ", "_") for s in STAGES)
ROW_COLUMNS: tuple[str, ...] = (
    "org", "accounts", "status", "message", "stage", "stage_index", "journey", "method", "rubric_stage",
    "stage_low", "stage_high", "stage_range", "thin_evidence", "inbound_view", "decide",
    "rank", "percentile", *PROBABILITY_COLUMNS, *KEY_FEATURES,
)
_TEXT = ("org", "accounts", "status", "message", "stage", "journey", "method", "rubric_stage", "stage_low",
         "stage_high", "stage_range", "inbound_view", "decide")
#: Integer columns (nullable): the stage index, the rank and the key features that count things.
_INTEGER = ("stage_index", "rank", *(name for name in KEY_FEATURES if name in COUNT_FEATURES))
_BOOLEAN = ("thin_evidence",)
_STAGE_INDEX = {stage.name: stage.index for stage in STAGES}


def accounts_text(org: Organization) -> str:
    """``twitter:AcmeHelp twitter:Acme``: the organization's accounts as one cell."""
    return " ".join(f"{a.platform}:{a.handle}" for a in org.accounts)


def place_frame(
    posts: pd.DataFrame,
    orgs: Sequence[Organization],
    choice: ModelChoice,
    *,
    source: str,
    profiles: pd.DataFrame | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    verified: Collection[str] = (),
) -> pd.DataFrame:
    """One unranked row per organization (in ``orgs`` order), placed as ``socialstage audit`` places it.

    An organization with no post by, to or about it in the window is ``no_data``, unless its name is in
    ``verified`` (a live collection found its accounts): then it is ``ok`` at Unaware, as the curve defines it.
    """
    if not orgs:
        return rows_frame([])
    results = audit_posts(posts, orgs, source=source, since=since, until=until, profiles=profiles)
    apply_model(results, choice)
    return rows_frame([_placed_row(org, result, org.name in verified) for org, result in zip(orgs, results,
                                                                                            strict=True)])


def _placed_row(org: Organization, result: AuditResult, verified: bool) -> dict[str, Any]:
    features = result.features
    if not features.get("org_posts") and not features.get("inbound") and not verified:
        return failed_row(org, NO_DATA, f"no post by, to or about {org.name} in {result.source} in the window")
    row = failed_row(org, OK, "; ".join(result.warnings))
    index = result.stage
    row.update(stage=STAGES[index].name, stage_index=index, journey=journey(index), method=result.method,
               rubric_stage=STAGES[result.rubric.stage].name)
    low, high = result.stage_range
    row.update(stage_low=STAGES[low].name, stage_high=STAGES[high].name, stage_range=f"{low}-{high}",
               thin_evidence=result.thin, inbound_view=result.rubric.view.inbound, decide=result.rubric.decide)
    if result.probabilities:
        for column, stage in zip(PROBABILITY_COLUMNS, STAGES, strict=True):
            row[column] = result.probabilities.get(stage.name)
    row.update({name: features.get(name) for name in KEY_FEATURES})
    return row


def failed_row(org: Organization, status: str, message: str) -> dict[str, Any]:
    """A row with only org, accounts, status and message (the rest empty)."""
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    row: dict[str, Any] = dict.fromkeys(ROW_COLUMNS)
    row.update(org=org.name, accounts=accounts_text(org), status=status, message=message)
    return row


def plain(value: Any) -> Any:
    """A cell as plain JSON-ready Python: None for missing, int, float or str."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return plain(value.item())
    return value


def row_records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as plain dicts (:func:`plain` values), in the contract's column order."""
    return [{c: plain(v) for c, v in zip(ROW_COLUMNS, values, strict=True)}
            for values in rows.reindex(columns=list(ROW_COLUMNS)).to_numpy(dtype=object)]


def rows_frame(records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Rows (dicts) as a DataFrame with the contract's columns and types: text as object (None for empty),
    ``stage_index``, ``rank`` and the counts (``org_posts``, ``inbound``, ``distinct_voices``, ``departments``)
    nullable integers, ``thin_evidence`` a nullable boolean, the rest floats (NaN for empty)."""
    data = [{c: plain(record.get(c)) for c in ROW_COLUMNS} for record in records]
    frame = pd.DataFrame(data, columns=list(ROW_COLUMNS))
    for column in ROW_COLUMNS:
        if column in _TEXT:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        elif column in _INTEGER:
            frame[column] = pd.to_numeric(frame[column]).astype("Int64")
        elif column in _BOOLEAN:
            frame[column] = frame[column].astype("boolean")
        else:
            frame[column] = pd.to_numeric(frame[column]).astype(float)
    return frame
