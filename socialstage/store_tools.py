"""What ``socialstage store`` does, as library functions: the store's contents and size, an organization's posts
exported in the import format, and the score journals (where they are, which are finished, clearing them).

A journal (``socialstage.score_journal``) is **finished** when its batch ran to its end: the batch writes a
``JOURNAL.finished`` marker beside it (and removes it when a later batch appends again). A journal written
before markers existed counts as finished when the batch output it sits beside (``OUT`` for ``OUT.rows.jsonl``)
exists and is at least as new as the journal. A finished journal still holding rows that ``--resume`` would
retry (rate limited, errors) is reported as such and kept by :func:`clear_journals`.
"""

from __future__ import annotations

import io
import json
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from collectors.csv_safety import GUARD_COLUMN, write_safe_csv
from collectors.records import POST_COLUMNS
from collectors.safe_write import write_atomic
from collectors.store import Store, writable_on_disk
from socialstage.score_journal import JOURNAL_SUFFIX, finished_marker, journal_folders

logger = logging.getLogger(__name__)

EXPORT_FORMATS = ("csv", "parquet")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


# -- export -----------------------------------------------------------------------------------------


def export_posts(posts: pd.DataFrame, path: Path, fmt: str) -> int:
    """Write ``posts`` (as the store loads them) to ``path`` in the import format, atomically; returns the row count.

    CSV: the import columns plus ``formula_guard``; every cell goes through ``collectors.csv_safety.safe_cell``
    (text a spreadsheet would run gets a leading apostrophe, which ``socialstage import`` removes again because
    of that column). Parquet: typed columns (times as UTC timestamps, counts as integers).
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(EXPORT_FORMATS)}")
    frame = posts.reindex(columns=list(POST_COLUMNS))
    if fmt == "csv":
        times = pd.to_datetime(frame["created_at"], utc=True).dt.strftime(_TIME_FORMAT)
        data = frame.astype(object).where(frame.notna(), None)
        data["created_at"] = times
        buffer = io.StringIO(newline="")
        rows = ([*values, "yes"] for values in data.itertuples(index=False, name=None))
        write_safe_csv(buffer, [*POST_COLUMNS, GUARD_COLUMN], rows)
        payload = buffer.getvalue().encode("utf-8")
    else:
        out = io.BytesIO()
        frame.to_parquet(out, index=False)
        payload = out.getvalue()
    write_atomic(path, payload)
    return len(frame)


# -- size and contents -------------------------------------------------------------------------------


def store_files(path: Path) -> list[Path]:
    """The store's file and the write-ahead log and shared-memory files SQLite keeps beside it, those present."""
    return [p for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if p.exists()]


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
    from socialstage.score_batch import RESUMABLE

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


def store_info(store: Store) -> dict[str, Any]:
    """Where the store is, its size, what it holds, whether it can be written, and its score journals."""
    files = store_files(store.path)
    contents, where = store.contents(), store.path.resolve()
    return {
        "path": str(where),
        "bytes": sum(p.stat().st_size for p in files),
        "files": [{"path": str(p), "bytes": p.stat().st_size} for p in files],
        "writable": writable_on_disk(where),
        "posts": contents["posts"],
        "first_post": contents["first_post"],
        "last_post": contents["last_post"],
        "platforms": store.platforms(),
        "organizations": len(store.organization_names()),
        "accounts": contents["accounts"],
        "journal_folders": [str(f) for f in journal_folders(where)],
        "journals": [{**asdict(j), "state": j.state} for j in find_journals(where)],
    }


def human_size(count: int) -> str:
    """``1.2 MB``-style size."""
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover
