"""Import of exported posts: the socialstage import format and the Kaggle TWCS layout.

Reads CSV or TSV and JSON Lines (each optionally gzipped) and Parquet. twarc2 output and Reddit dumps
are told from their content and read by :mod:`collectors.streams` (``socialstage import`` streams them
into the store; here they are read whole, for ``--posts FILE``). Each row is checked on its
own: a bad row is reported with its line number (the line it starts on, header = line 1; for
Parquet, the row number) and the reason, and never silently dropped or repaired. With ``strict``
the first bad row stops the read.
"""

from __future__ import annotations

import csv
import gzip
import logging
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from collectors.csv_safety import safe_cell
from collectors.file_readers import (
    NOT_UNICODE,
    csv_rows,
    jsonl_rows,
    parquet_rows,
)
from collectors.import_errors import BadRowError, ImportFormatError
from collectors.records import POST_COLUMNS, Post, normalize_platform
from collectors.safe_write import open_atomic

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("platform", "post_id", "author", "created_at", "text")
OPTIONAL_COLUMNS = tuple(c for c in POST_COLUMNS if c not in REQUIRED_COLUMNS and c != "author_id")
TWCS_COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "text")
_ID_COLUMNS = ("post_id", "in_reply_to_id", "repost_of_id", "quote_of_id", "conversation_id", "author_id")
_COUNT_COLUMNS = ("like_count", "repost_count", "reply_count")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}
_SAID_FALSE = _FALSE - {""}
_PLATFORM_RE = re.compile(r"^[a-z][a-z0-9_.-]*$")
_FLOAT_ID_RE = re.compile(r"^(\d+)\.0+$")
_TWITTER_TIME = "%a %b %d %H:%M:%S %z %Y"


@dataclass(frozen=True)
class RejectedRow:
    """A row that was not imported: where it is, why, and its raw values."""

    line: int
    reason: str
    raw: dict[str, str]


@dataclass
class ImportResult:
    """What a read produced: the usable posts, the rejected rows, and facts about the file."""

    path: Path
    layout: str
    posts: pd.DataFrame
    rejected: list[RejectedRow] = field(default_factory=list)
    rows_read: int = 0
    repeated_ids: int = 0
    line_unit: str = "line"
    #: TWCS layout: the authors of the usable rows marked ``inbound`` false (the brands), in file order.
    brands: list[str] = field(default_factory=list)


def detect_layout(columns: list[str]) -> str:
    """``twcs`` for the Kaggle Customer Support on Twitter header, else ``socialstage``."""
    names = {c.strip().lower() for c in columns}
    if set(TWCS_COLUMNS) <= names:
        return "twcs"
    return "socialstage"


#: ``progress(bytes_read, total_bytes_or_None, rows_read)``, called every ``PROGRESS_ROWS`` rows of a large read.
ReadProgress = Callable[[int, "int | None", int], None]
PROGRESS_ROWS = 5000


def read_posts(path: str | Path, *, strict: bool = False, progress: ReadProgress | None = None) -> ImportResult:
    """Read a posts file; raise ImportFormatError for whole-file problems, BadRowError if strict. ``progress``
    hears how far a CSV or JSON Lines read is (the bytes are estimated from the values read; a gzipped file has
    no total)."""
    path = Path(path)
    if not path.exists():
        raise ImportFormatError(f"{path}: no such file")
    if path.is_dir():
        raise ImportFormatError(f"{path}: is a folder, not a posts file")
    if path.stat().st_size == 0:
        raise ImportFormatError(f"{path}: the file is empty")
    try:
        return _read(path, strict, progress)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ImportFormatError(f"{path}: not a readable gzip file ({exc})") from None


