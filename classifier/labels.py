"""The labeled table (``labeled_data/labels.csv``): reading, validating, and appending rows safely.

One row per labeled organization and window: the label columns (:data:`LABEL_COLUMNS`), then one column per
feature. A row is identified by its organization (case-insensitive) and window. Every write goes through a
temporary file in the same folder that is flushed to disk and renamed over the table, under an exclusive lock
on ``labels.csv.lock``, so an interrupted or concurrent label command never corrupts or loses the table.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from classifier.errors import ClassifierError
from classifier.fileio import file_sha256
from classifier.stages import STAGES
from collectors.safe_write import write_atomic

LABELS_FILE = "labels.csv"
LABEL_COLUMNS: tuple[str, ...] = (
    "org", "org_accounts", "window_start", "window_end", "source", "source_dataset", "labeler", "labeled_at",
    "stage", "stage_name", "rationale",
)
#: Label columns a table may lack (older tables): written after ``LABEL_COLUMNS``, read as empty when absent.
#: ``unseen``: what the row's data as a whole did not hold (``reposts``), space-separated.
OPTIONAL_COLUMNS: tuple[str, ...] = ("unseen",)
KEY_COLUMNS: tuple[str, ...] = ("org", "window_start", "window_end")
SOURCES = ("real", "simulated")


def labels_path(data: str | Path) -> Path:
    """The table inside a labeled-data folder (or the file itself when given one)."""
    path = Path(data)
    return path if path.suffix == ".csv" else path / LABELS_FILE


def data_version(path: str | Path) -> str:
    """The version of a labeled table: ``sha256:`` and the hex digest of its bytes."""
    return "sha256:" + file_sha256(path)


def read_labels(data: str | Path) -> pd.DataFrame:
    """Read and check the labeled table: label columns as text, ``stage`` as int, features as floats."""
    path = labels_path(data)
    if not path.is_file():
        raise ClassifierError(f"no labeled table at {path}; label an organization first (socialstage label)")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    return _checked(table, path)


def _checked(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    absent = [c for c in LABEL_COLUMNS if c not in table.columns]
    if absent:
        raise ClassifierError(f"{path}: not a labeled table; it lacks the column(s) {', '.join(absent)}")
    for number, row in enumerate(table.itertuples(index=False), start=2):
        values = row._asdict()
        where = f"{path}, line {number}"
        if not str(values["stage"]).strip().isdigit() or int(values["stage"]) >= len(STAGES):
            raise ClassifierError(f"{where}: stage {values['stage']!r} is not a stage index 0-{len(STAGES) - 1}")
        if values["source"] not in SOURCES:
            raise ClassifierError(f"{where}: source {values['source']!r} is not one of {', '.join(SOURCES)}")
        if not str(values["org"]).strip() or not str(values["rationale"]).strip():
            raise ClassifierError(f"{where}: every row needs an organization and a rationale")
    table = table.copy()
    for column in OPTIONAL_COLUMNS:
        if column not in table.columns:
            table.insert(len(LABEL_COLUMNS), column, "")
    table["stage"] = table["stage"].astype(int)
    for column in feature_columns(table):
        try:
            table[column] = pd.to_numeric(table[column].replace("", None), errors="raise").astype(float)
        except (TypeError, ValueError):
            raise ClassifierError(f"{path}: feature column {column!r} holds a value that is not a number") from None
    return table


def feature_columns(table: pd.DataFrame) -> list[str]:
    """The table's feature columns (every column that is not a label column), in table order."""
    return [c for c in table.columns if c not in LABEL_COLUMNS and c not in OPTIONAL_COLUMNS]


def row_unseen(row: Mapping[str, Any]) -> tuple[str, ...]:
    """What a labeled row's data did not hold (its ``unseen`` column), for ``classifier.rubric.evaluate``."""
    value = row.get("unseen")
    return tuple(str(value).split()) if isinstance(value, str) else ()


def row_key(row: Mapping[str, Any]) -> tuple[str, str, str]:
    """What identifies a labeled row: the organization (case-insensitive) and the window."""
    return (str(row["org"]).strip().lower(), str(row["window_start"] or ""), str(row["window_end"] or ""))


def to_csv_bytes(table: pd.DataFrame, feature_order: Sequence[str] = ()) -> bytes:
    """The table as UTF-8 CSV: label columns, then ``feature_order``, then any other feature columns."""
    features = [c for c in feature_order if c in table.columns]
    features += [c for c in feature_columns(table) if c not in features]
    out = table.reindex(columns=[*LABEL_COLUMNS, *OPTIONAL_COLUMNS, *features])
    buffer = io.StringIO()
    out.to_csv(buffer, index=False, lineterminator="\n", float_format="%.10g")
    return buffer.getvalue().encode("utf-8")


def write_labels(data: str | Path, table: pd.DataFrame, feature_order: Sequence[str] = ()) -> Path:
    """Replace the whole table atomically (used by the seeding script)."""
    path = labels_path(data)
    with locked(path):
        write_atomic(path, to_csv_bytes(table, feature_order), make_parents=True)
    return path


def add_label(data: str | Path, row: Mapping[str, Any], *, replace: bool = False,
              feature_order: Sequence[str] = ()) -> tuple[Path, bool]:
    """Append ``row`` to the table (created when absent); return the path and whether a row was replaced.

    A row with the same organization and window is refused (ClassifierError) unless ``replace``.
    """
    path = labels_path(data)
    with locked(path):
        table = read_labels(path) if path.is_file() else pd.DataFrame(columns=[*LABEL_COLUMNS, *OPTIONAL_COLUMNS])
        same = [row_key(r) == row_key(row) for r in table.to_dict("records")]
        replaced = any(same)
        if replaced and not replace:
            raise ClassifierError(
                f"{row['org']} is already labeled for this window in {path}; pass --replace to relabel it"
            )
        kept = table[[not s for s in same]]
        new = pd.DataFrame([dict(row)])
        table = new if kept.empty else pd.concat([kept, new], ignore_index=True)
        write_atomic(path, to_csv_bytes(table, feature_order), make_parents=True)
    return path, replaced


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<table>.lock`` (waits for another writer to finish)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_file = path.with_name(path.name + ".lock")
    with lock_file.open("a+b") as handle:
        _lock(handle.fileno())
        try:
            yield
        finally:
            _unlock(handle.fileno())


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)

    def _unlock(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
else:
    import fcntl

    def _lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
