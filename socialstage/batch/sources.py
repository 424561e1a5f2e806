"""The in-process engine of a batch: each organization of a list placed from a posts file, from the store, or
after a live collection, every finished row journaled (``socialstage.batch.state``), then ranked.

One organization's failure is recorded in its row and never stops the batch. With ``--collect`` one
collector per platform, so one rate-limit policy per credential, serves the whole list: the second
organization waits on the budget the first one used up, and a list runs at the platform's allowed pace.

Statuses after a collection: every account unavailable (missing, suspended, protected) -> ``not_found``
with the platform's message; an account the platform kept failing on -> ``error``; a rate-limit wait longer
than ``--max-wait`` -> ``rate_limited``, and the organizations after it that have an account on that platform
are marked ``rate_limited`` without a request (not started; what was fetched is saved with its cursors), while
the others go on. Run the same command with ``--resume`` after the limit resets: the rows already scored are
kept and the rest are collected and scored. An organization some of whose accounts are unavailable is scored
on the others, and its message names the missing ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from collectors.base import DEFAULT_MAX_WAIT, FAILED, OK, REFUSED, SKIPPED, STOPPED, UNAVAILABLE
from collectors.records import Organization
from socialstage.audit.collection import LIVE_PLATFORMS, account_label
from socialstage.batch.journal import frames_identity
from socialstage.batch.rows import ERROR, NOT_FOUND, RATE_LIMITED, failed_row, place_frame, row_records
from socialstage.batch.state import Batch
from socialstage.errors import SocialstageError

if TYPE_CHECKING:
    from collectors.ratelimit import Clock
    from store.database import Store

logger = logging.getLogger(__name__)

#: Organizations placed together from a posts file (each chunk's rows are journaled when it is done).
CHUNK_SIZE = 20


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _place_safely(place: Callable[[list[Organization]], pd.DataFrame], orgs: list[Organization]) -> list[dict]:
    """Place ``orgs`` together; when that fails, one by one, so only the failing organization is an error."""
    try:
        return row_records(place(orgs))
    except SocialstageError:
        raise
    except Exception:  # one organization's failure must not stop the batch
        logger.debug("placing %d organizations together failed; placing one by one", len(orgs), exc_info=True)
    rows = []
    for org in orgs:
        try:
            rows.extend(row_records(place([org])))
        except SocialstageError:
            raise
        except Exception as exc:
            logger.debug("placing %s failed", org.name, exc_info=True)
            rows.append(failed_row(org, ERROR, f"could not be placed: {type(exc).__name__}: {exc}"))
    return rows


# -- from a posts file ------------------------------------------------------------------------------


def score_posts(batch: Batch, posts: pd.DataFrame, source: str, data_id: str,
                chunk_size: int = CHUNK_SIZE) -> pd.DataFrame:
    """Place every organization of the batch over one posts DataFrame (``data_id``: the file's identity)."""
    batch.progress.start(len(batch.orgs))
    todo = [(org, fp) for org in batch.orgs if not batch.kept(org, fp := batch.fingerprint(org, data_id))]

    def place(orgs: list[Organization]) -> pd.DataFrame:
        return place_frame(posts, orgs, batch.choice, source=source, since=batch.since, until=batch.until)

    for chunk in _chunks(todo, chunk_size):
        rows = _place_safely(place, [org for org, _ in chunk])
        batch.finish([(fp, row) for (_, fp), row in zip(chunk, rows, strict=True)])
    return batch.ranked()


# -- from the store, optionally collecting first --------------------------------------------------------


def _stored(store: Store, org: Organization) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    from socialstage.audit.inputs import profiles_frame

    posts = store.load_posts(org.keys)
    profiles = profiles_frame(store.load_accounts(org.keys))
    return posts, profiles, frames_identity(posts, profiles)


def _place_stored(batch: Batch, store: Store, org: Organization, verified: bool = False,
                  note: str = "") -> tuple[str, dict[str, Any]]:
    from socialstage.audit.enrichment import with_stored_enrichment

    posts, profiles, data_id = _stored(store, org)
    fp = batch.fingerprint(org, data_id)

    def place(orgs: list[Organization]) -> pd.DataFrame:
        return place_frame(with_stored_enrichment(store, posts, org), orgs, batch.choice,
                           source=f"store {store.path.name}", profiles=profiles, since=batch.since,
                           until=batch.until, verified={org.name} if verified else ())

    [row] = _place_safely(place, [org])
    if note:
        row["message"] = "; ".join(m for m in (note, row["message"]) if m)
    return fp, row


def score_store(batch: Batch, store: Store) -> pd.DataFrame:
    """Place every organization of the batch from what the store holds."""
    batch.progress.start(len(batch.orgs))
    for org in batch.orgs:
        if not batch.kept(org, batch.fingerprint(org, _stored(store, org)[2])):
            batch.finish([_place_stored(batch, store, org)])
    return batch.ranked()


@dataclass
class CollectSettings:
    """How ``--collect`` collects: the longest rate-limit wait, the clock, the environment."""

    max_wait: float | None = DEFAULT_MAX_WAIT
    clock: Clock | None = None
    environ: Mapping[str, str] | None = None


def score_collected(batch: Batch, store: Store, settings: CollectSettings) -> pd.DataFrame:
    """Collect each organization (one shared collector per platform), then place it from the store."""
    from socialstage.audit.collection import build_collectors

    platforms = {a.platform for org in batch.orgs for a in org.accounts} & set(LIVE_PLATFORMS)
    collectors = build_collectors(platforms, max_wait=settings.max_wait, progress=batch.progress,
                                  clock=settings.clock, environ=settings.environ)
    stopped: dict[str, str] = {}
    batch.progress.start(len(batch.orgs))
    for org in batch.orgs:
        _, _, before = _stored(store, org)
        fp = batch.fingerprint(org, before)
        if batch.kept(org, fp):
            continue
        blocked = sorted({a.platform for a in org.accounts} & set(stopped))
        if blocked:
            reason = stopped[blocked[0]]
            batch.finish([(fp, failed_row(org, RATE_LIMITED, f"not started: {reason}"))])
            continue
        batch.finish([_collect_one(batch, store, org, collectors, stopped, fp)])
    return batch.ranked()


def _collect_one(batch: Batch, store: Store, org: Organization, collectors: Mapping[str, Any],
                 stopped: dict[str, str], fp: str) -> tuple[str, dict[str, Any]]:
    from socialstage.audit.collection import collect_organization

    try:
        outcome = collect_organization(org, store, since=batch.since, collectors=collectors)
    except SocialstageError:
        raise  # rejected credentials, the store: the batch cannot go on
    except Exception as exc:  # one organization's failure must not stop the batch
        logger.debug("collecting %s failed", org.name, exc_info=True)
        return fp, failed_row(org, ERROR, f"collection failed: {type(exc).__name__}: {exc}")
    reports = outcome.reports

    def problems(*statuses: str) -> str:
        return "; ".join(f"{account_label(r.platform, r.account)}: {e}" for r in reports if r.status in statuses
                         for e in (r.errors or [r.status]))

    halted = [r for r in reports if r.status in (STOPPED, SKIPPED)]
    if halted:
        why = "; ".join(e for r in halted for e in r.errors)
        for report in halted:
            stopped.setdefault(report.platform, f"{report.platform} rate limit: {why}")
        return fp, failed_row(org, RATE_LIMITED, f"{problems(STOPPED, SKIPPED)}; what was fetched is saved, run "
                                                 "the same command with --resume after the limit resets")
    if any(r.status == FAILED for r in reports):
        return fp, failed_row(org, ERROR, problems(FAILED))
    if reports and all(r.status == UNAVAILABLE for r in reports):
        return fp, failed_row(org, NOT_FOUND, problems(UNAVAILABLE, REFUSED))
    note = problems(UNAVAILABLE, REFUSED)
    return _place_stored(batch, store, outcome.org, verified=any(r.status == OK for r in reports),
                         note=f"scored without {note}" if note else "")

