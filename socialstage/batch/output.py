"""The output of a batch: ``--out`` by extension (``.csv``, ``.parquet``, ``.json``), written atomically and only
over a regular file (:mod:`collectors.safe_write`); CSV cells go through :func:`collectors.csv_safety.safe_cell`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from collectors.csv_safety import write_safe_csv
from collectors.safe_write import open_atomic, write_atomic
from socialstage.batch.rows import ROW_COLUMNS, row_records
from socialstage.errors import SocialstageError

OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json"}


def output_format(out: str | Path) -> str:
    """``csv``, ``parquet`` or ``json`` from the extension of ``--out``; SocialstageError otherwise."""
    suffix = Path(out).suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise SocialstageError(
            f"--out {out}: unknown extension {suffix or '(none)'!r}; write to a .csv, .parquet or .json file"
        )
    return OUTPUT_FORMATS[suffix]


def write_rows(rows: pd.DataFrame, out: str | Path) -> Path:
    """Write the rows to ``out`` (format by extension), atomically."""
    path, fmt = Path(out), output_format(out)
    records = row_records(rows)
    if fmt == "csv":
        with open_atomic(path, newline="") as handle:
            write_safe_csv(handle, ROW_COLUMNS, ([r[c] for c in ROW_COLUMNS] for r in records))
    elif fmt == "json":
        write_atomic(path, json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    else:
        with open_atomic(path, "wb") as binary:
            rows.reindex(columns=list(ROW_COLUMNS)).to_parquet(binary, index=False)
    return path
