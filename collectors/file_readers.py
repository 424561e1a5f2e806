"""Low-level readers of posts files: each yields (line number, raw dict of strings) or a problem.

Used by ``collectors.files``; a reader never interprets values, it only finds rows and their lines.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from collectors.csv_safety import GUARD_COLUMN, unguard_cell
from collectors.import_errors import ImportFormatError

# Lone surrogates: what surrogateescape makes of bytes that are not UTF-8 (or a lone JSON \udXXX escape).
NOT_UNICODE = re.compile("[\ud800-\udfff]")
RawRows = Iterator[tuple[int, dict[str, str] | str]]


def open_text(path: Path) -> io.TextIOBase:
    # Undecodable bytes become lone surrogates (surrogateescape), so that one bad row is reported
    # with its line instead of stopping the read; see NOT_UNICODE.
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", errors="surrogateescape", newline="")
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")


def csv_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str] | str]], str]:
    with open_text(path) as handle:
        first = handle.readline()
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        handle.seek(0)
        try:
            header = next(csv.reader(handle, delimiter=delimiter, strict=True))
        except StopIteration:
            raise ImportFormatError(f"{path}: the file is empty") from None
        except csv.Error as exc:
            raise ImportFormatError(f"{path}: the header line is not readable CSV ({exc})") from None
    if any(NOT_UNICODE.search(h) for h in header):
        raise ImportFormatError(f"{path}: not UTF-8 text; save it as UTF-8 CSV")
    header = [h.strip() for h in header]
    # a file socialstage wrote with its cells guarded against formulas says so in a column: the guard comes off
    unguard = unguard_cell if GUARD_COLUMN in header else str

    def rows() -> Iterator[tuple[int, dict[str, str] | str]]:
        # The file is opened here, so it is closed even when the header is rejected and this
        # generator never runs. strict=True makes the csv module report an unclosed quote (which
        # would otherwise swallow the rest of the file); after an error it resumes at the next line.
        with open_text(path) as handle:
            reader = csv.reader(handle, delimiter=delimiter, strict=True)
            next(reader)
            start = reader.line_num + 1
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    reason = str(exc)
                    if "unexpected end of data" in reason:
                        reason = "a quoted field is never closed (the rest of the file would be inside it)"
                    yield start, f"unreadable CSV: {reason}"
                    start = reader.line_num + 1
                    continue
                if "".join(values).strip():  # blank lines (every field blank) are skipped
                    too_many = len(values) > len(header)
                    yield start, (f"has {len(values)} fields, the header has {len(header)}" if too_many
                                  else dict(zip(header, values if unguard is str else map(unguard, values),
                                                strict=False)))
                start = reader.line_num + 1

    return header, rows(), "line"


def jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, str] | str]]:
    with open_text(path) as handle:
        first = True
        for number, line in enumerate(handle, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if first and (stripped.startswith("[") or stripped == "{"):
                raise ImportFormatError(f"{path}: not JSON Lines (one JSON document); write one JSON object per line")
            first = False
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"not valid JSON ({exc.msg})"
                continue
            if not isinstance(value, dict):
                yield number, "not a JSON object"
                continue
            yield number, {str(k): json_text(v) for k, v in value.items()}


def json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def parquet_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str] | str]], str]:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged or foreign file
        raise ImportFormatError(f"{path}: not a readable Parquet file ({exc.__class__.__name__})") from exc

    def text(value: object) -> str:
        if isinstance(value, list | tuple | np.ndarray):  # a list column, such as urls
            return " ".join(text(v) for v in value)
        if value is None or pd.isna(value):
            return ""
        if isinstance(value, pd.Timestamp | datetime):
            stamp = pd.Timestamp(value)
            return (stamp if stamp.tzinfo else stamp.tz_localize(UTC)).isoformat()
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return json_text(value)

    def rows() -> Iterator[tuple[int, dict[str, str] | str]]:
        columns = [str(c) for c in frame.columns]
        for number, values in enumerate(frame.itertuples(index=False, name=None), start=1):
            yield number, {c: text(v) for c, v in zip(columns, values, strict=True)}

    return [str(c) for c in frame.columns], rows(), "row"
