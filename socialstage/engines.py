"""Scoring a dataset partitioned by organization (``socialstage.dataset``), partition by partition.

Both engines run the same function, :func:`score_partitions`, over the same runs of
:data:`PARTITIONS_PER_TASK` organizations: read their partitions, then :func:`socialstage.score.place_frame` over
them together (the same features, rubric and model as ``socialstage audit``).

* ``local``: one run after another in this process, so memory is bounded by one run of partitions.
* ``dask``: the same function mapped over the runs on a Dask distributed cluster (``socialstage.engine_dask``;
  dask is imported only then).

Either way the rows come back unranked, one per organization; the caller ranks the whole list once
(:func:`socialstage.score.rank_rows`), so both engines write the same output. A partition that cannot be read
or placed becomes its organization's row with status ``error`` and never stops the batch; an organization with
no partition in the dataset is ``no_data``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from collectors.records import Organization
from socialstage.dataset import PartitionMissingError, partition_location, partition_name, read_partition
from socialstage.errors import SocialstageError
from socialstage.score import ERROR, NO_DATA, failed_row, place_frame, row_records, rows_frame
from socialstage.scoring import ModelChoice

if TYPE_CHECKING:
    from socialstage.score_batch import Batch

logger = logging.getLogger(__name__)

ENGINES = ("local", "dask")
#: The longest message kept from an exception in an ``error`` row.
MESSAGE_LIMIT = 300
#: Partitions placed together in one call (one Dask task): placing organizations together costs a fraction of
#: placing them one by one (the fixed cost of a placement dominates small partitions), and memory is bounded
#: by this many partitions (100 simulated organizations of ~1,000 posts: under 1 GB, bench/RESULTS.md).
PARTITIONS_PER_TASK = 100
#: A function with the signature of :func:`socialstage.score.place_frame`.
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
    (:func:`socialstage.score.place_frame`), which gives each organization the row it gets alone, at a fraction
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


def jobs_for(root: str | Path, orgs: Sequence[Organization], *, since: datetime | None = None,
             until: datetime | None = None) -> list[PartitionJob]:
    """One job per organization of the dataset at ``root`` (a local path made absolute, so that workers started
    elsewhere find it at the same path on shared storage)."""
    source = f"dataset {Path(str(root).rstrip('/')).name or root}"
    location = str(root) if "://" in str(root) else str(Path(root).resolve())
    return [PartitionJob(location, org, source, since, until) for org in orgs]


def iter_local(jobs: Sequence[PartitionJob], choice: ModelChoice) -> Iterator[tuple[int, pd.DataFrame]]:
    """``(position in jobs, row)`` for each job, in order, :data:`PARTITIONS_PER_TASK` partitions at a time."""
    for run in chunks(len(jobs)):
        yield from zip(run, score_partitions([jobs[i] for i in run], choice), strict=True)


def iter_rows(
    jobs: Sequence[PartitionJob],
    choice: ModelChoice,
    *,
    engine: str = "local",
    model_option: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """``(position in jobs, row)`` as organizations are placed (with ``dask``, in completion order).

    ``model_option`` is the ``--model`` value ``choice`` was made from (the Dask workers load the same file);
    ``scheduler`` the address of a Dask scheduler (else a local cluster of ``workers`` processes).
    """
    if engine == "local":
        yield from iter_local(jobs, choice)
    elif engine == "dask":
        from socialstage.engine_dask import iter_dask

        yield from iter_dask(jobs, choice, model_option=model_option, scheduler=scheduler, workers=workers)
    else:
        raise ValueError(f"unknown engine {engine!r}; one of {', '.join(ENGINES)}")


def score_dataset(
    jobs: Sequence[PartitionJob],
    choice: ModelChoice,
    *,
    engine: str = "local",
    model_option: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    on_row: Callable[[int, pd.DataFrame], None] | None = None,
) -> pd.DataFrame:
    """The unranked rows of all jobs, in job order (``on_row`` is called as each one is done)."""
    rows: list[pd.DataFrame | None] = [None] * len(jobs)
    for position, row in iter_rows(jobs, choice, engine=engine, model_option=model_option, scheduler=scheduler,
                                   workers=workers):
        rows[position] = row
        if on_row is not None:
            on_row(position, row)
    done = [row for row in rows if row is not None]
    return pd.concat(done, ignore_index=True) if done else rows_frame([])


def partition_identity(root: str | Path, org: str) -> str:
    """The data part of a ``--resume`` fingerprint: a hash of the names and contents of the partition's files
    (``dataset:missing`` when there is no partition)."""
    fs, path = partition_location(root, org)
    digest = hashlib.sha256()
    if fs is None:  # a local folder (fsspec comes with the dask extra only)
        folder = Path(path)
        if not folder.is_dir():
            return "dataset:missing"
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(file.relative_to(folder).as_posix().encode() + b"\0")
            with file.open("rb") as handle:
                for block in iter(lambda h=handle: h.read(1 << 20), b""):
                    digest.update(block)
        return f"dataset:{digest.hexdigest()}"
    if not fs.isdir(path):
        return "dataset:missing"
    for name in sorted(fs.find(path)):
        digest.update(name.removeprefix(path).lstrip("/").encode() + b"\0")
        digest.update(fs.cat_file(name))
    return f"dataset:{digest.hexdigest()}"


def score_dataset_batch(
    batch: Batch,
    root: str | Path,
    *,
    engine: str = "local",
    model_option: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """Score the batch's organizations from the dataset at ``root`` with ``engine``; each finished row is
    journaled as it comes (``--resume`` keeps rows whose partition, model and window are unchanged). Ranked."""
    batch.progress.start(len(batch.orgs))
    todo: list[tuple[PartitionJob, str]] = []
    for job in jobs_for(root, batch.orgs, since=batch.since, until=batch.until):
        fp = batch.fingerprint(job.org, partition_identity(root, job.org.name))
        if not batch.kept(job.org, fp):
            todo.append((job, fp))
    jobs = [job for job, _ in todo]
    for position, row in iter_rows(jobs, batch.choice, engine=engine, model_option=model_option,
                                   scheduler=scheduler, workers=workers):
        batch.finish([(todo[position][1], row_records(row)[0])])
    return batch.ranked()
