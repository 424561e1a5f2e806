"""The ``socialstage store`` commands: see, export and manage what the store holds (``store.contents``).

``list``, ``info`` and ``export`` open the store read-only (they work on a read-only file or filesystem);
``delete``, ``prune`` and ``clear-journals`` change it, and say so in one line when it cannot be written.
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from socialstage.cli.group import CONTEXT
from socialstage.cli.options import Moment, db_option, format_option, org_options, yes_option
from socialstage.display.terminal import SafeConsole, clean
from socialstage.errors import SocialstageError

_COLUMNS = ("org", "platform", "account", "department", "posts", "first_post", "last_post")


def _console() -> SafeConsole:
    return SafeConsole(highlight=False, soft_wrap=False)


def _short(stamp: str | None) -> str:
    """A stored time as ``2024-01-31 18:00`` (empty when there is none)."""
    return f"{stamp[:10]} {stamp[11:16]}" if stamp else ""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@click.group(context_settings=CONTEXT)
def store() -> None:
    """See and manage the store: what it holds, an organization's posts, its size and score journals.

    list, info and export only read (they work on a read-only store); delete, prune and clear-journals
    change it.

    \b
    Example:
        socialstage store list
        socialstage store info
        socialstage store export AcmeHelp --format csv -o acme.csv
        socialstage store delete AcmeHelp --yes
        socialstage store prune --before 2023-01-01 --yes
        socialstage store clear-journals
    """


@store.command(name="list", context_settings=CONTEXT)
@format_option("table", "json", "csv")
@click.option("--others", type=click.IntRange(min=0), default=20, show_default=True,
              help="Accounts in no organization shown (most posts first).")
@click.option("--all", "show_all", is_flag=True, help="Show every account in no organization.")
@db_option
def list_(fmt: str, others: int, show_all: bool, db: str | None) -> None:
    """List the organizations and their accounts, then the accounts in no organization, with post counts and
    the times of their first and last posts.

    \b
    Example:
        socialstage store list
        socialstage store list --format csv > accounts.csv
        socialstage store list --all --format json --db brands.db
    """
    from socialstage.audit.inputs import open_store
    from store.database import resolve_db_path

    with open_store(resolve_db_path(db), must_exist=True, read_only=True) as opened:
        summaries, left_out = opened.account_summaries(None if show_all else others)
        path = opened.path
    records = [{c: getattr(s, c) for c in _COLUMNS} for s in summaries]
    if fmt == "json":
        from socialstage.audit.render import to_json

        click.echo(to_json({"store": str(path.resolve()), "accounts": records, "not_shown": left_out}))
        return
    if fmt == "csv":
        import io

        from collectors.csv_safety import write_safe_csv

        buffer = io.StringIO(newline="")
        write_safe_csv(buffer, _COLUMNS, ([r[c] for c in _COLUMNS] for r in records))
        text = buffer.getvalue()
        click.echo(clean(text) if sys.stdout.isatty() else text, nl=False)
        return
    _print_table(records, left_out, path)


def _print_table(records: list[dict[str, object]], left_out: int, path: Path) -> None:
    from rich.table import Table
    from rich.text import Text

    console = _console()
    if not console.is_terminal:  # a pipe or a file: no reason to cut the table at 80 columns
        console.width = max(console.width, 120)
    if not records:
        console.print(f"The store {path} holds no posts and no organizations.", markup=False)
        return
    table = Table(title=f"Accounts in {path.name}", header_style="bold")
    for name in ("organization", "platform", "account", "department"):
        table.add_column(name, overflow="fold")
    table.add_column("posts", justify="right", no_wrap=True)
    table.add_column("first post", no_wrap=True)
    table.add_column("last post", no_wrap=True)
    for r in records:
        org = r["org"] if r["org"] is not None else "(none)"
        first, last = (str(r[k] or "")[:10] for k in ("first_post", "last_post"))
        cells = [org, r["platform"], r["account"], r["department"] or "", str(r["posts"]), first, last]
        table.add_row(*(Text(clean(c)) for c in cells))
    console.print(table)
    if left_out:
        console.print(f"{_plural(left_out, 'more account')} in no organization not shown (--others N, --all).",
                      markup=False)


@store.command(context_settings=CONTEXT)
@format_option("text", "json")
@db_option
def info(fmt: str, db: str | None) -> None:
    """Show where the store is, its size, how many posts and organizations it holds, and the score journals
    (where they are, their sizes, which are finished).

    \b
    Example:
        socialstage store info
        socialstage store info --format json --db brands.db
    """
    from socialstage.audit.inputs import open_store
    from socialstage.batch.journal import journals_info
    from store.contents import human_size, store_info
    from store.database import resolve_db_path

    with open_store(resolve_db_path(db), must_exist=True, read_only=True) as opened:
        found = store_info(opened)
        found.update(journals_info(opened.path.resolve()))
    if fmt == "json":
        from socialstage.audit.render import to_json

        click.echo(to_json(found))
        return
    console = SafeConsole(highlight=False, soft_wrap=True)  # paths are never cut
    span = f", {_short(found['first_post'])} to {_short(found['last_post'])}" if found["posts"] else ""
    lines = [
        f"Store: {found['path']}{'' if found['writable'] else ' (read-only)'}",
        f"Size: {human_size(found['bytes'])} ({_plural(len(found['files']), 'file')})",
        f"Posts: {found['posts']}{span}",
        f"Accounts with posts: {found['accounts']}; organizations defined: {found['organizations']}",
        f"Platforms: {', '.join(found['platforms']) or 'none'}",
        f"Score journals (batches without --out) in: {', '.join(found['journal_folders'])}",
    ]
    for line in lines:
        console.print(line, markup=False)
    if not found["journals"]:
        console.print("  none", markup=False)
    for journal in found["journals"]:
        console.print(f"  {journal['path']}: {human_size(journal['bytes'])}, {_plural(journal['rows'], 'row')}, "
                      f"{journal['state']}", markup=False)


@store.command(context_settings=CONTEXT)
@click.argument("org")
@format_option("csv", "parquet")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The file to write.")
@click.option("--own", is_flag=True, help="Only the organization's own posts (not the replies and posts around them).")
@org_options
@db_option
@click.pass_context
def export(ctx: click.Context, org: str, fmt: str, output: str, own: bool, accounts: tuple[str, ...],
           orgs_file: str | None, db: str | None) -> None:
    """Export an organization's posts in the import format (CSV or Parquet), ready to import again.

    The posts are those an audit of it reads: its accounts' posts and the posts around them (replies to
    it, posts addressed to it or mentioning it, the posts it answers); --own keeps only its accounts' posts.
    The format follows the extension of -o (.csv, .parquet) unless --format says otherwise. CSV cells are
    guarded against spreadsheet formulas; socialstage import takes the guard off again.

    \b
    Example:
        socialstage store export AcmeHelp -o acme.csv
        socialstage store export Acme --format parquet -o acme.parquet --own
    """
    from socialstage.audit.inputs import open_store, resolve_organization
    from store.contents import EXPORT_FORMATS, export_posts
    from store.database import resolve_db_path

    suffix = Path(output).suffix.lower().lstrip(".")
    source = ctx.get_parameter_source("fmt")
    if source is click.core.ParameterSource.DEFAULT and suffix in EXPORT_FORMATS:
        fmt = suffix
    with open_store(resolve_db_path(db), must_exist=True, read_only=True) as opened:
        organization = resolve_organization(org, accounts, orgs_file, opened.platforms(), opened)
        posts = opened.organization_posts(organization, context=not own)
    if posts.empty:
        raise SocialstageError(f"the store holds no post by or to {organization.name}; nothing written "
                               "(see socialstage store list)")
    count = export_posts(posts, Path(output), fmt)
    click.echo(f"Wrote {_plural(count, 'post')} of {clean(organization.name)} to {output} ({fmt}).")


@store.command(context_settings=CONTEXT)
@click.argument("org")
@yes_option
@db_option
def delete(org: str, yes: bool, db: str | None) -> None:
    """Delete an organization: its accounts' posts (with what is kept beside them), their profiles,
    cursors and collection state, and its definition. Asks first unless --yes.

    ORG is an organization defined in the store (socialstage store list), or else an account handle: its
    posts on every platform. An account another organization also lists keeps its posts.

    \b
    Example:
        socialstage store delete AcmeHelp
        socialstage store delete Acme --yes --db brands.db
    """
    from socialstage.audit.inputs import open_store
    from socialstage.audit.organizations import default_organization
    from store.database import resolve_db_path

    with open_store(resolve_db_path(db), must_exist=True) as opened:
        organization = opened.load_organization(org)
        defined = organization is not None
        if organization is None:
            organization = default_organization(org, opened.platforms() or ["twitter"])
        count = opened.count_account_posts(list(organization.keys))
        if not defined and count == 0:
            raise SocialstageError(f"the store defines no organization {org!r} and holds no post by an account "
                                   f"called {org!r}; see socialstage store list")
        what = (f"{_plural(count, 'post')} of {_plural(len(organization.accounts), 'account')} of "
                f"{organization.name}" + (" and its definition" if defined else ""))
        if not yes:
            click.confirm(f"Delete {clean(what)} from {opened.path}?", abort=True, err=True)
        deleted = opened.delete_organization(organization, definition=defined)
    message = (f"Deleted {organization.name}: {_plural(deleted.posts, 'post')}, "
               f"{_plural(deleted.accounts, 'account profile')}"
               + (f", its definition ({_plural(deleted.definition, 'account')})" if defined else "") + ".")
    click.echo(clean(message))
    for account, others in deleted.kept.items():
        click.echo(clean(f"Kept the posts of {account}: also an account of {', '.join(others)}."))


@store.command(context_settings=CONTEXT)
@click.option("--before", type=Moment(), help="Delete the posts written before this day (or time), UTC.")
@click.option("--after", type=Moment(end_of_day=True), help="Delete the posts written after this day (or time), UTC.")
@yes_option
@db_option
def prune(before: datetime | None, after: datetime | None, yes: bool, db: str | None) -> None:
    """Delete the posts written outside a window (before --before, after --after), with what is kept beside
    them. Asks first unless --yes.

    \b
    Example:
        socialstage store prune --before 2023-01-01
        socialstage store prune --before 2023-01-01 --after 2024-12-31 --yes
    """
    from socialstage.audit.inputs import open_store
    from store.database import resolve_db_path

    if before is None and after is None:
        raise click.UsageError("say which posts to delete: --before DATE, --after DATE or both")
    if before is not None and after is not None and before > after:
        raise click.UsageError(f"--before {before:%Y-%m-%d} is later than --after {after:%Y-%m-%d}: every post "
                               "would go; give --before a date earlier than --after")
    window = " and ".join(part for part in (
        f"before {before:%Y-%m-%d %H:%M}" if before else "", f"after {after:%Y-%m-%d %H:%M}" if after else "") if part)
    with open_store(resolve_db_path(db), must_exist=True) as opened:
        count = opened.count_outside(before, after)
        if count == 0:
            click.echo(f"No post was written {window}; nothing deleted.")
            return
        if not yes:
            click.confirm(f"Delete {_plural(count, 'post')} written {window} from {opened.path}?", abort=True,
                          err=True)
        deleted = opened.prune_posts(before, after)
        left = opened.count_posts()
    click.echo(f"Deleted {_plural(deleted, 'post')} written {window}; {_plural(left, 'post')} left.")


@store.command(name="clear-journals", context_settings=CONTEXT)
@db_option
def clear_journals_(db: str | None) -> None:
    """Remove the finished score journals (of batches run without --out); unfinished ones, and finished ones
    with rows --resume would retry, are kept.

    A journal is finished when its batch ran to its end (a JOURNAL.finished marker beside it), or, for one
    written before markers existed, when the output it sits beside exists and is at least as new.

    \b
    Example:
        socialstage store clear-journals
        socialstage store clear-journals --db brands.db
    """
    from socialstage.audit.inputs import open_store
    from socialstage.batch.journal import clear_journals, find_journals
    from store.contents import human_size
    from store.database import resolve_db_path

    path = resolve_db_path(db)
    if path.exists():
        open_store(path, must_exist=True).close()  # a read-only store is one error line
    journals = find_journals(path.resolve())
    removed = clear_journals(journals)
    for journal in removed:
        click.echo(f"Removed {journal.path} ({human_size(journal.bytes)}, {_plural(journal.rows, 'row')})")
    kept = [j for j in journals if j not in removed]
    freed = human_size(sum(j.bytes for j in removed))
    click.echo(f"Removed {_plural(len(removed), 'finished journal')} ({freed}); kept {len(kept)} "
               f"({', '.join(sorted({j.state for j in kept})) or 'none left'}).")
