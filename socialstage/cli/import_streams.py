"""``socialstage import`` of twarc2 output and Reddit dumps: streamed into the store with a progress bar."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from collectors.files import BadRowError
from collectors.streams import RejectsFile, StreamResult, check_stream, import_stream, sniff
from socialstage.display.wording import plural
from socialstage.errors import SocialstageError
from store.database import Store


def stream_layout(name: str) -> str | None:
    """The streamed layout of a file (twarc2, Reddit dump), or None for the other formats."""
    path = Path(name)
    if not path.is_file() or path.stat().st_size == 0:
        return None  # collectors.files says what is wrong with it
    return sniff(path)


@contextmanager
def byte_bar(console: Console, label: str) -> Iterator[Callable[..., None]]:
    """A transient bar of the bytes read on a terminal (nothing elsewhere), with the rows read, the rate and
    the time left; yields its update function ``update(done, size, rows=None)``."""
    progress = Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TextColumn("{task.fields[rows]}"),
        TransferSpeedColumn(), TimeRemainingColumn(), console=console, transient=True,
        disable=not console.is_terminal,
    )
    with progress:
        task = progress.add_task(label, total=None, rows="")

        def update(done: int, size: int | None, rows: int | None = None) -> None:
            progress.update(task, completed=done, total=size, rows="" if rows is None else plural(rows, "row"))

        yield update


_bar = byte_bar


def check_strict(name: str, layout: str, console: Console) -> None:
    """``--strict``: read the whole file first; its first bad row stops the import before anything is written."""
    path = Path(name)
    with _bar(console, f"Checking {path.name}") as update:
        bad = check_stream(path, layout, update)
    if bad is not None:
        raise BadRowError(path, bad[0], bad[1])


def describe(result: StreamResult) -> str:
    """``3 rows skipped (line 12: comment without body ...)``."""
    count = result.rejected_count
    first = f"{result.line_unit} {result.rejected[0].line}: {result.rejected[0].reason}" if result.rejected else ""
    more = " ..." if count > 1 else ""
    return f"{count} row{'s' if count != 1 else ''} skipped ({first}{more})"


def run_stream(name: str, layout: str, store: Store, rejects_folder: Path, console: Console) -> str:
    """Stream one file into the store; the summary line (what was imported, what was skipped and where listed)."""
    path = Path(name)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    rejects = RejectsFile(rejects_folder / f"{path.stem}-rejects-{stamp}.csv")
    with _bar(console, f"Importing {path.name}") as update:
        result = import_stream(path, layout, store, rejects=rejects, progress=update)
    if result.posts == 0:
        listed = f"; listed in {result.rejects_file}" if result.rejects_file else ""
        raise SocialstageError(f"no usable row in {name}: {describe(result)}; nothing imported from it{listed}")
    message = (
        f"Imported {path.name} ({layout}): {plural(result.posts, 'post')} from {plural(result.rows_read, 'line')}, "
        f"{result.added} new, "
        f"{result.already_stored} already stored."
    )
    if result.rejected_count:
        message += f" {describe(result)}; listed in {result.rejects_file}"
    if result.references_skipped:
        n = result.references_skipped
        message += (f" {n} referenced tweet{'s' if n != 1 else ''} came without {'their' if n != 1 else 'its'} "
                    "author or time (X sent only the id) and could not be stored.")
    return message
