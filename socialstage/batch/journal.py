"""What makes a batch resumable: fingerprints, the journal of finished rows, and the journals on disk.

* **Fingerprint** of an organization's row: a SHA-256 over the organization (name, accounts, departments),
  the identity of the data it was placed on (a posts file's content hash; for the store, a hash of the
  organization's posts and account profiles as stored), the model (its card's ``model_sha256``, or the
  rubric), the window and the socialstage version. ``--resume`` reuses a row only when its fingerprint is
  the same, so a changed file, new posts in the store, another model or another window rescore.
* **Journal**: a JSON Lines file (``OUT.rows.jsonl`` beside ``--out``; without ``--out``, in the store's
  folder under ``score/``), one line per finished row (``{"fingerprint": ..., "row": {...}}``), flushed and
  synced to disk before the progress bar moves, so an interrupted batch loses no finished row. At the end of
  a batch it is rewritten (atomically) with the rows of that batch and marked finished (``JOURNAL.finished``
  beside it; removed when a batch appends to it again). A store folder that cannot be written (a read-only
  store) puts the journals of batches without ``--out`` in the per-user cache folder instead.
* **Finished** journal: its batch ran to its end (the ``JOURNAL.finished`` marker). A journal written before
  markers existed counts as finished when the batch output it sits beside (``OUT`` for ``OUT.rows.jsonl``)
  exists and is at least as new as the journal. A finished journal still holding rows that ``--resume`` would
  retry (rate limited, errors) is reported as such and kept by :func:`clear_journals` (``socialstage store``).

The output file itself is :mod:`socialstage.batch.output`'s.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs

from classifier.fileio import file_sha256
from collectors.records import Organization
from collectors.safe_write import append_durable, check_target, write_atomic
from socialstage import __version__
from socialstage.audit.verdict import ModelChoice
from socialstage.batch.rows import NO_DATA, OK

logger = logging.getLogger(__name__)

#: The statuses of rows ``--resume`` keeps; the others are placed again.
RESUMABLE = (OK, NO_DATA)

#: In every fingerprint: raised when the row contract changes, so --resume never keeps a row of an older contract
#: (2: the stage range and evidence columns).
JOURNAL_FORMAT = 2


# -- fingerprints -----------------------------------------------------------------------------------


def model_identity(choice: ModelChoice) -> str:
    """The model part of a fingerprint: the model file's hash from its card, else the rubric."""
    if choice.model is None:
        return f"rubric:{choice.name}"
    card = choice.model.card
    return f"model:{card.get('model_sha256') or json.dumps(card, sort_keys=True, default=str)}"


def file_identity(path: str | Path) -> str:
    """The data part of a fingerprint for a posts file: its content hash."""
    return f"file:{file_sha256(path)}"


def frames_identity(*frames: pd.DataFrame) -> str:
    """The data part of a fingerprint for data read from the store: a hash of the frames' content, in a
    canonical row order (by their first two columns)."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(json.dumps([str(c) for c in frame.columns]).encode())
        if frame.empty:
            continue
        ordered = frame.astype(str).sort_values(list(frame.columns[:2])).reset_index(drop=True)
        digest.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    return f"store:{digest.hexdigest()}"


def fingerprint(org: Organization, data: str, model: str, since: datetime | None, until: datetime | None) -> str:
    """The fingerprint of an organization's row (module docstring)."""
    payload = {
        "format": JOURNAL_FORMAT, "version": __version__, "org": org.name,
        "accounts": [[a.platform, a.handle, a.department] for a in org.accounts],
        "data": data, "model": model,
        "since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# -- the journal ------------------------------------------------------------------------------------


JOURNAL_SUFFIX = ".rows.jsonl"
FINISHED_SUFFIX = ".finished"


def journal_folders(store_path: Path) -> list[Path]:
    """Where journals of batches without ``--out`` are kept: the store's folder (``score/``), and the per-user
    cache folder used when the store's folder cannot be written (a read-only store)."""
    cache = Path(platformdirs.user_cache_dir("socialstage", appauthor=False)) / "score"
    return [store_path.parent / "score", cache]


def _writable_folder(folder: Path) -> bool:
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    return existing is not None and existing.is_dir() and os.access(existing, os.W_OK)


def journal_path(out: str | Path | None, store_path: Path, parts: Iterable[object]) -> Path:
    """Where the finished rows of a batch are kept: beside ``--out``, else in the store's folder (in the
    per-user cache folder when that cannot be written)."""
    if out:
        path = Path(out)
        return path.with_name(path.name + JOURNAL_SUFFIX)
    key = hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()[:16]
    folders = journal_folders(store_path)
    folder = next((f for f in folders if _writable_folder(f)), folders[0])
    return folder / f"batch-{key}{JOURNAL_SUFFIX}"


def open_journal(out: str | Path | None, store_path: Path, parts: Iterable[object]) -> Journal:
    """The journal of a batch (:func:`journal_path`), its path checked: refused (OutputError) when it is not a
    regular file, before any file is read."""
    journal = Journal(journal_path(out, store_path, parts))
    journal.check()
    return journal


def finished_marker(path: Path) -> Path:
    """The file beside a journal that says its batch ran to its end (written by :meth:`Journal.rewrite`)."""
    return path.with_name(path.name + FINISHED_SUFFIX)


class Journal:
    """The JSON Lines file of finished rows (module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def check(self) -> None:
        """Refuse (OutputError) a journal path that is not a regular file, before any row is scored."""
        check_target(self.path, make_parents=True, create=False)

    def load(self) -> dict[str, dict[str, Any]]:
        """fingerprint -> the latest row journaled under it (a line cut short by a kill is ignored)."""
        found: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return found
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                try:
                    entry = json.loads(line)
                    found[str(entry["fingerprint"])] = dict(entry["row"])
                except (ValueError, KeyError, TypeError):
                    logger.warning("%s, line %d: not a finished row (cut short?); ignored", self.path, number)
        return found

    def append(self, entries: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        """Append rows and make them durable (flush and fsync) before returning."""
        lines = "".join(_line(fp, row) for fp, row in entries)
        if not lines:
            return
        finished_marker(self.path).unlink(missing_ok=True)  # a batch is under way on this journal again
        append_durable(self.path, lines.encode("utf-8"), make_parents=True)

    def rewrite(self, entries: Iterable[tuple[str, Mapping[str, Any]]]) -> None:
        """Replace the journal with ``entries``, atomically, at the end of a batch; then mark it finished
        (:func:`finished_marker`: a small JSON file with the time and the row count)."""
        lines = [_line(fp, row) for fp, row in entries]
        write_atomic(self.path, "".join(lines), make_parents=True)
        marker = {"finished_at": datetime.now(UTC).isoformat(timespec="seconds"), "rows": len(lines)}
        write_atomic(finished_marker(self.path), json.dumps(marker) + "\n", make_parents=True)


def _line(fingerprint_: str, row: Mapping[str, Any]) -> str:
    return json.dumps({"fingerprint": fingerprint_, "row": dict(row)}, ensure_ascii=False, allow_nan=False) + "\n"


# -- journals on disk -------------------------------------------------------------------------------


@dataclass
class JournalInfo:
    """One score journal: where it is, its size, its rows, whether its batch finished, rows left to retry."""

    path: str
    bytes: int
    rows: int
    finished: bool
    to_retry: int

    @property
    def clearable(self) -> bool:
        """Finished, with nothing ``--resume`` would retry."""
        return self.finished and self.to_retry == 0

    @property
    def state(self) -> str:
        """``finished``, ``finished, N to retry`` or ``unfinished``."""
        if not self.finished:
            return "unfinished"
        return "finished" if not self.to_retry else f"finished, {self.to_retry} to retry"


def _journal_rows(path: Path) -> tuple[int, int]:
    """(rows, rows --resume would retry) of a journal; a line cut short is not a row."""
    rows: dict[str, Any] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
                rows[str(entry["fingerprint"])] = entry["row"]
            except (ValueError, KeyError, TypeError):
                continue
    retry = sum(1 for row in rows.values() if not isinstance(row, dict) or row.get("status") not in RESUMABLE)
    return len(rows), retry


def journal_finished(path: Path) -> bool:
    """Whether a journal's batch ran to its end (module docstring)."""
    if finished_marker(path).exists():
        return True
    output = path.with_name(path.name[: -len(JOURNAL_SUFFIX)])
    return output.is_file() and output.stat().st_mtime >= path.stat().st_mtime


def find_journals(store_path: Path) -> list[JournalInfo]:
    """The score journals of batches without ``--out`` (in the store's folder and the per-user cache folder)."""
    found = []
    for folder in journal_folders(store_path):
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob(f"*{JOURNAL_SUFFIX}")):
            if not path.is_file():
                continue
            rows, retry = _journal_rows(path)
            found.append(JournalInfo(str(path), path.stat().st_size, rows, journal_finished(path), retry))
    return found


def clear_journals(journals: list[JournalInfo]) -> list[JournalInfo]:
    """Remove the finished journals with nothing to retry (and their markers); returns those removed."""
    removed = []
    for journal in journals:
        if journal.clearable:
            path = Path(journal.path)
            path.unlink(missing_ok=True)
            finished_marker(path).unlink(missing_ok=True)
            removed.append(journal)
            logger.info("removed the finished journal %s", path)
    return removed


def journals_info(store_path: Path) -> dict[str, Any]:
    """Where the journals of batches without ``--out`` go for the store at ``store_path``, and those found there."""
    return {"journal_folders": [str(f) for f in journal_folders(store_path)],
            "journals": [{**asdict(j), "state": j.state} for j in find_journals(store_path)]}
