"""A running batch: its organizations, model, window and journal; the rows ``--resume`` keeps, the rows journaled
as they finish, and all of them ranked at the end. Every engine (``socialstage.batch.sources``,
``socialstage.batch.engines``) fills one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import pandas as pd

from collectors.records import Organization
from socialstage.audit.verdict import ModelChoice
from socialstage.batch.journal import RESUMABLE, Journal, fingerprint, model_identity
from socialstage.batch.ranking import rank_records


class BatchProgress(Protocol):
    """What a batch tells the user: rows as they finish, and the collectors' pages and waits."""

    def start(self, total: int) -> None:
        """The batch has ``total`` organizations."""

    def row(self, row: Mapping[str, Any], resumed: bool) -> None:
        """A row is finished and journaled (``resumed``: kept from an earlier run)."""

    def page(self, account: str, endpoint: str, items: int) -> None:
        """A collector saved a page."""

    def wait(self, message: str, seconds_left: float) -> None:
        """A rate-limit or retry wait is under way."""


class NullBatchProgress:
    """Progress that shows nothing."""

    def start(self, total: int) -> None:
        """Ignore."""

    def row(self, row: Mapping[str, Any], resumed: bool) -> None:
        """Ignore."""

    def page(self, account: str, endpoint: str, items: int) -> None:
        """Ignore."""

    def wait(self, message: str, seconds_left: float) -> None:
        """Ignore."""


@dataclass
class Batch:
    """One batch: the organizations, the model, the window, the journal, whether to resume."""

    orgs: Sequence[Organization]
    choice: ModelChoice
    journal: Journal
    since: datetime | None = None
    until: datetime | None = None
    resume: bool = False
    progress: BatchProgress = field(default_factory=NullBatchProgress)
    _done: dict[str, dict[str, Any]] = field(default_factory=dict)
    _rows: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)

    #: Rows kept from an earlier run (``--resume``), counted as they are kept.
    resumed: int = 0

    def __post_init__(self) -> None:
        self._done = self.journal.load() if self.resume else {}
        self.model_id = model_identity(self.choice)

    def fingerprint(self, org: Organization, data: str) -> str:
        """The fingerprint of ``org``'s row on ``data``."""
        return fingerprint(org, data, self.model_id, self.since, self.until)

    def kept(self, org: Organization, fp: str) -> bool:
        """With ``resume``, keep a finished row of an earlier run with the same fingerprint."""
        row = self._done.get(fp)
        if row is None or row.get("status") not in RESUMABLE:
            return False
        self._rows[org.name] = (fp, row)
        self.resumed += 1
        self.progress.row(row, True)
        return True

    def finish(self, entries: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Journal finished rows durably, then count them."""
        self.journal.append(entries)
        for fp, row in entries:
            self._rows[row["org"]] = (fp, row)
            self.progress.row(row, False)

    def ranked(self) -> pd.DataFrame:
        """All rows, ranked; the journal is rewritten with this batch's rows."""
        entries = [self._rows[o.name] for o in self.orgs if o.name in self._rows]
        self.journal.rewrite(entries)
        return rank_records(row for _, row in entries)
