"""What the store holds, as library functions for ``socialstage store``: its files and size, its contents, and an
organization's posts exported in the import format."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pandas as pd

from collectors.csv_safety import GUARD_COLUMN, write_safe_csv
from collectors.records import POST_COLUMNS
from collectors.safe_write import write_atomic
from store.database import Store, writable_on_disk

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


def store_info(store: Store) -> dict[str, Any]:
    """Where the store is, its size, what it holds and whether it can be written."""
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
    }


def human_size(count: int) -> str:
    """``1.2 MB``-style size."""
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover
