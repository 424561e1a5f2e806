"""Streamed imports of twarc2 output and Reddit dumps: detected from content, read line by line.

The file may be plain, gzip or zstandard-compressed (told by its first bytes, not its name). Lines are
decoded and mapped one at a time and written to the store in batches (:data:`BATCH_LINES` lines per
transaction), so a multi-GB dump never sits in memory. Bad rows (not JSON, not an object, a required
field missing or unreadable) are counted and listed, as the other formats' are, with their line number
and reason, in a CSV written beside the store as the read goes (the first few are kept for the summary).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from collectors.csv_safety import safe_cell
from collectors.file_readers import NOT_UNICODE, ImportFormatError
from collectors.records import Post, PostMeta
from collectors.reddit_dump import LAYOUT as REDDIT
from collectors.reddit_dump import dump_record, is_reddit_thing
from collectors.safe_write import open_atomic
from collectors.twarc import FLAT, PAGE, line_kind, line_posts

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
STREAM_LAYOUTS = (PAGE, FLAT, REDDIT)
#: Lines read (or posts found) before each write to the store (one transaction each).
BATCH_LINES = 5000
#: Lines looked at to tell a file's format; the first one that is a JSON object decides.
SNIFF_LINES = 20
_SNIFF_BYTES = 64 * 2**20
#: Rejected rows kept in memory for the summary (all of them are in the rejects file).
KEEP_REJECTS = 20
Progress = Callable[[int, int], None]  # (bytes read of the file, its size)


@dataclass(frozen=True)
class Rejected:
    """A bad row of a streamed file: its line, why, and the line as read."""

    line: int
    reason: str
    raw: dict[str, str]


@dataclass
class StreamResult:
    """What a streamed import did."""

    path: Path
    layout: str
    rows_read: int = 0
    posts: int = 0
    added: int = 0
    already_stored: int = 0
    rejected_count: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    references_skipped: int = 0
    rejects_file: Path | None = None
    line_unit: str = "line"


@dataclass
class _Line:
    number: int
    posts: list[tuple[Post, PostMeta | None]]
    problems: list[str]
    text: str
    references_skipped: int = 0


@contextmanager
def open_lines(path: Path) -> Iterator[tuple[IO[str], Callable[[], int]]]:
    """The file as text lines (plain, gzip or zstandard, told by its first bytes) and a function that
    says how many bytes of the file have been read so far."""
    raw = path.open("rb")
    try:
        head = raw.read(4)
        raw.seek(0)
        stream: IO[bytes]
        if head.startswith(ZSTD_MAGIC):
            import zstandard

            stream = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(raw, read_across_frames=True)
        elif head.startswith(GZIP_MAGIC):
            stream = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        else:
            stream = raw
        # Undecodable bytes become lone surrogates, reported as a bad row (see NOT_UNICODE).
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="surrogateescape")  # type: ignore[arg-type]
        yield text, raw.tell
    finally:
        raw.close()


def sniff(path: Path) -> str | None:
    """The streamed layout of a file (``twarc2``, ``twarc2 flattened``, ``reddit dump``) told from its first
    JSON object, or None for any other file (read by :mod:`collectors.files`)."""
    with path.open("rb") as handle:
        if handle.read(4) == PARQUET_MAGIC:
            return None
    try:
        with open_lines(path) as (lines, _):
            for _ in range(SNIFF_LINES):
                line = lines.readline(_SNIFF_BYTES)
                if not line:
                    return None
                stripped = line.strip()
                if not stripped:
                    continue
                if not stripped.startswith("{"):
                    return None
                try:
                    obj = json.loads(stripped)
                except json.JSONDecodeError:
                    continue
                if not isinstance(obj, dict):
                    return None
                kind = line_kind(obj)
                return kind or (REDDIT if is_reddit_thing(obj) else None)
    except (OSError, EOFError, _zstd_error()) as exc:
        raise ImportFormatError(f"{path}: not a readable compressed file ({exc})") from None
    return None


def _zstd_error() -> type[Exception]:
    import zstandard

    return zstandard.ZstdError


def _not_unicode(post: Post, meta: PostMeta | None) -> bool:
    """Whether a post holds a lone surrogate (a JSON ``\\udXXX`` escape of half a character): not storable text."""
    values = [post.text, post.author, *post.urls, post.in_reply_to_author, post.repost_of_author,
              post.quote_of_author, *((meta.flair, meta.community) if meta else ())]
    return any(v and NOT_UNICODE.search(v) for v in values)


def _map(obj: dict[str, Any], layout: str) -> tuple[list[tuple[Post, PostMeta | None]], list[str], int]:
    if layout == REDDIT:
        try:
            post, meta = dump_record(obj)
        except ValueError as exc:
            return [], [str(exc)], 0
        found_posts: list[tuple[Post, PostMeta | None]] = [(post, meta)]
        problems: list[str] = []
        skipped = 0
    else:
        found = line_posts(obj)
        found_posts, problems, skipped = [(p, None) for p in found.posts], found.problems, found.references_skipped
    clean = [(p, m) for p, m in found_posts if not _not_unicode(p, m)]
    problems += [f"post {p.post_id}: not UTF-8 text (a lone \\u surrogate escape)" for p, m in found_posts
                 if _not_unicode(p, m)]
    return clean, problems, skipped


def read_lines(path: Path, layout: str, progress: Progress | None = None) -> Iterator[_Line]:
    """Each non-blank line of a streamed file, mapped: its posts and problems."""
    size = path.stat().st_size
    try:
        with open_lines(path) as (lines, position):
            for number, line in enumerate(lines, start=1):
                if progress is not None and number % 1000 == 0:
                    progress(position(), size)
                stripped = line.strip()
                if not stripped:
                    continue
                if NOT_UNICODE.search(line):
                    yield _Line(number, [], ["not UTF-8 text"], line)
                    continue
                try:
                    obj = json.loads(stripped)
                except json.JSONDecodeError as exc:
                    cut = "" if line.endswith("\n") else "; the last line is incomplete: the file may be cut short"
                    yield _Line(number, [], [f"not valid JSON ({exc.msg}){cut}"], line)
                    continue
                if not isinstance(obj, dict):
                    yield _Line(number, [], ["not a JSON object"], line)
                    continue
                posts, problems, skipped = _map(obj, layout)
                yield _Line(number, posts, problems, line if problems else "", skipped)
            if progress is not None:
                progress(size, size)
    except (OSError, EOFError, _zstd_error()) as exc:
        raise ImportFormatError(f"{path}: the file is damaged and cannot be read to its end ({exc})") from None


class RejectsFile:
    """The CSV list of a streamed file's bad rows (line, reason, the line as read), written as they come through
    the one safe writer (:func:`collectors.safe_write.open_atomic`: a temporary file beside the target, renamed
    over it at :meth:`close`, only over a regular file; nothing is written without a bad row)."""

    def __init__(self, target: Path, unit: str = "line") -> None:
        self.target, self.unit = target, unit
        self._open: Any = None
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def add(self, line: int, reason: str, text: str) -> None:
        if self._handle is None:
            self._open = open_atomic(self.target, "w", newline="", errors="backslashreplace", make_parents=True)
            self._handle = self._open.__enter__()
            self._writer = csv.writer(self._handle)
            self._writer.writerow([self.unit, "reason", "record"])
        self._writer.writerow([line, safe_cell(reason), safe_cell(text.rstrip("\r\n"))])

    def close(self) -> Path | None:
        """Move the list into place; its path, or None when there was no bad row."""
        if self._handle is None:
            return None
        opened, self._open, self._handle = self._open, None, None
        opened.__exit__(None, None, None)
        return self.target

    def discard(self) -> None:
        if self._handle is not None:
            opened, self._open, self._handle = self._open, None, None
            discarded = RuntimeError("discarded")  # thrown into the writer: it removes its temporary file
            opened.__exit__(RuntimeError, discarded, None)


def _resolve_parents(batch: list[tuple[Post, PostMeta | None]]) -> tuple[list[Post], set[tuple[str, str]]]:
    """Reddit comments answering a post of the same batch get its author; the others are resolved from the store
    (``reply_parents``: each post of the batch as a parent, each unresolved comment's parent)."""
    authors = {(p.platform, p.post_id): p.author for p, _ in batch}
    posts: list[Post] = []
    parents: set[tuple[str, str]] = set()
    for post, _ in batch:
        if post.in_reply_to_id and post.in_reply_to_author is None:
            author = authors.get((post.platform, post.in_reply_to_id))
            if author is not None:
                post = replace(post, in_reply_to_author=author)
            else:
                parents.add((post.platform, post.in_reply_to_id))
        parents.add((post.platform, post.post_id))
        posts.append(post)
    return posts, parents


def import_stream(
    path: Path, layout: str, store: Any, *, rejects: RejectsFile | None = None, progress: Progress | None = None,
    batch_lines: int = BATCH_LINES,
) -> StreamResult:
    """Read a streamed file into ``store`` (a :class:`store.database.Store`) in batches; bad rows go to
    ``rejects`` and are counted. Returns what was done."""
    result = StreamResult(path, layout)
    batch: list[tuple[Post, PostMeta | None]] = []
    lines = 0

    def flush() -> None:
        if not batch:
            return
        posts, parents = _resolve_parents(batch)
        meta = [m for _, m in batch if m is not None]
        counts = store.save_page(None, posts, meta=meta, reply_parents=sorted(parents))
        result.posts += len(posts)
        result.added += counts.added
        result.already_stored += counts.already_stored
        batch.clear()

    try:
        for line in read_lines(path, layout, progress):
            result.rows_read += 1
            result.references_skipped += line.references_skipped
            batch.extend(line.posts)
            for problem in line.problems:
                result.rejected_count += 1
                if len(result.rejected) < KEEP_REJECTS:
                    result.rejected.append(Rejected(line.number, problem, {"record": line.text[:2000]}))
                if rejects is not None:
                    rejects.add(line.number, problem, line.text)
            lines += 1
            if lines >= batch_lines or len(batch) >= batch_lines:  # a twarc2 page holds up to ~200 posts
                flush()
                lines = 0
        flush()
    except BaseException:
        if rejects is not None:
            result.rejects_file = rejects.close()  # what was read is stored: its bad rows are listed too
        raise
    if rejects is not None:
        result.rejects_file = rejects.close()
    if result.rows_read == 0:
        raise ImportFormatError(f"{path}: the file has no rows{_why_empty(path)}")
    return result


def _why_empty(path: Path) -> str:
    with path.open("rb") as handle:
        compressed = handle.read(4).startswith((ZSTD_MAGIC, GZIP_MAGIC))
    return " (nothing could be decompressed: the file may be cut short)" if compressed else ""


def check_stream(path: Path, layout: str, progress: Progress | None = None) -> tuple[int, str] | None:
    """The first bad row of a streamed file (line, reason), or None: the check of ``--strict``."""
    for line in read_lines(path, layout, progress):
        if line.problems:
            return line.number, line.problems[0]
    return None


def stream_posts(path: Path, layout: str) -> tuple[list[Post], list[Rejected], int, int]:
    """All the posts of a (small) streamed file in memory, for ``--posts FILE``: posts (the last copy of each),
    bad rows, lines read, referenced tweets skipped. Reddit comments get their parent's author from the file."""
    found: dict[tuple[str, str], tuple[Post, PostMeta | None]] = {}
    rejected: list[Rejected] = []
    rows = skipped = 0
    for line in read_lines(path, layout):
        rows += 1
        skipped += line.references_skipped
        for post, meta in line.posts:
            found[(post.platform, post.post_id)] = (post, meta)
        rejected.extend(Rejected(line.number, p, {"record": line.text.rstrip()}) for p in line.problems)
    posts, _ = _resolve_parents(list(found.values()))
    return posts, rejected, rows, skipped
