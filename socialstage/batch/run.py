"""Running a planned batch (``socialstage.batch.plan``): the engine its source calls for, then the output file.

A posts file, the store or a live collection is placed in this process (``socialstage.batch.sources``); a dataset
partition by partition, locally or on Dask (``socialstage.batch.engines``). Either way every finished row is
journaled as it comes and the rows are ranked at the end (``socialstage.batch.state``); then ``--out`` is
written (``socialstage.batch.output``).

Exit codes of ``socialstage score`` (those of ``socialstage collect``): 0 every organization scored
(``ok``); 3 some are ``rate_limited`` (rerun with ``--resume``); 4 some are ``no_data``, ``not_found`` or
``error``; 1 an error that stops the batch (input, credentials, the store); 130 interrupted (finished rows
are kept in the journal; rerun with ``--resume``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from socialstage.audit.collection import EXIT_OK, EXIT_PARTIAL, EXIT_STOPPED
from socialstage.batch.journal import RESUMABLE
from socialstage.batch.plan import BatchPlan, DatasetSource, PostsFile
from socialstage.batch.rows import OK, RATE_LIMITED
from socialstage.batch.state import Batch, BatchProgress, NullBatchProgress


@dataclass(frozen=True)
class BatchOutcome:
    """The ranked rows of a batch, how many were kept from an earlier run, and its exit code."""

    rows: pd.DataFrame
    resumed: int
    exit_code: int

    @property
    def retry(self) -> bool:
        """Whether ``--resume`` would retry some rows (rate limited, errors); ``no_data`` rows it keeps."""
        return bool((~self.rows["status"].isin(RESUMABLE)).any())


def run_batch(plan: BatchPlan, progress: BatchProgress | None = None) -> BatchOutcome:
    """Place, journal and rank every organization of ``plan``, write ``plan.out`` when given, and say how it went."""
    from socialstage.batch.output import write_rows

    batch = Batch(plan.orgs, plan.choice, plan.journal, since=plan.since, until=plan.until,
                  resume=plan.resume, progress=progress or NullBatchProgress())
    rows = _rows(plan, batch)
    if plan.out:
        write_rows(rows, plan.out)
    return BatchOutcome(rows, batch.resumed, exit_code(rows))


def _rows(plan: BatchPlan, batch: Batch) -> pd.DataFrame:
    source = plan.source
    if isinstance(source, DatasetSource):
        from socialstage.batch.engines import score_dataset_batch

        return score_dataset_batch(batch, source.root, engine=source.engine, model_option=source.model_option,
                                   scheduler=source.scheduler, workers=source.workers)
    from socialstage.batch.sources import CollectSettings, score_collected, score_posts, score_store

    if isinstance(source, PostsFile):
        return score_posts(batch, source.posts, source.name, source.identity)
    from socialstage.audit.inputs import open_store

    with open_store(source.path, must_exist=not source.collect, read_only=not source.collect) as store:
        if source.collect:
            return score_collected(batch, store, CollectSettings(max_wait=source.max_wait, clock=source.clock))
        return score_store(batch, store)


def exit_code(rows: pd.DataFrame) -> int:
    """0 all ``ok``; 3 some ``rate_limited``; 4 some ``no_data``, ``not_found`` or ``error``."""
    statuses = set(rows["status"])
    if RATE_LIMITED in statuses:
        return EXIT_STOPPED
    return EXIT_PARTIAL if statuses - {OK} else EXIT_OK
