"""Placing the organizations of a partitioned dataset, partition by partition: the function both engines run
(:func:`score_partitions`), for :mod:`socialstage.batch.engines` (local) and :mod:`socialstage.batch.engine_dask`
(Dask).

A partition that cannot be read or placed becomes its organization's row with status ``error`` and never stops
the batch; an organization with no partition in the dataset is ``no_data``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from collectors.records import Organization
from socialstage.audit.verdict import ModelChoice
from socialstage.batch.dataset import PartitionMissingError, partition_name, read_partition
from socialstage.batch.rows import ERROR, NO_DATA, failed_row, place_frame, rows_frame
from socialstage.errors import SocialstageError

logger = logging.getLogger(__name__)

#: The longest message kept from an exception in an ``error`` row.
MESSAGE_LIMIT = 300
#: Partitions placed together in one call (one Dask task): placing organizations together costs a fraction of
#: placing them one by one (the fixed cost of a placement dominates small partitions), and memory is bounded
#: by this many partitions (100 simulated organizations of ~1,000 posts: under 1 GB, bench/RESULTS.md).
PARTITIONS_PER_TASK = 100
#: A function with the signature of :func:`socialstage.batch.rows.place_frame`.
Placer = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class PartitionJob:
    """One organization to place from its partition of the dataset at ``root``, over a window."""

    root: str
    org: Organization
    source: str
    since: datetime | None = None
    until: datetime | None = None


def one_line(exc: BaseException) -> str:
    """An exception as one short line: its type and first line of message."""
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    text = f"{exc.__class__.__name__}: {text}" if text != exc.__class__.__name__ else text
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 3] + "..."


def _failed(job: PartitionJob, status: str, message: str) -> pd.DataFrame:
    return rows_frame([failed_row(job.org, status, message)])


def _read(job: PartitionJob) -> tuple[pd.DataFrame, pd.DataFrame | None] | pd.DataFrame:
    """The partition's posts and profiles, or the job's ``no_data`` / ``error`` row when it cannot be read."""
    name = partition_name(job.org.name)
    try:
        return read_partition(job.root, job.org.name)
    except PartitionMissingError:
        return _failed(job, NO_DATA, f"{job.source} has no partition {name}")
    except Exception as exc:  # pyarrow, fsspec and the OS raise many types for a damaged or unreachable file
        logger.warning("%s: partition %s unreadable: %s", job.org.name, name, one_line(exc))
        return _failed(job, ERROR, f"partition {name} could not be read ({one_line(exc)})")


def _place(jobs: Sequence[PartitionJob], data: Sequence[tuple[pd.DataFrame, pd.DataFrame | None]],
           choice: ModelChoice, place: Placer) -> pd.DataFrame:
    """Place the organizations of ``jobs`` together over the union of their partitions (a post addressed to
    two of them is in both partitions: kept once)."""
    posts = pd.concat([d[0] for d in data], ignore_index=True).drop_duplicates(["platform", "post_id"])
    found = [d[1] for d in data if d[1] is not None]
    profiles = pd.concat(found, ignore_index=True) if found else None
    first = jobs[0]
    return place(posts.reset_index(drop=True), [j.org for j in jobs], choice, source=first.source,
                 profiles=profiles, since=first.since, until=first.until)


def score_partitions(jobs: Sequence[PartitionJob], choice: ModelChoice,
                     place: Placer = place_frame) -> list[pd.DataFrame]:
    """The row (a one-row frame) of each job, in order: the readable partitions placed together in one call
    (:func:`socialstage.batch.rows.place_frame`), which gives each organization the row it gets alone, at a fraction
    of the cost. Never raises for a problem with one partition: an unreadable one is an ``error`` row, a missing
    one ``no_data``; when placing them together fails, each is placed alone, so only the failing one is an
    ``error``. The jobs share a source and a window (one batch)."""
    rows: list[pd.DataFrame | None] = [None] * len(jobs)
    readable: list[tuple[int, tuple[pd.DataFrame, pd.DataFrame | None]]] = []
    for position, job in enumerate(jobs):
        data = _read(job)
        if isinstance(data, pd.DataFrame):
            rows[position] = data
        else:
            readable.append((position, data))
    try:
        placed = _place([jobs[i] for i, _ in readable], [d for _, d in readable], choice, place) if readable else None
    except SocialstageError:
        raise  # a problem of the whole batch (an explicit --model that cannot be used)
    except Exception:  # one organization's failure never stops the batch: place them one by one
        logger.debug("placing %d partitions together failed; placing one by one", len(readable), exc_info=True)
        placed = None
        for position, data in readable:
            rows[position] = _place_alone(jobs[position], data, choice, place)
    if placed is not None:
        for k, (position, _) in enumerate(readable):
            rows[position] = placed.iloc[[k]].reset_index(drop=True)
    return [row for row in rows if row is not None]


def _place_alone(job: PartitionJob, data: tuple[pd.DataFrame, pd.DataFrame | None], choice: ModelChoice,
                 place: Placer) -> pd.DataFrame:
    try:
        return _place([job], [data], choice, place)
    except SocialstageError:
        raise
    except Exception as exc:
        logger.warning("%s: could not be placed: %s", job.org.name, one_line(exc), exc_info=logger.isEnabledFor(10))
        return _failed(job, ERROR, f"could not be placed ({one_line(exc)})")


def score_partition(job: PartitionJob, choice: ModelChoice, place: Placer = place_frame) -> pd.DataFrame:
    """The row (a one-row frame) of one job (:func:`score_partitions`)."""
    return score_partitions([job], choice, place)[0]


def chunks(count: int, size: int | None = None) -> list[range]:
    """Positions ``0..count-1`` in consecutive runs of ``size`` (:data:`PARTITIONS_PER_TASK`): the partitions
    placed together. Both engines use the same runs, so they make the same calls and get the same numbers."""
    size = size or PARTITIONS_PER_TASK
    return [range(start, min(start + size, count)) for start in range(0, count, size)]
