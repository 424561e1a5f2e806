"""Prepared frames cut into sub-windows (calendar periods), so features are computed per period in one pass.

:func:`split_windows` turns frames prepared once for a window into frames whose "organizations" are
sub-windows of it: each row of ``windows`` names an organization of the frames and a first and last moment
(both inclusive). The result is exactly what ``prepare`` would give for each organization with that
``since``/``until``: the same org and inbound posts inside it, answers found among all loaded posts (also
after the sub-window's end), the same conversations, departments, sentiments and message types, and weeks
counted from the sub-window's start. :func:`calendar_periods` gives the sub-windows for months, quarters
or years.
"""

from __future__ import annotations

import pandas as pd

from features.frames import OrgFrames, in_window, posted_accounts, window_table

#: Period names and their pandas frequencies.
FREQUENCIES = {"month": "M", "quarter": "Q", "year": "Y"}
#: The last moment of a period is this long before the next period begins.
TICK = pd.Timedelta(microseconds=1)


def period_label(period: pd.Period, by: str) -> str:
    """``2024-03`` (month), ``2024-Q1`` (quarter) or ``2024`` (year)."""
    if by == "quarter":
        return f"{period.year}-Q{period.quarter}"
    return f"{period.year}" if by == "year" else f"{period.year}-{period.month:02d}"


def calendar_periods(first: pd.Timestamp, last: pd.Timestamp, by: str) -> pd.DataFrame:
    """The calendar periods (UTC) from the one holding ``first`` to the one holding ``last``: one row each,
    columns ``period`` (label), ``start`` (first moment) and ``end`` (the next period's start, exclusive)."""
    if by not in FREQUENCIES:
        raise ValueError(f"by must be one of {', '.join(FREQUENCIES)}, got {by!r}")
    freq = FREQUENCIES[by]
    naive = [pd.Timestamp(t).tz_convert("UTC").tz_localize(None) for t in (first, last)]
    periods = pd.period_range(naive[0].to_period(freq), naive[1].to_period(freq), freq=freq)
    return pd.DataFrame({
        "period": [period_label(p, by) for p in periods],
        "start": [p.start_time.tz_localize("UTC") for p in periods],
        "end": [(p + 1).start_time.tz_localize("UTC") for p in periods],
    })


def split_windows(frames: OrgFrames, windows: pd.DataFrame) -> OrgFrames:
    """Frames over sub-windows: ``windows`` is indexed by a new unique key (a string) with columns ``org``
    (an organization of ``frames``), ``start`` and ``end`` (both inclusive, UTC). The result's
    organizations are the keys; its tables hold each organization's rows inside each of its sub-windows."""
    keys = pd.Index(windows.index.astype(str), name="org")
    spec = pd.DataFrame({"key": keys, "org": windows["org"].to_numpy()})
    bounds = window_table(pd.Series(pd.to_datetime(windows["start"], utc=True).to_numpy(), index=keys),
                          pd.Series(pd.to_datetime(windows["end"], utc=True).to_numpy(), index=keys))

    def regroup(table: pd.DataFrame) -> pd.DataFrame:
        moved = table.merge(spec, on="org").drop(columns="org").rename(columns={"key": "org"})
        return moved

    own = in_window(regroup(frames.org_posts), bounds).reset_index(drop=True)
    inbound = in_window(regroup(frames.inbound), bounds).reset_index(drop=True)
    accounts = posted_accounts(regroup(frames.accounts.drop(columns="posted")), own)
    return OrgFrames(keys, accounts, own, inbound, bounds, frames.conversations)
