"""The ``socialstage audit`` and ``socialstage features`` commands: one organization placed, and what is measured."""

from __future__ import annotations

from datetime import datetime

import click

from socialstage.cli.options import (
    db_option,
    emit,
    format_option,
    model_option,
    org_options,
    output_option,
    report_option,
    terminal,
    window_options,
)
from socialstage.display.terminal import SafeConsole


@click.command()
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
    from socialstage.audit.render import print_audit, to_json
    from socialstage.audit.verdict import apply_model, choose_model

    if name and org_name and name != org_name:
        raise click.UsageError(f"NAME {name!r} and --org {org_name!r} differ; give one of them")
    org_label = name or org_name
    if not org_label:
        raise click.UsageError("name the organization: socialstage audit NAME (or --org NAME)")
    if collect_first:
        if posts_file:
            raise click.UsageError("--collect fills the store; it cannot be combined with --posts")
        from socialstage.cli.live_collection import collect_for_audit

        accounts = collect_for_audit(ctx, org_label, accounts, orgs_file, since, db)
    from socialstage.audit.pipeline import audit_one

    result = audit_one(org_label, posts_file, accounts, orgs_file, since, until, db)
    choice = choose_model(model)
    apply_model([result], choice)
    if by:
        from socialstage.audit.trajectory import trajectory

        result.trajectory = trajectory(result, by, choice)
    if report:
        from socialstage.report import write_audit_report

        click.echo(f"Wrote the report {write_audit_report(result, report)}", err=True)
    if fmt == "json":
        emit(to_json(result.as_dict()), output)
    elif output:
        from collectors.safe_write import open_atomic

        with open_atomic(output) as handle:
            print_audit(SafeConsole(width=110, file=handle), result)
        click.echo(f"Wrote {output}", err=True)
    else:
        print_audit(terminal(), result)


@click.command()
@format_option("text", "json", "markdown")
def features(fmt: str) -> None:
    """List every feature with its exact definition (from the feature registry).

    \b
    Example:
        socialstage features
        socialstage features --format markdown > FEATURES.md
    """
    from features.registry import FEATURES
    from socialstage.audit.render import to_json

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
        terminal().print(table)
