"""The ``socialstage demo`` command: one simulated organization per stage, audited like a real one."""

from __future__ import annotations

import click

from socialstage.cli.options import db_option, format_option, model_option, output_option, terminal
from socialstage.display.wording import plural


@click.command()
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
    from socialstage.audit.demo import feature_rows, placement_rows, run_climb, run_demo
    from socialstage.audit.render import print_audit, to_json
    from socialstage.audit.verdict import verdict_line
    from socialstage.display.tables import summary_table

    run = run_climb(seed=seed, model=model) if climb else run_demo(seed=seed, weeks=weeks, model=model)
    if export:
        from collectors.safe_write import open_atomic

        with open_atomic(export, newline="") as handle:
            run.posts.to_csv(handle, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
        click.echo(f"Wrote {plural(len(run.posts), 'post')} to {export}", err=True)
    if save:
        from socialstage.audit.enrichment import enrich_stored
        from socialstage.audit.inputs import open_store
        from store.database import resolve_db_path

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
    console = terminal()
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
