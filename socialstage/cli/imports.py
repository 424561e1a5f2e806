"""The ``socialstage import`` command: posts files into the store (twarc2 output and Reddit dumps streamed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click

from socialstage.cli.options import db_option, terminal
from socialstage.display.wording import plural
from socialstage.errors import SocialstageError

#: What --strict does, said the same in --help and in the README (a test checks it).
STRICT_HELP = ("Stop at the first bad row and import nothing from any file (all files are read before anything is "
               "written).")


@click.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help=STRICT_HELP)
@click.option("--rejects", type=click.Path(file_okay=False), help="Folder for the lists of skipped rows.")
@db_option
def import_(files: tuple[str, ...], strict: bool, rejects: str | None, db: str | None) -> None:
    """Import posts files into the store: CSV, JSON Lines or Parquet (import format or Kaggle TWCS), twarc2
    output and Reddit dumps (NDJSON, plain, gzip or zstandard .zst), told from their content.

    Bad rows are skipped and listed in a CSV file (line number, reason, raw values). --strict: stop at
    the first bad row and import nothing from any file (all files are read before anything is written).
    Importing a file twice adds nothing. twarc2 files and Reddit dumps are streamed: any size, in bounded memory.

    \b
    Example:
        socialstage import examples/posts.csv
        socialstage import twcs.csv replies.jsonl --db brands.db --strict
        socialstage import tweets.jsonl RS_2024-01.zst RC_2024-01.zst
    """
    from collectors.files import ImportResult, read_posts, suspect_times, write_rejects
    from collectors.safe_write import OutputError
    from socialstage.audit.inputs import describe_rejects, open_store
    from socialstage.cli.import_streams import byte_bar, check_strict, run_stream, stream_layout
    from store.database import resolve_db_path

    path = resolve_db_path(db)
    console = terminal(err=True)
    results: list[tuple[str, ImportResult | str]] = []
    for name in files:
        layout = stream_layout(name)
        if layout is not None:  # streamed into the store below; with --strict checked whole first
            if strict:
                check_strict(name, layout, console)
            results.append((name, layout))
            continue
        with byte_bar(console, f"Reading {Path(name).name}") as update:
            result = read_posts(name, strict=strict, progress=update)
        if result.posts.empty:
            raise SocialstageError(f"no usable row in {name}: {describe_rejects(result)}; nothing imported")
        results.append((name, result))
    folder = Path(rejects) if rejects else path.parent / "rejects"
    unlisted: list[str] = []
    with open_store(path, must_exist=False) as store:
        for name, result in results:
            if isinstance(result, str):
                click.echo(run_stream(name, result, store, folder, console))
                continue
            counts = store.upsert_posts(result.posts, correct=True)
            message = (
                f"Imported {result.path.name} ({result.layout} layout): {plural(len(result.posts), 'post')}, "
                f"{counts.added} new, {counts.already_stored} already stored"
                + (f" ({counts.updated} updated: {_listed(counts.updated_ids)})." if counts.updated else ".")
            )
            odd = suspect_times(result)
            if odd:
                message += (f" {plural(len(odd), 'post')} dated before 2006 or more than a day ahead "
                            f"(imported; check the file's times): {_listed(odd)}.")
            if result.rejected:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                try:
                    listed = write_rejects(result, folder / f"{result.path.stem}-rejects-{stamp}.csv")
                    message += f" {describe_rejects(result)}; listed in {listed}"
                except OutputError as exc:  # the posts are stored; say so, then fail
                    message += f" {describe_rejects(result)}; not listed (see below)"
                    unlisted.append(str(exc))
            if result.repeated_ids:
                message += f" {plural(result.repeated_ids, 'row')} repeated an earlier post id (the last was kept)."
            click.echo(message)
        click.echo(f"The store {store.path} holds {plural(store.count_posts(), 'post')}.")
    if unlisted:
        raise SocialstageError(f"the rejected rows could not be listed: {'; '.join(unlisted)}")


def _listed(ids: Sequence[str], most: int = 5) -> str:
    """The first ``most`` ids, comma-separated, and how many more."""
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")