def _read(path: Path, strict: bool, progress: ReadProgress | None = None) -> ImportResult:
    layout = None
    if _may_be_stream(path):
        from collectors.streams import sniff

        layout = sniff(path)
    if layout is not None:  # twarc2 output or a Reddit dump, told from its content
        return _read_stream(path, layout, strict)
    if _starts_zstd(path):
        raise ImportFormatError(
            f"{path}: a zstandard-compressed file that is neither a Reddit dump nor twarc2 output; decompress "
            "it (zstd -d) to import a CSV or JSON Lines file"
        )
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".gz"]:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in (".parquet", ".pq"):
        header, rows, unit = parquet_rows(path)
    elif suffixes and suffixes[-1] in (".jsonl", ".ndjson", ".json"):
        header, rows, unit = None, jsonl_rows(path), "line"
    else:
        header, rows, unit = csv_rows(path)
    total = None if [s.lower() for s in path.suffixes][-1:] == [".gz"] else path.stat().st_size
    return _convert(path, header, _reporting(rows, progress, total) if progress else rows, unit, strict)


def _reporting(rows: Iterator[tuple[int, dict[str, str] | str]], progress: ReadProgress,
               total: int | None) -> Iterator[tuple[int, dict[str, str] | str]]:
    """``rows``, telling ``progress`` every ``PROGRESS_ROWS`` rows and at the end (bytes estimated from the
    values: their lengths and one separator each)."""
    done = count = 0
    for line, raw in rows:
        count += 1
        done += len(raw) + 1 if isinstance(raw, str) else sum(len(v) + 1 for v in raw.values() if v is not None)
        if count % PROGRESS_ROWS == 0:
            progress(min(done, total) if total else done, total, count)
        yield line, raw
    progress(total or done, total or done, count)


