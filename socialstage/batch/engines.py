"""Scoring a dataset partitioned by organization (``socialstage.batch.dataset``), partition by partition.

Both engines run the same function, :func:`socialstage.batch.partitions.score_partitions`, over the same
runs of :data:`socialstage.batch.partitions.PARTITIONS_PER_TASK` organizations: read their partitions, then
:func:`socialstage.batch.rows.place_frame` over them together (the same features, rubric and model as
``socialstage audit``).

* ``local``: one run after another in this process, so memory is bounded by one run of partitions.
* ``dask``: the same function mapped over the runs on a Dask distributed cluster (``socialstage.batch.engine_dask``;
  dask is imported only then).

Either way the rows come back unranked, one per organization; the caller ranks the whole list once
(:func:`socialstage.batch.ranking.rank_rows`), so both engines write the same output. A partition that cannot be read
or placed becomes its organization's row with status ``error`` and never stops the batch; an organization with
no partition in the dataset is ``no_data``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from collectors.records import Organization
from socialstage.audit.verdict import ModelChoice
from socialstage.batch.dataset import partition_location
from socialstage.batch.partitions import PartitionJob, chunks, score_partitions
from socialstage.batch.rows import row_records, rows_frame

if TYPE_CHECKING:
    from socialstage.batch.state import Batch

logger = logging.getLogger(__name__)

ENGINES = ("local", "dask")


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
        from socialstage.batch.engine_dask import iter_dask

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
