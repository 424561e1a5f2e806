"""The ``socialstage`` command line: a thin layer over the collectors, features and classifier."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from socialstage import __version__, cmd_model
from socialstage.cmd_collect import collect
from socialstage.cmd_dataset import dataset
from socialstage.cmd_posts import posts
from socialstage.cmd_score import score
from socialstage.cmd_store import store
from socialstage.errors import SocialstageError
from socialstage.options import (
    SocialstageGroup,
    db_option,
    format_option,
    model_option,
    org_options,
    output_option,
    report_option,
    setup_logging,
    window_options,
)
from socialstage.terminal import SafeConsole
from socialstage.wording import plural

if TYPE_CHECKING:
    pass

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _console(err: bool = False) -> SafeConsole:
    return SafeConsole(stderr=err, highlight=False, soft_wrap=False)


def _emit(text: str, output: str | None) -> None:
    if output:
        from collectors.safe_write import write_atomic

        write_atomic(output, text + "\n")
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text)


@click.group(cls=SocialstageGroup, context_settings=CONTEXT)
@click.version_option(__version__, "--version", prog_name="socialstage")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-v", "--verbose", count=True, help="Log progress details to stderr.")
@click.option("--db", "db", type=click.Path(dir_okay=False), metavar="PATH",
              help="The store (SQLite file) for the command; the same as the command's own --db.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, db: str | None) -> None:
    """Place an organization on the social-media maturity curve from what it visibly does in public.

    \b
    Quick start:
        socialstage demo
        socialstage audit --posts posts.csv --org AcmeHelp
    """
    ctx.meta["socialstage.debug"] = debug
    setup_logging(verbose, debug)


@cli.command()
@click.option("--seed", default=7, show_default=True, help="Seed of the simulated organizations.")
@click.option("--weeks", default=12, show_default=True, type=click.IntRange(4, 520), help="Weeks simulated (4+).")
@format_option("text", "json")
@output_option("--export", help="Also write the demo posts to this CSV file.")
@click.option("--save", is_flag=True, help="Also import the demo posts and organizations into the store.")
@click.option("--climb", is_flag=True,
              help="Instead, one organization climbing from Participating to Actively Engaging over a year "
                   "(--weeks does not apply), audited per quarter.")
@model_option
@db_option
def demo(seed: int, weeks: int, fmt: str, export: str | None, save: bool, climb: bool, model: str | None,
         db: str | None) -> None:
    """Simulate one organization per stage, audit each, and show where each is placed.

    With --climb, simulate one organization that climbs over a year (demo-climbing) and show its audit
    with the stage it held in each quarter.

    \b
    Example:
        socialstage demo
        socialstage demo --seed 3 --export demo_posts.csv
        socialstage demo --climb --save    # then: socialstage audit demo-climbing --by month
    """
    from socialstage.demo import feature_rows, placement_rows, run_climb, run_demo
    from socialstage.render import print_audit, to_json
    from socialstage.scoring import verdict_line
    from socialstage.tables import summary_table

    run = run_climb(seed=seed, model=model) if climb else run_demo(seed=seed, weeks=weeks, model=model)
    if export:
        from collectors.safe_write import open_atomic

        with open_atomic(export, newline="") as handle:
            run.posts.to_csv(handle, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
        click.echo(f"Wrote {plural(len(run.posts), 'post')} to {export}", err=True)
    if save:
        from collectors.store import resolve_db_path
        from socialstage.inputs import open_store
        from socialstage.stored_enrichment import enrich_stored

        with open_store(resolve_db_path(db), must_exist=False) as store:
            counts = store.upsert_posts(run.posts)
            store.upsert_accounts(a for sim in run.simulated for a in sim.accounts)
            for sim in run.simulated:
                store.save_organization(sim.organization)
            enrich_stored(store, [sim.organization for sim in run.simulated])  # once, as posts enter the store
        click.echo(f"Saved {plural(counts.added, 'new post')} and {plural(len(run.simulated), 'organization')} "
                   f"to {store.path}", err=True)
    if fmt == "json":
        click.echo(to_json([
            {"generated_stage": sim.stage, **result.as_dict()}
            for sim, result in zip(run.simulated, run.results, strict=True)
        ]))
        return
    console = _console()
    if climb:
        print_audit(console, run.results[0])
        return
    title = f"socialstage demo: one simulated organization per stage (seed {seed}, {weeks} weeks)"
    console.print(summary_table(placement_rows(run), title=title, text_columns=5))
    console.print()
    console.print(summary_table(feature_rows(run), title="Key features by organization (#)"))
    console.print()
    placed = sum(sim.stage == result.stage for sim, result in zip(run.simulated, run.results, strict=True))
    console.print(f"{placed} of {len(run.results)} simulated organizations placed at the stage that generated them.")
    console.print(verdict_line(run.results))


#: What --strict does, said the same in --help and in the README (a test checks it).
STRICT_HELP = ("Stop at the first bad row and import nothing from any file (all files are read before anything is "
               "written).")


@cli.command(name="import")
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
    from collectors.store import resolve_db_path
    from socialstage.import_streams import byte_bar, check_strict, run_stream, stream_layout
    from socialstage.inputs import describe_rejects, open_store

    path = resolve_db_path(db)
    console = _console(err=True)
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


@cli.command()
@click.argument("name", required=False)
@click.option("--posts", "posts_file", type=click.Path(dir_okay=False), help="Audit posts from this file.")
@click.option("--org", "org_name", help="The organization (same as NAME).")
@org_options
@window_options
@format_option("text", "json")
@output_option("-o", "--output", help="Write the result to this file.")
@model_option
@click.option("--by", type=click.Choice(["month", "quarter", "year"]),
              help="Also place the organization in each calendar month, quarter or year of the window.")
@report_option
@click.option("--collect", "collect_first", is_flag=True,
              help="First collect the accounts from the live APIs (X, Reddit, Bluesky, Mastodon).")
@db_option
@click.pass_context
def audit(
    ctx: click.Context, name: str | None, posts_file: str | None, org_name: str | None, accounts: tuple[str, ...],
    orgs_file: str | None, since: datetime | None, until: datetime | None, fmt: str, output: str | None,
    model: str | None, by: str | None, report: str | None, collect_first: bool, db: str | None,
) -> None:
    """Place one organization on the curve, with the evidence and the next steps.

    The posts come from --posts FILE, or else from the store. The organization's accounts come
    from --account options, an --orgs file, the store, or else NAME is its handle on every platform.
    The trained model's stage probabilities are shown beside the rubric's evidence (--model).
    --by places it in each calendar period too (periods with too little data say so).
    --report FILE.html also writes a self-contained HTML report with plots, for a client.

    \b
    Example:
        socialstage audit --posts twcs.csv --org AmazonHelp --format json
        socialstage audit Acme --account twitter:acme --account twitter:AcmeHelp:support
        socialstage audit --posts twcs.csv --org AmazonHelp --model none   # the rubric alone
        socialstage audit Acme --collect --account x:AcmeHelp --account reddit:r/AcmeSupport
        socialstage audit demo-climbing --by quarter   # after socialstage demo --climb --save
        socialstage audit --posts twcs.csv --org AmazonHelp --report amazonhelp.html
    """
    from socialstage.render import print_audit, to_json
    from socialstage.scoring import apply_model, choose_model

    if name and org_name and name != org_name:
        raise click.UsageError(f"NAME {name!r} and --org {org_name!r} differ; give one of them")
    org_label = name or org_name
    if not org_label:
        raise click.UsageError("name the organization: socialstage audit NAME (or --org NAME)")
    if collect_first:
        if posts_file:
            raise click.UsageError("--collect fills the store; it cannot be combined with --posts")
        from socialstage.cmd_collect import collect_for_audit

        accounts = collect_for_audit(ctx, org_label, accounts, orgs_file, since, db)
    from socialstage.one_audit import audit_one

    result = audit_one(org_label, posts_file, accounts, orgs_file, since, until, db)
    choice = choose_model(model)
    apply_model([result], choice)
    if by:
        from socialstage.trajectory import trajectory

        result.trajectory = trajectory(result, by, choice)
    if report:
        from socialstage.report import write_audit_report

        click.echo(f"Wrote the report {write_audit_report(result, report)}", err=True)
    if fmt == "json":
        _emit(to_json(result.as_dict()), output)
    elif output:
        from collectors.safe_write import open_atomic

        with open_atomic(output) as handle:
            print_audit(SafeConsole(width=110, file=handle), result)
        click.echo(f"Wrote {output}", err=True)
    else:
        print_audit(_console(), result)


def _listed(ids: Sequence[str], most: int = 5) -> str:
    """The first ``most`` ids, comma-separated, and how many more."""
    shown = ", ".join(ids[:most])
    return shown + (f" and {len(ids) - most} more" if len(ids) > most else "")


@cli.command()
@format_option("text", "json", "markdown")
def features(fmt: str) -> None:
    """List every feature with its exact definition (from the feature registry).

    \b
    Example:
        socialstage features
        socialstage features --format markdown > FEATURES.md
    """
    from features.registry import FEATURES
    from socialstage.render import to_json

    if fmt == "json":
        click.echo(to_json([{"name": f.name, "group": f.group, "definition": f.definition} for f in FEATURES]))
    elif fmt == "markdown":
        click.echo("| feature | group | definition |\n|---|---|---|")
        for f in FEATURES:
            click.echo(f"| `{f.name}` | {f.group} | {f.definition.replace('|', '/')} |")
    else:
        from rich.table import Table

        table = Table(title="Features", header_style="bold", show_lines=True)
        for column in ("feature", "group", "definition"):
            table.add_column(column)
        for f in FEATURES:
            table.add_row(f.name, f.group, f.definition)
        _console().print(table)


cli.add_command(cmd_model.label)
cli.add_command(cmd_model.train)
cli.add_command(cmd_model.evaluate)
cli.add_command(posts)
cli.add_command(collect)
cli.add_command(score)
cli.add_command(dataset)
cli.add_command(store)


def main() -> None:
    """Entry point of the ``socialstage`` console script."""
    cli(prog_name="socialstage")
