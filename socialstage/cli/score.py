"""The ``socialstage score`` command: a list of organizations placed side by side and ranked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import click
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from collectors.base import DEFAULT_MAX_WAIT
from socialstage.cli.options import (
    db_option,
    engine_options,
    model_option,
    output_option,
    report_option,
    usage_errors,
    window_options,
)
from socialstage.cli.progress import WaitCountdown
from socialstage.display.terminal import SafeConsole
from socialstage.display.wording import plural

if TYPE_CHECKING:
    import pandas as pd



class ScoreProgress(WaitCountdown):
    """A progress bar on stderr: organizations done of the total, problems so far, time left; and any
    collection page or rate-limit wait under way. On a terminal only; elsewhere each wait is one line."""

    WAIT_FIELDS: ClassVar[dict[str, Any]] = {"problems": ""}

    def __init__(self, console: SafeConsole) -> None:
        self.console = console
        self.live = console.is_terminal
        self._bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[problems]}"), TimeElapsedColumn(), TimeRemainingColumn(), TextColumn("left"),
            console=console, transient=True, disable=not self.live,
        )
        self._task: TaskID | None = None
        self._wait_bars = self._bar
        self.problems = 0

    def __enter__(self) -> ScoreProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def start(self, total: int) -> None:
        """Show the bar."""
        self._task = self._bar.add_task("Scoring", total=total, problems="")

    def row(self, row: Mapping[str, Any], resumed: bool) -> None:
        """Advance the bar by one finished row."""
        self.problems += row.get("status") != "ok"
        if self._task is not None:
            problems = f"{self.problems} not ok" if self.problems else ""
            self._bar.update(self._task, advance=1, description=f"Scored {row.get('org')}", problems=problems)

    def page(self, account: str, endpoint: str, items: int) -> None:
        """Say which account is being collected."""
        if self._task is not None:
            self._bar.update(self._task, description=f"Collecting {account} {endpoint}")


#: Printed under the table when a row is marked thin (at most 100 characters).
THIN_NOTE = "thin = placed on fewer than 10 posts by it or addressed to it: a weak guess, ranked below the rest"


def _range_text(record: Mapping[str, Any]) -> str:
    """``1-2`` (the stage indices the evidence allows), or the one index when it proves the stage."""
    low, _, high = str(record.get("stage_range") or "").partition("-")
    return low if low == high else f"{low}-{high}"


def _table(console: SafeConsole, rows: pd.DataFrame) -> None:
    from socialstage.batch.rows import row_records
    from socialstage.display.tables import feature_text, summary_table

    records = row_records(rows)

    def count(record: Mapping[str, Any], name: str) -> str:
        return feature_text(name, record[name]) if record["status"] == "ok" else "-"

    shown = [
        {"#": r["rank"] or "", "org": r["org"],
         "stage": f"{r['stage_index']} {r['stage']}" if r["status"] == "ok" else r["status"],
         "range": _range_text(r) if r["status"] == "ok" else "", "evidence": "thin" if r["thin_evidence"] else "",
         "pct": "" if r["percentile"] is None else f"{r['percentile']:.0f}",
         "answered": feature_text("response_rate", r["response_rate"]) if r["status"] == "ok" else "-",
         "posts": count(r, "org_posts"), "inbound": count(r, "inbound")}
        for r in records
    ]
    console.print(summary_table(shown, title="Organizations ranked: sufficient evidence first, then by stage",
                                text_columns=5))
    if any(r["thin_evidence"] for r in records):
        console.print(THIN_NOTE, markup=False, highlight=False)
    for r in records:
        if r["status"] != "ok" and r["message"]:
            console.print(f"{r['org']}: {r['status']}: {r['message']}", markup=False, highlight=False)


def _summary(rows: pd.DataFrame, resumed: int) -> str:
    counts = rows["status"].value_counts()
    parts = ", ".join(f"{int(n)} {status}" for status, n in counts.items())
    kept = f"; {resumed} kept from an earlier run" if resumed else ""
    return f"{plural(len(rows), 'organization')}: {parts}{kept}."


@click.command()
@click.argument("list_file", metavar="[LIST.csv]", required=False, type=click.Path(dir_okay=False))
@click.option("--posts", "posts_file", type=click.Path(),
              help="Score from this posts file, or a dataset folder (written by socialstage dataset).")
@click.option("--orgs", "orgs_file", type=click.Path(dir_okay=False),
              help="Organizations TOML file naming the organizations (instead of LIST.csv).")
@click.option("--collect", "collect_first", is_flag=True,
              help="First collect each organization from the live APIs (X, Reddit, Bluesky, Mastodon).")
@output_option("--out", help="Write the rows to a .csv, .parquet or .json file.")
@click.option("--resume", is_flag=True, help="Keep the rows an earlier run scored on the same data and model.")
@report_option
@model_option
@window_options
@click.option(
    "--max-wait", type=click.FloatRange(min=0), default=DEFAULT_MAX_WAIT, show_default=True, metavar="SECONDS",
    help="With --collect: the longest rate-limit wait; past it the organization is rate_limited.",
)
@engine_options
@db_option
@click.pass_context
def score(
    ctx: click.Context, list_file: str | None, posts_file: str | None, orgs_file: str | None, collect_first: bool,
    out: str | None, resume: bool, report: str | None, model: str | None, since: datetime | None,
    until: datetime | None,
    max_wait: float, engine: str, scheduler: str | None, workers: int | None, db: str | None,
) -> None:
    """Place every organization of a list on the curve and rank them side by side.

    LIST.csv has the columns org, platform, handle and optionally department, one row per account
    (several rows per organization). The posts come from --posts FILE, else the store; with --collect,
    each organization is first collected from X and Reddit (one rate limiter per credential for the
    whole list). Without a list, --posts scores every brand of a TWCS file, or the organizations of an
    --orgs file. One row per organization: status (ok, no_data, not_found, rate_limited, error), stage,
    the stage range the evidence allows, whether the evidence is thin, journey, probabilities, key features
    (posts and inbound counts among them), rank and percentile (see the README for the columns). Verdicts
    on thin evidence (fewer than 10 posts by or to it) rank below all the others, whatever their stage.

    Finished rows are kept as they finish (beside --out, FILE.rows.jsonl); --resume keeps those scored
    on the same data, model and window. --posts DIR scores a dataset partitioned by organization (without
    a list: the organizations it holds) one partition at a time, or with --engine dask on a Dask cluster
    (a local one, or --scheduler ADDRESS); both engines write the same rows. --report FILE.html also
    writes the comparison as a self-contained HTML report (ranked table, stage distribution, key features).

    Exit codes: 0 all ok; 3 some rate_limited (rerun with --resume
    after the limit resets); 4 some no_data, not_found or error; 1 an error that stops the batch.

    \b
    Example:
        socialstage score --posts twcs.csv --out brands.csv
        socialstage score competitors.csv --posts posts.csv --report competitors.html
        socialstage score competitors.csv --posts posts.csv --model none
        socialstage score competitors.csv --collect --out scores.parquet --max-wait 120
        socialstage score competitors.csv --collect --out scores.parquet --resume
        socialstage score --posts brands-ds --engine dask --workers 4 --out scores.parquet
        socialstage score --posts s3://bucket/brands-ds --engine dask --scheduler tcp://10.0.0.5:8786
    """
    from socialstage.batch.plan import plan_batch
    from socialstage.batch.run import run_batch
    from store.database import resolve_db_path

    err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
    obj = ctx.find_root().obj
    with usage_errors():
        plan = plan_batch(list_file=list_file, orgs_file=orgs_file, posts_file=posts_file, collect=collect_first,
                          store_path=resolve_db_path(db), model=model, engine=engine, scheduler=scheduler,
                          workers=workers, since=since, until=until, resume=resume, out=out, max_wait=max_wait,
                          clock=obj.get("clock") if isinstance(obj, dict) else None, reporter=err)
    with ScoreProgress(err) as progress:
        outcome = run_batch(plan, progress)
    rows = outcome.rows
    if out:
        err.print(f"Wrote {plural(len(rows), 'row')} to {out}", markup=False, highlight=False)
    else:
        console = SafeConsole(highlight=False, soft_wrap=False)
        if not console.is_terminal:  # a pipe or a file: no reason to cut the table at 80 columns
            console.width = max(console.width, 120)
        _table(console, rows)
    err.print(_summary(rows, outcome.resumed), markup=False, highlight=False)
    if report:
        from socialstage.report import write_score_report

        named = Path(list_file or orgs_file or posts_file or "the store").name
        source = Path(posts_file).name if posts_file else "live collection" if collect_first else "the store"
        written = write_score_report(rows, report, title=f"Competitor comparison: {named}", source=source,
                                     model=plan.choice.name)
        err.print(f"Wrote the report {written}", markup=False, highlight=False)
    if outcome.exit_code:
        hint = (" run the same command with --resume to keep the scored rows and retry the others." if outcome.retry
                else " they have no posts in the data; --resume would not change that (collect them, or check the"
                " handles).")
        err.print("Some organizations were not scored (see their status and message);" + hint, markup=False,
                  highlight=False)
    ctx.exit(outcome.exit_code)

