"""The Dask engine: :func:`socialstage.batch.partitions.score_partition` mapped over the partitions on a Dask cluster.

Imported only for ``score --engine dask``. Without a scheduler address a ``LocalCluster`` of worker processes
(one thread each: the features are pandas code that holds the GIL) runs on this machine; with
``--scheduler tcp://host:8786`` the work goes to a running cluster, whose workers must have the same
socialstage installed and must reach the dataset's path (shared storage, or an object store URL).

The stage model travels as its skops file and card (bytes, sent once to every worker) and each worker loads
it once, with :func:`classifier.persistence.load_model`: skops with the trusted type list, the card's SHA-256
checked, so no code from the file runs. Tasks catch their own errors (an ``error`` row); a task lost with its
worker becomes an ``error`` row too.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.errors import ClassifierError
from classifier.fileio import file_sha256
from classifier.linear import linear_path
from classifier.persistence import DEFAULT_MODEL, card_path, load_model
from socialstage import __version__
from socialstage.audit.verdict import DEFAULT, ModelChoice
from socialstage.batch.partitions import PartitionJob, chunks, one_line, score_partitions
from socialstage.batch.rows import ERROR, failed_row, rows_frame
from socialstage.errors import SocialstageError

logger = logging.getLogger(__name__)

#: How long to wait for a scheduler to answer, and for a cluster to have a worker.
CONNECT_TIMEOUT = "10s"
WORKER_TIMEOUT = 60


@dataclass(frozen=True)
class ModelSpec:
    """What a worker needs to rebuild the client's :class:`ModelChoice`: the model file's bytes and card."""

    name: str
    explicit: bool
    warning: str | None = None
    sha256: str | None = None
    skops: bytes | None = None
    card: bytes | None = None
    #: The model's array export (:mod:`classifier.linear`), when it has one: workers place with what the
    #: client would place with.
    linear: bytes | None = None

    @classmethod
    def of(cls, choice: ModelChoice, option: str | None) -> ModelSpec:
        """The spec of ``choice``, made from the ``--model`` value ``option`` (the same file is read again and
        must still be the one ``choice`` loaded)."""
        if choice.model is None:
            return cls(choice.name, choice.explicit, choice.warning)
        path = DEFAULT_MODEL if option is None or option.lower() == DEFAULT else Path(option)
        sha = file_sha256(path)
        if sha != choice.model.card.get("model_sha256"):
            raise SocialstageError(f"{path}: the model file changed while scoring began; run the command again")
        arrays = linear_path(path)
        return cls(choice.name, choice.explicit, choice.warning, sha, path.read_bytes(), card_path(path).read_bytes(),
                   arrays.read_bytes() if arrays.is_file() else None)


_LOADED: dict[str, ModelChoice] = {}
_LOCK = threading.Lock()


def worker_choice(spec: ModelSpec) -> ModelChoice:
    """The :class:`ModelChoice` of ``spec`` in this worker process, loaded once (skops, trusted types)."""
    if spec.skops is None or spec.sha256 is None:
        return ModelChoice(None, spec.name, spec.explicit, spec.warning)
    with _LOCK:
        loaded = _LOADED.get(spec.sha256)
        if loaded is None:
            with tempfile.TemporaryDirectory(prefix="socialstage-model-") as folder:
                path = Path(folder) / "model.skops"
                path.write_bytes(spec.skops)
                card_path(path).write_bytes(spec.card or b"")
                if spec.linear is not None:
                    linear_path(path).write_bytes(spec.linear)
                loaded = ModelChoice(load_model(path), spec.name, spec.explicit, spec.warning)
            _LOADED[spec.sha256] = loaded
            logger.info("worker %d loaded the model %s", os.getpid(), spec.name)
        return loaded


def score_on_worker(jobs: list[PartitionJob], spec: ModelSpec) -> list[pd.DataFrame]:
    """The task: the jobs' rows (:func:`socialstage.batch.partitions.score_partitions`), with the model loaded once per
    worker."""
    try:
        choice = worker_choice(spec)
    except (ClassifierError, OSError) as exc:
        message = f"the worker could not load the model ({one_line(exc)})"
        return [rows_frame([failed_row(job.org, ERROR, message)]) for job in jobs]
    return score_partitions(jobs, choice)


def worker_version() -> str:
    """socialstage's version on a worker (checked against the client's)."""
    from socialstage import __version__ as version

    return version


def _distributed() -> Any:
    """The ``distributed`` package, or SocialstageError saying how to install it."""
    try:
        import distributed
    except ImportError:
        raise SocialstageError("the Dask engine needs dask and distributed: pip install 'socialstage[dask]' "
                               "(or use --engine local)") from None
    return distributed


def quiet_dask_logs() -> None:
    """Dask's own INFO and WARNING lines (workers starting, closing) only with ``-v``: stderr is for the
    progress bar and what the user must know."""
    if logging.getLogger().getEffectiveLevel() > logging.INFO:
        for name in ("distributed", "dask"):
            logging.getLogger(name).setLevel(logging.ERROR)


def connect(stack: ExitStack, scheduler: str | None, workers: int | None) -> Any:
    """A ``distributed.Client`` on ``scheduler``, or on a new local cluster of ``workers`` processes (closed
    with ``stack``). SocialstageError when the scheduler cannot be reached or has no workers."""
    distributed = _distributed()
    Client, LocalCluster = distributed.Client, distributed.LocalCluster
    quiet_dask_logs()

    if scheduler is None:
        cluster = stack.enter_context(LocalCluster(
            n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
            dashboard_address=":0", silence_logs=logging.ERROR,
        ))
        return stack.enter_context(Client(cluster))
    try:
        client = stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT))
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise SocialstageError(f"could not reach the Dask scheduler at {scheduler} ({one_line(exc)}); start it "
                               "with `dask scheduler` (and `dask worker ADDRESS` on each machine) or check "
                               "--scheduler") from None
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except TimeoutError:
        raise SocialstageError(f"the Dask scheduler at {scheduler} has no workers after {WORKER_TIMEOUT} s; start "
                               f"some with `dask worker {scheduler}`") from None
    versions = {str(v) for v in client.run(worker_version).values()}
    if versions - {__version__}:
        raise SocialstageError(f"the Dask workers run socialstage {', '.join(sorted(versions))}, this machine "
                               f"{__version__}; install the same version on the workers")
    return client


def iter_dask(
    jobs: Sequence[PartitionJob],
    choice: ModelChoice,
    *,
    model_option: str | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
) -> Iterator[tuple[int, pd.DataFrame]]:
    """``(position in jobs, row)`` as the cluster finishes each organization."""
    as_completed = _distributed().as_completed
    spec = ModelSpec.of(choice, model_option)
    with ExitStack() as stack:
        client = connect(stack, scheduler, workers)
        if not jobs:
            return
        logger.info("scoring %d partitions on the Dask cluster at %s", len(jobs), client.scheduler.address)
        shared = client.scatter(spec, broadcast=True)
        runs = chunks(len(jobs))
        futures = client.map(score_on_worker, [[jobs[i] for i in run] for run in runs], spec=shared, pure=False,
                             retries=1)
        run_of = {future.key: run for run, future in zip(runs, futures, strict=True)}
        for future in as_completed(futures):
            run = run_of[future.key]
            try:
                rows = future.result()
            except SocialstageError:
                raise
            except Exception as exc:  # a lost worker, a scheduler gone: these organizations' rows say so
                message = f"the Dask task failed ({one_line(exc)})"
                rows = [rows_frame([failed_row(jobs[i].org, ERROR, message)]) for i in run]
            future.release()
            yield from zip(run, rows, strict=True)