def _may_be_stream(path: Path) -> bool:
    """False when ``collectors.streams.sniff`` would surely find no stream: the file is not compressed and its
    first character that is not whitespace (as ``str.strip`` sees it, after a UTF-8 BOM) is not ``{`` (the first
    non-blank line of a twarc2 file or a Reddit dump is a JSON object), so a CSV file needs no stream reader."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head[:2] == b"\x1f\x8b" or head[:4] == b"\x28\xb5\x2f\xfd":
        return True
    text = head.decode("utf-8-sig", errors="surrogateescape").lstrip()
    return len(text) < 4 or text[0] == "{"  # a whitespace run to the end of the head: let sniff read on


def _starts_zstd(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == b"\x28\xb5\x2f\xfd"


def _read_stream(path: Path, layout: str, strict: bool) -> ImportResult:
    """A twarc2 file or Reddit dump read whole (for ``--posts FILE``; ``import`` streams it into the store)."""
    from collectors.streams import stream_posts

    posts, rejected, rows_read, _ = stream_posts(path, layout)
    if strict and rejected:
        raise BadRowError(path, rejected[0].line, rejected[0].reason)
    if rows_read == 0:
        raise ImportFormatError(f"{path}: the file has no rows")
    frame = pd.DataFrame([p.as_row() for p in posts], columns=list(POST_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["is_poll"] = frame["is_poll"].astype(bool)
    for column in _COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    bad = [RejectedRow(r.line, r.reason, r.raw) for r in rejected]
    return ImportResult(path, layout, frame, bad, rows_read, 0, "line")


def iter_posts(path: str | Path, *, strict: bool = False) -> Iterator[Post]:
    """Yield the usable posts of a file as records (bad rows are logged)."""
    result = read_posts(path, strict=strict)
    for bad in result.rejected:
        logger.warning("%s, %s %d: %s", result.path.name, result.line_unit, bad.line, bad.reason)
    yield from frame_to_posts(result.posts)


def frame_to_posts(frame: pd.DataFrame) -> Iterator[Post]:
    """Turn a DataFrame with ``POST_COLUMNS`` into Post records."""
    data = frame.reindex(columns=list(POST_COLUMNS))
    for row in data.astype(object).where(data.notna(), None).itertuples(index=False):
        values = row._asdict()
        values["urls"] = tuple(str(values["urls"]).split()) if values["urls"] else ()
        values["is_poll"] = bool(values["is_poll"])
        values["text"] = values["text"] or ""
        values["created_at"] = pd.Timestamp(values["created_at"]).to_pydatetime()
        yield Post(**values)


def write_rejects(result: ImportResult, path: Path) -> Path:
    """Write the rejected rows (line, reason, raw values) to a CSV file (atomically; its folder is created) and
    return its path."""
    keys: list[str] = []
    for bad in result.rejected:
        keys.extend(k for k in bad.raw if k not in keys)
    with open_atomic(path, newline="", errors="backslashreplace", make_parents=True) as handle:
        writer = csv.writer(handle)
        writer.writerow([result.line_unit, "reason", *(safe_cell(k) for k in keys)])
        for bad in result.rejected:
            writer.writerow([bad.line, safe_cell(bad.reason), *(safe_cell(bad.raw.get(k, "")) for k in keys)])
    return path


# -- conversion ---------------------------------------------------------------------------------


def _convert(
    path: Path,
    header: list[str] | None,
    rows: Iterator[tuple[int, dict[str, str] | str]],
    unit: str,
    strict: bool,
) -> ImportResult:
    layout: str | None = None
    if header is not None:
        layout = _check_header(path, header)
    records: dict[tuple[str, str], dict[str, object]] = {}
    rejected: list[RejectedRow] = []
    rows_read = repeated = 0
    brands: dict[str, None] = {}
    normal: set[str] = set()  # field names seen that are already stripped and lowercase
    for line, raw in rows:
        rows_read += 1
        if isinstance(raw, str):
            problem, raw_values = raw, {}
        else:
            if not raw.keys() <= normal:  # (a CSV row's names are the header's: checked once)
                raw = {k.strip().lower(): v for k, v in raw.items() if k is not None}
                normal.update(k for k in raw if k == k.strip().lower())
            if layout is None:
                layout = _check_header(path, list(raw))
            raw_values = raw
            try:
                if NOT_UNICODE.search("".join(raw.values())):  # a lone surrogate is one character: never split
                    raise ValueError("not UTF-8 text")
                record = _twcs_record(raw) if layout == "twcs" else _record(raw)
            except ValueError as exc:
                problem = str(exc)
            else:
                key = (str(record["platform"]), str(record["post_id"]))
                repeated += key in records
                records[key] = record
                if layout == "twcs" and raw.get("inbound", "").strip().lower() in _SAID_FALSE:
                    brands.setdefault(str(record["author"]), None)
                continue
        if strict:
            raise BadRowError(path, line, problem, unit)
        rejected.append(RejectedRow(line, problem, raw_values))
    if rows_read == 0:
        raise ImportFormatError(f"{path}: the file has no rows")
    frame = pd.DataFrame(list(records.values()), columns=list(POST_COLUMNS))
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["is_poll"] = frame["is_poll"].astype(bool)
    for column in _COUNT_COLUMNS:
        frame[column] = frame[column].astype("Int64")
    return ImportResult(path, layout or "socialstage", frame, rejected, rows_read, repeated, unit, list(brands))


def _check_header(path: Path, header: list[str]) -> str:
    names = [h.strip().lower() for h in header]
    layout = detect_layout(names)
    if layout == "socialstage":
        missing = [c for c in REQUIRED_COLUMNS if c not in names]
        if missing:
            raise ImportFormatError(
                f"{path}: missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"(the import format needs {', '.join(REQUIRED_COLUMNS)}; see the README)"
            )
    return layout


def _absent(raw: dict[str, str], columns: tuple[str, ...]) -> None:
    absent = [c for c in columns if c not in raw]
    if absent:
        raise ValueError(f"the row has no {', '.join(absent)} field{'s' if len(absent) > 1 else ''}")


def _record(raw: dict[str, str]) -> dict[str, object]:
    _absent(raw, REQUIRED_COLUMNS)
    missing = [c for c in ("platform", "post_id", "author", "created_at") if not raw.get(c, "").strip()]
    if missing:
        raise ValueError(f"missing required value{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    platform = normalize_platform(raw["platform"])
    if not _PLATFORM_RE.match(platform):
        raise ValueError(f"platform {raw['platform']!r} is not a lowercase name such as twitter or reddit")
    record: dict[str, object] = {c: None for c in POST_COLUMNS}
    record.update(platform=platform, author=raw["author"].strip().lstrip("@"), text=raw.get("text") or "")
    record["created_at"] = parse_time(raw["created_at"])
    for column in _ID_COLUMNS:
        record[column] = _id(raw.get(column, ""))
    for column in ("in_reply_to_author", "repost_of_author", "quote_of_author"):
        value = raw.get(column, "").strip().lstrip("@")
        record[column] = value or None
    for column in _COUNT_COLUMNS:
        record[column] = _count(column, raw.get(column, ""))
    record["urls"] = " ".join(raw.get("urls", "").split()) or None
    poll = raw.get("is_poll", "").strip().lower()
    if poll not in _TRUE | _FALSE:
        raise ValueError(f"is_poll {raw['is_poll']!r} is not true or false")
    record["is_poll"] = poll in _TRUE
    return record


_EMPTY_RECORD: dict[str, object] = dict.fromkeys(POST_COLUMNS)
_TWCS_REQUIRED = ("tweet_id", "author_id", "created_at")


def _twcs_record(raw: dict[str, str]) -> dict[str, object]:
    try:
        tweet_id, author, created_at, text = raw["tweet_id"], raw["author_id"], raw["created_at"], raw["text"]
    except KeyError:
        _absent(raw, (*_TWCS_REQUIRED, "text"))
        raise
    if not (tweet_id.strip() and author.strip() and created_at.strip()):
        missing = [c for c in _TWCS_REQUIRED if not raw[c].strip()]
        raise ValueError(f"missing required value{'s' if len(missing) > 1 else ''}: {', '.join(missing)}")
    record = _EMPTY_RECORD.copy()
    record.update(
        platform="twitter",
        post_id=_id(tweet_id),
        author=author.strip(),
        text=text or "",
        created_at=_x_time(created_at.strip()) or parse_time(created_at),  # the file's own form first
        in_reply_to_id=_id(raw.get("in_response_to_tweet_id", "")),
        is_poll=False,
    )
    return record


_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def _x_time(text: str) -> datetime | None:
    """``Tue Oct 31 22:10:47 +0000 2017`` read by hand (strptime costs most of a TWCS read), or None."""
    parts = text.split(" ")
    if len(parts) != 6 or parts[4] != "+0000" or parts[1] not in _MONTHS or len(parts[3]) != 8:
        return None
    try:
        hour, minute, second = map(int, parts[3].split(":"))
        return datetime(int(parts[5]), _MONTHS[parts[1]], int(parts[2]), hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None


def parse_time(value: str) -> datetime:
    """Parse ISO 8601 (no offset means UTC) or the X API's ``Tue Oct 31 22:10:47 +0000 2017``."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = _x_time(text)  # type: ignore[assignment]
        if parsed is None:
            try:
                parsed = datetime.strptime(text, _TWITTER_TIME)
            except ValueError:
                raise ValueError(f"created_at {value!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00
        raise ValueError(f"created_at {value!r} is out of range") from None


def _id(value: str) -> str | None:
    text = value.strip()
    if not text:
        return None
    if "." not in text:  # what _FLOAT_ID_RE needs
        return text
    match = _FLOAT_ID_RE.match(text)
    return match.group(1) if match else text


#: The largest count a store can hold (SQLite's INTEGER is 64-bit signed).
MAX_COUNT = 2**63 - 1


def _count(column: str, value: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    try:
        number = int(text) if text.isdigit() else float(text)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a whole number") from None
    if isinstance(number, float) and (not number.is_integer() or number != number):
        raise ValueError(f"{column} {value!r} is not a whole number")
    if number < 0:
        raise ValueError(f"{column} {value!r} is negative")
    if number > MAX_COUNT:
        raise ValueError(f"{column} {text[:30]} is out of range (at most {MAX_COUNT})")
    return int(number)


#: Times outside these bounds are imported but listed as suspect: before social media (2006), or more than a day
#: ahead of the clock.
EARLIEST_PLAUSIBLE = datetime(2006, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def suspect_times(result: ImportResult, now: datetime | None = None) -> list[str]:
    """The post ids (``platform/post_id``) of the result whose time is before 2006 or more than a day in the
    future, in file order: imported, but worth a look (a year 1, 1970 or 2099 is usually a broken export)."""
    if result.posts.empty:
        return []
    latest = pd.Timestamp((now or datetime.now(UTC)) + FUTURE_SLACK)
    times = result.posts["created_at"]
    odd = result.posts[(times < pd.Timestamp(EARLIEST_PLAUSIBLE)) | (times > latest)]
    return [f"{p}/{i}" for p, i in zip(odd["platform"], odd["post_id"], strict=True)]
